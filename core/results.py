"""Output models: the analysis result (output contract, DESIGN.md section 8).

One schema, three uses: the LLM's structured output, the API response and the report's data.
"""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SerializerFunctionWrapHandler,
    model_serializer,
    model_validator,
)


class Period(BaseModel):
    """An inclusive date range in the tenant's time zone."""

    start: date = Field(description="First day, inclusive.")
    end: date = Field(description="Last day, inclusive.")


class Evidence(BaseModel):
    """A quote from an interaction that supports a finding."""

    interaction_id: str = Field(description="The id of the interaction the quote comes from.")
    quote: str = Field(description="The redacted words, usually the patient's.")


class KpiValue(BaseModel):
    """One KPI for the period, compared with the baseline."""

    metric: str = Field(description="Metric name, e.g. fcr, csat, response_time.")
    value: float | None = Field(description="Value for the period (proportion 0..1, or seconds).")
    previous: float | None = Field(default=None, description="Value for the baseline.")
    delta: float | None = Field(default=None, description="value - previous.")
    p_value: float | None = Field(default=None, description="Significance of the change.")
    n: int = Field(default=0, description="How many contacts the value rests on.")
    ci: list[float] | None = Field(default=None, description="95 % interval [low, high].")
    unit: str | None = Field(default=None, description="'share' or 'seconds'.")
    rule: str | None = Field(
        default=None, description="Which definition was used (e.g. FCR repeat or resolved)."
    )
    too_few: bool = Field(default=False, description="Too small a sample to rank.")
    extra: dict[str, Any] = Field(
        default_factory=dict, description="Companion figures (p50, p90, mean, ...)."
    )


class ThemeResult(BaseModel):
    """A theme: what a group of patients contacted the centre about."""

    theme_id: str = Field(description="Stable id, kept across weeks.")
    label: str = Field(description="Short readable label.")
    keywords: list[str] = Field(default_factory=list, description="Distinctive words.")
    size: int = Field(description="Interactions of the period in the theme.")
    interaction_ids: list[str] = Field(default_factory=list, description="Its interactions in the period.")
    quotes: list[Evidence] = Field(default_factory=list, description="Representative quotes.")
    emerging: bool = Field(default=False, description="New or sharply growing against the baseline.")
    is_new: bool = Field(default=False, description="First seen in this period.")
    growing: bool = Field(
        default=False, description="A known theme whose volume grew significantly against the baseline."
    )
    growth: float | None = Field(
        default=None,
        description="Interactions of the period ÷ the baseline's weekly mean for as long a span (a floor of "
        "0.5 a week); None when the baseline weeks hold no data.",
    )
    growth_p: float | None = Field(
        default=None,
        description="One-sided Poisson p-value of that growth, Benjamini-Hochberg adjusted over the period's "
        "themes.",
    )
    baseline_weekly: float | None = Field(
        default=None, description="Expected interactions in the period from the baseline weeks."
    )


class AnomalyFigure(BaseModel):
    """An anomaly found on a segment friction's segment, as its score saw it."""

    metric: str = Field(description="Metric name.")
    value: float = Field(description="Observed value.")
    expected: float = Field(description="Baseline value.")
    score: float = Field(description="Robust deviation score (higher is worse).")


LEGACY_SIGNALS = frozenset({"handle_p90_s"})
"""Signals that results saved by earlier versions may carry, no longer measured (dropped on reading)."""


