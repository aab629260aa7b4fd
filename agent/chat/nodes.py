"""Nodes of the chat graph: the model (or the offline router) decides tool calls and writes the answer."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from contextlib import suppress
from typing import Any, Literal

from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage, ToolMessage
from langchain_core.tools import BaseTool
from langgraph.runtime import Runtime

from agent.analysis.periods import default_period
from agent.analysis.policies import LlmUnavailable, llm_tool_step
from agent.chat.answers import compose, reply_for_model
from agent.chat.grounding import check_answer
from agent.chat.router import detect_language, route, vocabulary
from agent.chat.state import ChatContext, ChatState
from agent.chat.tables import ToolResult
from core.periods import baseline_for, week_label
from prompts.chat import CHAT_SYSTEM

OFFLINE_NOTE = {
    "fr": "réponse calculée sans modèle de langue",
    "en": "answered without a language model",
}
FAILED_NOTE = {
    "fr": "le modèle de langue n'a pas répondu : réponse calculée sans lui",
    "en": "the language model failed: answered without it",
}


def current_turn(messages: Sequence[BaseMessage]) -> list[BaseMessage]:
    """The messages since the last question (inclusive)."""
    for i in range(len(messages) - 1, -1, -1):
        if isinstance(messages[i], HumanMessage):
            return list(messages[i:])
    return list(messages)


def tool_results(turn: list[BaseMessage]) -> list[ToolResult]:
    """The turn's tool calls with their text and artifacts, in order."""
    calls = {c["id"]: c for m in turn if isinstance(m, AIMessage) for c in m.tool_calls}
    out = []
    for message in turn:
        if isinstance(message, ToolMessage):
            call: dict[str, Any] = dict(calls.get(message.tool_call_id) or {})
            content = message.content if isinstance(message.content, str) else str(message.content)
            artifact = message.artifact if isinstance(message.artifact, dict) else None
            out.append(
                ToolResult(
                    str(call.get("name") or message.name),
                    dict(call.get("args") or {}),
                    content,
                    artifact,
                    failed=message.status == "error",
                )
            )
    return out


def compose_offline(turn: list[BaseMessage], ctx: ChatContext, *, failed: bool = False) -> AIMessage:
    """The offline answer (sentence, table, evidence, steps) to the turn's question, from its tool results."""
    question = turn[0].content if turn and isinstance(turn[0].content, str) else ""
    routed = route(question, _vocabulary(ctx))
    results = tool_results(turn)
    try:
        reply = compose(question, routed, results)
    except (IndexError, KeyError):  # the calls were the model's, not the route's: answer from what they gave
        reply = reply_for_model(
            "Voici ce que disent les données." if routed.language == "fr" else "Here is what the data says.",
            results,
            routed.language,
        )
    note = (FAILED_NOTE if failed else OFFLINE_NOTE)[routed.language]
    text = f"{reply.text}\n\n({note})"
    return AIMessage(text, additional_kwargs={"reply": reply.model_dump(mode="json")})


def _vocabulary(ctx: ChatContext) -> Any:
    if ctx.vocabulary is None:
        ctx.vocabulary = vocabulary(ctx.store, ctx.tenant)
    return ctx.vocabulary


def _accepted(tool: BaseTool, args: dict[str, Any]) -> dict[str, Any]:
    fields = getattr(tool.tool_call_schema, "model_fields", None) or {}
    return {k: v for k, v in args.items() if v is not None and (not fields or k in fields)}


def router_calls(question: str, ctx: ChatContext, tools: dict[str, BaseTool]) -> AIMessage:
    """The offline router's tool calls for a question (only tools that exist); none: answered at once."""
    routed = route(question, _vocabulary(ctx))
    calls = [
        {
            "name": c.tool,
            "args": _accepted(tools[c.tool], c.args),
            "id": f"route-{uuid.uuid4().hex[:8]}",
            "type": "tool_call",
        }
        for c in routed.calls
        if c.tool in tools
    ]
    if not calls:  # help, or nothing to look up: the answer needs no tool
        return compose_offline([HumanMessage(question)], ctx)
    return AIMessage(content="", tool_calls=calls)


def system_message(ctx: ChatContext) -> SystemMessage:
    """The chat system prompt for this tenant and data."""
    vocab = _vocabulary(ctx)
    period = ctx.period
    latest = vocab.latest
    return SystemMessage(
        CHAT_SYSTEM.format(
            tenant=ctx.tenant,
            latest_day=latest or "unknown",
            last_week=week_label(period.start) if period else "?",
            last_week_start=period.start if period else "?",
            last_week_end=period.end if period else "?",
        )
    )


def make_respond(tools: dict[str, BaseTool]) -> Any:
    """The respond node over these tools."""

    def respond(state: ChatState, runtime: Runtime[ChatContext]) -> dict[str, Any]:
        """The model's next step (tool calls or answer), or the offline router's."""
        ctx = runtime.context
        if ctx.period is None:  # tools read the conversation's period: the last complete week
            with suppress(ValueError):
                ctx.period, _ = default_period(ctx.store, ctx.tenant)
                ctx.baseline = baseline_for(ctx.period, (ctx.settings or ctx.store.settings).baseline_weeks)
        messages = list(state.get("messages", []))
        turn = current_turn(messages)
        rounds = sum(isinstance(m, AIMessage) for m in turn)
        failed = state.get("mode") == "offline-fallback" and rounds > 0
        if ctx.model is not None and not failed:
            if rounds < ctx.max_rounds:
                try:
                    settings = ctx.settings or ctx.store.settings
                    reply = llm_tool_step(
                        ctx.model,
                        tools,
                        [system_message(ctx), *messages],
                        attempts=settings.llm_max_retries + 1,
                        base_delay=ctx.retry_base_delay,
                    )
                    if reply.tool_calls:
                        return {"messages": [reply], "mode": "llm", "notes": [], "grounding": {}}
                    question = str(turn[0].content) if turn else ""
                    checked = check_answer(reply.text, turn=turn, language=detect_language(question))
                    return {
                        "messages": [AIMessage(checked.text, id=reply.id)],
                        "mode": "llm",
                        "notes": checked.notes,
                        "grounding": {
                            "cited_ids": checked.cited_ids,
                            "removed_ids": checked.removed_ids,
                            "unverified_numbers": checked.unverified_numbers,
                        },
                    }
                except LlmUnavailable as exc:
                    note = f"the language model failed ({str(exc)[:200]}); answered offline"
                    if rounds == 0:
                        question = str(turn[0].content) if turn else ""
                        return {
                            "messages": [router_calls(question, ctx, tools)],
                            "mode": "offline-fallback",
                            "notes": [note],
                        }
                    return {
                        "messages": [compose_offline(turn, ctx, failed=True)],
                        "mode": "offline-fallback",
                        "notes": [note],
                    }
            return {
                "messages": [compose_offline(turn, ctx, failed=True)],
                "mode": "offline-fallback",
                "notes": [f"stopped after {ctx.max_rounds} rounds of tool calls"],
            }
        if rounds == 0:
            question = str(turn[0].content) if turn else ""
            return {"messages": [router_calls(question, ctx, tools)], "mode": "offline", "notes": []}
        return {"messages": [compose_offline(turn, ctx, failed=failed)]}

    return respond


def route_chat(state: ChatState) -> Literal["tools", "__end__"]:
    """Run the tool calls of the last message, or end the turn."""
    messages = state.get("messages", [])
    last = messages[-1] if messages else None
    return "tools" if isinstance(last, AIMessage) and last.tool_calls else "__end__"
