"""The agent's impact tool: did the adopted actions work? (a thin adapter over analytics.impact)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from langchain.tools import ToolRuntime, tool

from analytics.impact import measure_actions
from analytics.kpi_queries import latest_data
from core.results import ActionImpact
from core.text import fold_phrase
from tools.context import ParcoursContext


def _words(text: str) -> set[str]:
    return {w[:6] for w in fold_phrase(text).split() if len(w) > 3}


def best_match(impacts: list[ActionImpact], topic: str | None) -> list[ActionImpact]:
    """The impacts whose action (title, playbook id, target frictions) shares the most words with the topic.

    No topic, or no word in common: every impact.
    """
    wanted = _words(topic or "")
    if not wanted or not impacts:
        return impacts
    scored = []
    for impact in impacts:
        text = " ".join([impact.title, impact.playbook_id or "", *(t.title for t in impact.targets)])
        scored.append((len(wanted & _words(text)), impact))
    best = max(score for score, _ in scored)
    return [i for score, i in scored if score == best] if best else impacts


@tool(response_format="content_and_artifact")
def action_impact(
    runtime: ToolRuntime[ParcoursContext], topic: str | None = None
) -> tuple[str, dict[str, Any]]:
    """Tell whether the actions in progress or done worked: their measured effect on their target segment.

    For each action: per metric, the difference-in-differences effect against comparable segments (95 %
    interval, p-value), the contacts before and since its start, and a state: too_early, no_effect_detected,
    improved or worsened, beside the playbook's expected impact.
    - topic: words naming the action or the problem it addresses (e.g. "callback", "rappels"); default all.
    """
    context = runtime.context
    latest = latest_data(context.store, context.tenant)
    zone = ZoneInfo(context.store.settings.timezone)
    end = (latest.replace(tzinfo=UTC) if latest else datetime.now(UTC)).astimezone(zone).date()
    impacts = measure_actions(store=context.store, tenant=context.tenant, end=end, language="en")
    chosen = best_match(impacts, topic)
    artifact = {"kind": "impact", "rows": [i.model_dump(mode="json") for i in chosen], "topic": topic or ""}
    if not chosen:
        return "No action is in progress or done: nothing to measure yet.", artifact
    return "\n".join(f"- {i.title} ({i.status}): {i.summary}" for i in chosen), artifact