class FrictionSignals(BaseModel):
    """The statistics behind a friction's score: the KPI engine's figures for its interactions in the period.

    Shares are 0..1, durations in seconds; gaps are the friction's value minus the whole period's.
    """

    model_config = ConfigDict(extra="forbid")

    csat: float | None = Field(default=None, description="Top-2-box satisfaction (surveys scoring 4–5).")
    fcr: float | None = Field(default=None, description="First-contact resolution.")
    repeat_rate: float | None = Field(default=None, description="Inbound contacts repeating an earlier one.")
    abandonment: float | None = Field(default=None, description="Queued contacts abandoned before an answer.")
    wait_p90_s: float | None = Field(default=None, description="90th percentile of the wait, seconds.")
    aht_s: float | None = Field(default=None, description="Average handle time, seconds.")
    engagement: float | None = Field(default=None, description="Follow-ups done by their deadline.")
    effort_share: float | None = Field(default=None, description="Share of transcripts with effort phrases.")
    csat_gap: float | None = Field(default=None, description="CSAT minus the period's.")
    fcr_gap: float | None = Field(default=None, description="FCR minus the period's.")
    aht_gap: float | None = Field(default=None, description="AHT minus the period's, seconds.")
    engagement_gap: float | None = Field(default=None, description="Engagement minus the period's.")
    growth: float | None = Field(default=None, description="Volume against the baseline weekly mean.")
    p_value: float | None = Field(
        default=None,
        description="One-sided Poisson p-value of the growth, Benjamini-Hochberg adjusted over the period's "
        "themes.",
    )
    baseline_weekly: float | None = Field(default=None, description="Expected volume from the baseline.")
    worse: list[str] = Field(
        default_factory=list, description="Signals worse than the period's, worst first."
    )
    anomalies: list[AnomalyFigure] = Field(default_factory=list, description="Anomalies on its segment.")
    too_few: bool = Field(default=False, description="Fewer contacts than the minimum sample.")
    severity: float | None = Field(default=None, description="The severity term of the score.")
    trend: float | None = Field(default=None, description="The trend term of the score.")
    findings: list[str] = Field(default_factory=list, description="What the investigation's tools found.")
    steps: list[dict[str, Any]] = Field(
        default_factory=list, description="The investigation's tool calls, as data (tool, args, rows, error)."
    )

    @model_validator(mode="before")
    @classmethod
    def _drop_legacy(cls, data: Any) -> Any:
        if isinstance(data, dict) and LEGACY_SIGNALS & set(data):
            return {k: v for k, v in data.items() if k not in LEGACY_SIGNALS}
        return data

    @model_serializer(mode="wrap")
    def _compact(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        """Only the figures measured: no nulls, no empty lists (the JSON keeps its earlier shape)."""
        return {k: v for k, v in handler(self).items() if v is not None and v != []}

    def figures(self) -> dict[str, float]:
        """The numeric figures that were measured (no flags, lists or missing values)."""
        return {
            name: float(value)
            for name, value in self
            if isinstance(value, int | float) and not isinstance(value, bool)
        }


class Friction(BaseModel):
    """A theme or segment where patients struggle."""

    friction_id: str = Field(description="Id of the friction.")
    rank: int = Field(description="1 = most important.")
    title: str = Field(description="What the friction is, in words.")
    kind: str = Field(default="theme", description="theme, segment or emerging.")
    theme_id: str | None = Field(default=None, description="The theme, for theme frictions.")
    segment: dict[str, Any] = Field(
        default_factory=dict, description="The segment (queue, channel, hour, ...)."
    )
    score: float = Field(description="patients affected x severity x trend, normalized.")
    volume: int = Field(description="Interactions involved in the period.")
    patients: int = Field(default=0, description="Distinct patients affected.")
    share: float = Field(description="Share of the period's interactions.")
    emerging: bool = Field(default=False, description="Absent or small before, in volume now.")
    signals: FrictionSignals = Field(
        default_factory=FrictionSignals, description="The statistics behind the score."
    )
    interaction_ids: list[str] = Field(default_factory=list, description="The interactions concerned.")
    evidence: list[Evidence] = Field(default_factory=list, description="Quotes that show it.")
    followed_by: str | None = Field(
        default=None,
        description="The in-progress (or done) action already addressing it; no new action is proposed.",
    )


class Anomaly(BaseModel):
    """A KPI that deviates from its baseline in a segment."""

    metric: str = Field(description="Metric name.")
    segment: dict[str, Any] = Field(description="The segment, e.g. {'queue': 'cardiologie', 'hour': 8}.")
    value: float = Field(description="Observed value.")
    expected: float = Field(description="Baseline value.")
    score: float = Field(description="Robust deviation score (higher is worse).")
    volume: int = Field(default=0, description="Contacts in the segment for the period.")
    p_value: float | None = Field(default=None, description="Adjusted p-value (Benjamini-Hochberg).")
    explanation: str = Field(default="", description="One sentence a manager understands.")


class ExpectedImpact(BaseModel):
    """What an action is expected to change."""

    patients_affected: int = Field(description="Patients concerned.")
    kpi: str = Field(description="Main KPI targeted.")
    delta: float = Field(description="Expected change of that KPI.")


class Action(BaseModel):
    """A ranked, evidence-backed improvement action."""

    action_id: str = Field(description="Id of the action.")
    rank: int = Field(description="1 = do first.")
    title: str = Field(description="What to do.")
    description: str = Field(description="How, in a few sentences.")
    playbook_id: str | None = Field(
        default=None, description="Playbook entry it comes from (null if LLM-proposed)."
    )
    friction_ids: list[str] = Field(description="The frictions it addresses.")
    kpi_targets: list[str] = Field(default_factory=list, description="KPIs it should move.")
    expected_impact: ExpectedImpact = Field(description="Expected effect.")
    effort: Literal["S", "M", "L"] = Field(description="Effort: S, M or L.")
    confidence: float = Field(description="0..1 confidence in the effect.")
    score: float = Field(description="Deterministic ranking score.")
    owner: str = Field(default="", description="Typical owner.")
    rationale: str = Field(default="", description="Why this action, from the evidence.")
    evidence: list[Evidence] = Field(default_factory=list, description="Quotes behind it.")
    source: str = Field(default="playbook", description="playbook or llm.")
    status: str = Field(default="proposed", description="proposed, accepted, in_progress, done, rejected.")


ImpactState = Literal["too_early", "no_effect_detected", "improved", "worsened"]


class MetricEffect(BaseModel):
    """The measured effect of an action on one metric of its target segment (difference-in-differences)."""

    metric: str = Field(description="Metric name (the KPI engine's definition).")
    unit: str = Field(description="share, seconds or count (the metric's unit).")
    scale: Literal["relative", "points"] = Field(
        description="relative: effect is a ratio change (-0.38 = -38 %); points: a change of a share (-0.05)."
    )
    state: ImpactState = Field(description="too_early, no_effect_detected, improved or worsened.")
    effect: float | None = Field(default=None, description="Difference-in-differences estimate.")
    ci: list[float] | None = Field(default=None, description="95 % interval of the effect [low, high].")
    p_value: float | None = Field(default=None, description="Two-sided p-value of the effect.")
    before: float | None = Field(default=None, description="Target segment value before the start.")
    after: float | None = Field(default=None, description="Target segment value since the start.")
    n_before: int = Field(default=0, description="Target contacts the value before rests on.")
    n_after: int = Field(default=0, description="Target contacts the value since rests on.")
    comparison_before: float | None = Field(default=None, description="Comparison segments before.")
    comparison_after: float | None = Field(default=None, description="Comparison segments since.")
    comparison_n_before: int = Field(default=0, description="Comparison contacts before.")
    comparison_n_after: int = Field(default=0, description="Comparison contacts since.")
    comparison_p_value: float | None = Field(
        default=None, description="P-value of the comparison segments' own change (KPI engine test)."
    )
    comparison_moved: bool = Field(
        default=False, description="The comparison segments themselves changed significantly (p < 0.05)."
    )
    method: str = Field(default="", description="How the effect was estimated, in words.")


class TargetImpact(BaseModel):
    """What an action addresses (one friction's segment and metrics) and what changed there."""

    friction_id: str = Field(
        description="The friction the target comes from (in the analysis that proposed it)."
    )
    title: str = Field(default="", description="The friction's title.")
    segment: dict[str, Any] = Field(
        description="The segment as KPI filters: theme, queue, channel, agent, weekday, hour (a list)."
    )
    metrics: list[str] = Field(description="Metrics followed, main one first.")
    start: date = Field(description="Day the action started (tenant time zone).")
    before: Period = Field(description="Window before the start the segments are compared on.")
    after: Period = Field(description="Window since the start measured.")
    compared_with: dict[str, Any] = Field(
        default_factory=dict,
        description="The comparison: the dimension varied and the segment values used as comparison.",
    )
    state: ImpactState = Field(description="State of the main metric.")
    effects: list[MetricEffect] = Field(default_factory=list, description="One per metric followed.")


class ActionImpact(BaseModel):
    """The measured impact of an action in progress or done, beside the playbook's expected impact."""

    action_id: str = Field(description="The action.")
    title: str = Field(description="What the action is.")
    status: str = Field(description="in_progress or done.")
    playbook_id: str | None = Field(default=None, description="Playbook entry.")
    expected_impact: ExpectedImpact | None = Field(default=None, description="What the playbook expects.")
    state: ImpactState = Field(
        description="improved when a target improved and none worsened; worsened when one worsened; "
        "too_early when every target is; otherwise no_effect_detected."
    )
    resolved: bool = Field(
        default=False,
        description="improved and its friction has left the top of the ranking of this analysis.",
    )
    targets: list[TargetImpact] = Field(default_factory=list, description="One per friction it addresses.")
    summary: str = Field(default="", description="One sentence a manager reads.")


class AnalysisResult(BaseModel):
    """The result of one weekly analysis."""

    analysis_id: str = Field(description="Id of the analysis.")
    tenant: str = Field(default="default", description="Tenant analysed.")
    mode: Literal["offline", "llm"] = Field(default="offline", description="Whether an LLM took part.")
    model: str | None = Field(default=None, description="LLM model name, if any.")
    period: Period = Field(description="Analysed period.")
    baseline: Period | None = Field(default=None, description="Baseline period.")
    kpis: list[KpiValue] = Field(default_factory=list, description="Headline KPIs.")
    themes: list[ThemeResult] = Field(default_factory=list, description="Themes of the period.")
    unassigned_ids: list[str] = Field(default_factory=list, description="Interactions in no theme.")
    frictions: list[Friction] = Field(default_factory=list, description="Ranked frictions.")
    anomalies: list[Anomaly] = Field(default_factory=list, description="KPI anomalies by segment.")
    actions: list[Action] = Field(default_factory=list, description="Ranked actions.")
    policies: dict[str, str] = Field(default_factory=dict, description="Which policy ran each step.")
    notes: list[str] = Field(default_factory=list, description="Warnings and remarks about the run.")
    impacts: list[ActionImpact] = Field(
        default_factory=list, description="Measured impact of the actions in progress or done."
    )
