"""Response models of the API routes that return findings, actions, analyses and KPI series.

The domain models of `core` (Friction, Action, KpiValue, …) are reused as they are; these wrap them in the
pages the routes return, so the OpenAPI document names every field an integrator receives.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from analytics.kpi_defs import KpiRow
from core.results import Action, Evidence, Friction, KpiValue, Period


class ThemeView(BaseModel):
    """A theme: what a group of patients contacted the centre about."""

    theme_id: str = Field(description="Stable id, kept across weeks.")
    label: str = Field(description="A short phrase in the theme's language (a manager may rename it).")
    keywords: list[str] = Field(default_factory=list, description="Distinctive words.")
    size: int = Field(description="Interactions of the period (or, in the registry, so far).")
    quotes: list[Evidence] = Field(default_factory=list, description="Typical patient quotes.")
    emerging: bool = Field(default=False, description="New or sharply growing against the baseline.")
    is_new: bool = Field(default=False, description="First seen in this period.")
    first_seen: str | None = Field(default=None, description="First day with a member (registry).")
    last_seen: str | None = Field(default=None, description="Last day with a member (registry).")
    label_source: str | None = Field(default=None, description="auto, model or manager.")
    label_edited_by: str | None = Field(default=None, description="Who renamed the theme, if anyone.")


class ThemesPage(BaseModel):
    """Themes of an analysis (or of the registry)."""

    analysis_id: str | None = Field(description="The analysis, or null for the registry.")
    period: Period | None = Field(default=None, description="The analysed period.")
    themes: list[ThemeView]


class ThemeRename(BaseModel):
    """A manager's name for a theme (kept for good: analyses never overwrite it)."""

    label: str = Field(min_length=1, max_length=120, description="The new name, e.g. 'Portail en panne'.")
    by: str | None = Field(default=None, max_length=120, description="Who renames it; the key is recorded.")

    model_config = {
        "extra": "forbid",
        "json_schema_extra": {
            "examples": [{"label": "Site de prise de rendez-vous en panne", "by": "Marie"}]
        },
    }


class FrictionsPage(BaseModel):
    """Ranked frictions of an analysis."""

    analysis_id: str | None
    period: Period | None = None
    frictions: list[Friction]


class ActionView(Action):
    """An action with its live status and history stamps."""

    analysis_id: str = Field(description="The analysis that proposed it.")
    status_by: str | None = Field(default=None, description="Who last changed its status.")
    status_at: str | None = Field(default=None, description="When (UTC, ISO 8601).")
    created_at: str | None = Field(default=None, description="When it was proposed (UTC).")


class ActionEvent(BaseModel):
    """A change of an action's status."""

    from_: str = Field(alias="from", description="Old status.")
    to: str = Field(description="New status.")
    by: str | None = Field(default=None, description="Who (the name given, and the key).")
    note: str | None = Field(default=None, description="Why.")
    at: str | None = Field(default=None, description="When (UTC, ISO 8601).")

    model_config = {"populate_by_name": True}


class ActionDetail(ActionView):
    """An action with its status history."""

    events: list[ActionEvent] = Field(default_factory=list, description="Status changes, oldest first.")


class ActionsPage(BaseModel):
    """The tenant's actions."""

    actions: list[ActionView]


class FrictionDetail(BaseModel):
    """One friction with the actions that answer it."""

    analysis_id: str
    friction: Friction
    actions: list[Action]


class KpiSeries(BaseModel):
    """A KPI per time bucket and/or segment."""

    metric: str = Field(description="The KPI.")
    period: Period
    by: str | None = Field(default=None, description="Dimension(s) of the breakdown.")
    interval: str | None = Field(default=None, description="day, week or month.")
    rows: list[KpiRow]


class HeadlineKpis(BaseModel):
    """The headline KPIs of a period against its baseline."""

    period: Period
    baseline: Period
    kpis: list[KpiValue]


class SearchHitView(BaseModel):
    """One interaction matching a search, with its best passage."""

    interaction_id: str = Field(description="The interaction's id, as sent.")
    quote: str = Field(description="The best matching passage (redacted).")
    score: float = Field(description="Fused rank score (reciprocal-rank fusion of dense and word rankings).")
    speaker: str = Field(description="Who said the passage: patient, agent, bot or system.")
    metadata: dict[str, Any] = Field(
        default_factory=dict, description="queue, channel, language, date and other filterable fields."
    )
    similarity: float | None = Field(default=None, description="Cosine similarity of the passage, if dense.")
    matched: str = Field(default="dense", description="Which rankings found it: dense, lexical or both.")


class SearchResult(BaseModel):
    """The hits of a transcript search, best first."""

    query: str = Field(description="The query as asked.")
    hits: list[SearchHitView]


class ThemeMatchView(BaseModel):
    """A known theme close to a classified text, with the frictions that concern it."""

    theme_id: str = Field(description="Stable theme id.")
    label: str = Field(description="Readable theme label.")
    similarity: float = Field(description="Cosine similarity between the text and the theme centre.")
    friction_ids: list[str] = Field(default_factory=list, description="Frictions of the latest analysis.")


class ClassifyResult(BaseModel):
    """The closest known themes of a live interaction, best first."""

    matches: list[ThemeMatchView]


def action_view(data: dict[str, Any]) -> ActionView:
    """An action view (store dict) as its model; unknown fields dropped."""
    return ActionView.model_validate({k: v for k, v in data.items() if k in ActionView.model_fields})


def action_detail(data: dict[str, Any]) -> ActionDetail:
    """An action with its events as its model."""
    fields = set(ActionDetail.model_fields)
    return ActionDetail.model_validate({k: v for k, v in data.items() if k in fields})
