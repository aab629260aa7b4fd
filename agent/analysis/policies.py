"""The investigation's two policies (LLM and offline) and the bounded, backed-off LLM calls both steps use.

Both policies produce an AIMessage whose tool calls run through the same ToolNode, so the rest of the graph
cannot tell them apart. The LLM policy validates the model's calls (known tool, valid arguments) and
retries with exponential back-off; after `attempts` failures it raises `LlmUnavailable` and the node
falls back to the offline policy.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.runnables import RunnableLambda
from langchain_core.tools import BaseTool
from pydantic import ValidationError

from analytics.actions import friction_signals
from core.results import Anomaly, Friction, ThemeResult

log = logging.getLogger("parcours.agent")
T = TypeVar("T")

SIGNAL_METRIC = {
    "wait": "response_time",
    "abandonment": "abandonment",
    "csat": "csat",
    "fcr": "fcr",
    "repeat_rate": "repeat_rate",
    "engagement": "engagement",
    "emerging": "volume",
    "volume": "volume",
    "effort": "repeat_rate",
    "aht": "aht",
    "transfer": "fcr",
}
"""The KPI that shows each friction signal best."""
OFFLINE_PREFIX = "offline:"
"""Tool-call ids of the offline policy: offline:<friction_id>:<purpose>."""


class LlmUnavailable(RuntimeError):
    """The model failed every attempt (timeouts, HTTP errors, malformed or invalid answers)."""


class InvalidToolCall(ValueError):
    """The model asked for a tool that does not exist or gave it invalid arguments."""


def describe_error(exc: BaseException) -> str:
    """A short, log-safe description of an LLM failure."""
    status = getattr(exc, "status_code", None) or getattr(getattr(exc, "response", None), "status_code", None)
    text = str(exc).splitlines()[0][:160] if str(exc) else ""
    return f"{type(exc).__name__}{f' {status}' if status else ''}: {text}".strip()


def call_with_retries(fn: Callable[[], T], *, attempts: int, base_delay: float) -> T:
    """Call fn until it succeeds, at most `attempts` times, backing off base_delay x 2^i between tries."""
    errors: list[str] = []

    def once(_: None) -> T:
        try:
            return fn()
        except Exception as exc:  # every model fault is retried the same way
            errors.append(describe_error(exc))
            log.warning("LLM call failed (attempt %d/%d): %s", len(errors), attempts, errors[-1])
            raise

    retrying = RunnableLambda(once).with_retry(
        stop_after_attempt=max(1, attempts),
        wait_exponential_jitter=base_delay > 0,
        exponential_jitter_params={"initial": base_delay, "jitter": 0.0},
    )
    try:
        return retrying.invoke(None)
    except Exception:
        raise LlmUnavailable("; ".join(errors)) from None


def validate_tool_calls(message: AIMessage, tools: dict[str, BaseTool]) -> None:
    """Raise InvalidToolCall unless every call names a known tool with valid arguments."""
    if message.invalid_tool_calls:
        bad = message.invalid_tool_calls[0]
        raise InvalidToolCall(f"unparseable arguments for {bad.get('name')}: {bad.get('error')}")
    for call in message.tool_calls:
        tool = tools.get(call["name"])
        if tool is None:
            raise InvalidToolCall(f"unknown tool {call['name']!r}")
        schema: Any = tool.tool_call_schema
        if isinstance(schema, type) and hasattr(schema, "model_validate"):
            try:
                schema.model_validate(call["args"])
            except ValidationError as exc:
                raise InvalidToolCall(f"invalid arguments for {call['name']}: {exc.errors()[:2]}") from exc


def llm_tool_step(
    model: Any,
    tools: dict[str, BaseTool],
    messages: Sequence[BaseMessage],
    *,
    attempts: int,
    base_delay: float,
) -> AIMessage:
    """One model turn with the tools bound; its calls are validated (retried, then LlmUnavailable)."""
    bound = model.bind_tools(list(tools.values()))

    def once() -> AIMessage:
        reply = bound.invoke(list(messages))
        if not isinstance(reply, AIMessage):
            raise InvalidToolCall(f"unexpected reply type {type(reply).__name__}")
        validate_tool_calls(reply, tools)
        return reply

    return call_with_retries(once, attempts=attempts, base_delay=base_delay)


def main_metric(friction: Friction, anomalies: Sequence[Anomaly] = ()) -> str:
    """The KPI that shows a friction best (its strongest signal)."""
    signals = friction_signals(friction, anomalies)
    signals.pop("volume", None) if len(signals) > 1 else None
    if not signals:
        return "volume"
    strongest = max(sorted(signals), key=lambda s: signals[s])
    return SIGNAL_METRIC.get(strongest, "volume")


def _accepted(tool: BaseTool, args: dict[str, Any]) -> dict[str, Any]:
    schema = tool.tool_call_schema
    fields = getattr(schema, "model_fields", None)
    if not fields:
        return args
    return {k: v for k, v in args.items() if k in fields and v is not None}


def _search_query(friction: Friction, theme: ThemeResult | None) -> str:
    words = friction.title.split()
    if theme is not None:
        words += [w for k in theme.keywords[:4] for w in k.split()]
    unique = list(dict.fromkeys(w for w in words if w.strip()))
    return re.sub(r"\s+", " ", " ".join(unique)).strip()[:200]


def offline_tool_calls(
    *,
    frictions: Sequence[Friction],
    themes: Sequence[ThemeResult],
    anomalies: Sequence[Anomaly],
    tools: dict[str, BaseTool],
    top: int,
) -> AIMessage:
    """The calls an analyst would make for the top frictions: drill-down, period comparison, evidence."""
    by_theme = {t.theme_id: t for t in themes}
    calls: list[dict[str, Any]] = []

    def add(friction: Friction, purpose: str, name: str, args: dict[str, Any]) -> None:
        if name in tools:
            call_id = f"{OFFLINE_PREFIX}{friction.friction_id}:{purpose}"
            calls.append(
                {"name": name, "args": _accepted(tools[name], args), "id": call_id, "type": "tool_call"}
            )

    for friction in frictions[:top]:
        metric = main_metric(friction, anomalies)
        filters: dict[str, Any] = {
            k: v for k, v in friction.segment.items() if k in ("queue", "channel", "language", "agent")
        }
        if friction.theme_id:
            filters["theme"] = friction.theme_id
        drill_by = "hour" if "queue" in friction.segment else "queue"
        add(
            friction, "drilldown", "kpi_query", {"metric": metric, "by": drill_by, "filters": filters or None}
        )
        add(
            friction,
            "compare",
            "compare_periods",
            {"metric": metric, "by": drill_by, "filters": filters or None},
        )
        theme = by_theme.get(friction.theme_id) if friction.theme_id else None
        if friction.theme_id:
            add(friction, "theme", "theme_details", {"theme_id": friction.theme_id})
        search_filters = {k: v for k, v in filters.items() if k in ("queue", "channel", "language")}
        add(
            friction,
            "evidence",
            "search_transcripts",
            {
                "query": _search_query(friction, theme),
                "k": 5,
                "filters": {**search_filters, "speaker": "patient"},
                "period": "current",
            },
        )
    return AIMessage(content="", tool_calls=calls)
