"""State and run context of the weekly analysis graph."""

from __future__ import annotations

import operator
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Annotated, Any, NotRequired

from langchain_core.messages import AnyMessage
from langgraph.graph.message import add_messages
from typing_extensions import TypedDict

from core.results import (
    Action,
    ActionImpact,
    AnalysisResult,
    Anomaly,
    Friction,
    KpiValue,
    Period,
    ThemeResult,
)
from core.settings import Settings
from tools.context import ParcoursContext


def merge_dicts(left: dict[str, str] | None, right: dict[str, str] | None) -> dict[str, str]:
    """Reducer: later keys win."""
    return {**(left or {}), **(right or {})}


class InputState(TypedDict):
    """What a caller gives the analysis."""

    tenant: str
    """The tenant analysed."""
    period: NotRequired[Period | None]
    """The period; the last complete ISO week of the data when absent."""


class OutputState(TypedDict):
    """What the analysis returns."""

    result: AnalysisResult
    """The AnalysisResult (DESIGN section 8)."""


class AnalysisState(TypedDict, total=False):
    """Everything the nodes share while the analysis runs (checkpointed after each node)."""

    tenant: str
    """The tenant analysed."""
    period: Period | None
    """The analysed period (resolved by `load`)."""
    baseline: Period
    """The baseline: `baseline_weeks` weeks before the period."""
    analysis_id: str
    """Id of this analysis (also the checkpoint thread id)."""
    kpis: list[KpiValue]
    """Headline KPIs of the period against the baseline."""
    anomalies: list[Anomaly]
    """KPI anomalies by segment."""
    themes: list[ThemeResult]
    """Themes of the period."""
    unassigned_ids: list[str]
    """Interactions of the period in no theme."""
    frictions: list[Friction]
    """Ranked frictions, enriched by the investigation."""
    messages: Annotated[list[AnyMessage], add_messages]
    """The investigation's tool-calling conversation (tool calls and their delimited results)."""
    rounds: int
    """How many rounds of tool calls the investigation has made."""
    findings: list[str]
    """Short findings of the investigation (shown to the propose step)."""
    actions: list[Action]
    """Proposed, then ranked, actions."""
    impacts: list[ActionImpact]
    """Measured impact of the actions in progress or done (set by `follow`)."""
    policies: Annotated[dict[str, str], merge_dicts]
    """Which policy ran each step (offline, llm, or a fallback with its reason)."""
    notes: Annotated[list[str], operator.add]
    """Warnings and remarks for the result."""
    result: AnalysisResult
    """The final result (set by `report`)."""


def _default_steps() -> dict[str, Callable[..., Any]]:
    return {}


@dataclass
class AnalysisContext(ParcoursContext):
    """Run-scoped dependencies of the analysis graph (never checkpointed)."""

    settings: Settings | None = None
    """The settings (baseline weeks, language, LLM limits)."""
    model: Any | None = None
    """The chat model (ChatOpenAI) for the LLM policy; None runs offline."""
    playbook: Any | None = None
    """The action playbook (analytics.playbook.Playbook); the configured one when None."""
    steps: dict[str, Callable[..., Any]] = field(default_factory=_default_steps)
    """Overrides of the analytics functions by name (headline_kpis, find_anomalies, assign_period_themes,
    score_frictions); the real ones are used for the names absent."""
    analysis_id: str | None = None
    """Id of the analyses row to keep up to date."""
    on_progress: Callable[..., None] | None = None
    """Called as on_progress(step, fraction) when a node starts."""
    language: str = "fr"
    """Language of action titles and descriptions."""
    top_frictions: int = 5
    """How many frictions the investigation looks into."""
    max_rounds: int = 6
    """Upper bound on rounds of tool calls in the investigation (LLM policy)."""
    max_llm_actions: int = 3
    """How many extra actions the model may propose."""
    retry_base_delay: float = 1.0
    """First back-off delay (seconds) between LLM retries; doubles each time."""
