"""What a report compares against: KPI trends, the previous analysis, the status of earlier actions."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from api.queries import accepted_action_statuses, previous_results
from core.periods import last_weeks, week_label
from core.results import AnalysisResult
from store import analyses
from store.db import Store
from store.theme_labels import theme_labels

TREND_METRICS: tuple[str, ...] = ("fcr", "csat", "response_time", "service_level", "abandonment", "volume")


class TrendPoint(BaseModel):
    """One week of a KPI trend."""

    label: str = Field(description="ISO week, e.g. 2026-W47.")
    value: float | None = Field(description="The KPI that week.")
    ci: list[float] | None = Field(default=None, description="95 % interval, if known.")
    n: int | None = Field(default=None, description="Contacts behind the value.")


class ReportHistory(BaseModel):
    """Context of a report: the trends, the previous analysis and the follow-up of earlier actions."""

    trends: dict[str, list[TrendPoint]] = Field(default_factory=dict, description="Weekly points by metric.")
    previous: AnalysisResult | None = Field(default=None, description="The tenant's previous analysis.")
    earlier: list[AnalysisResult] = Field(default_factory=list, description="Earlier analyses, newest first.")
    action_updates: list[dict[str, Any]] = Field(
        default_factory=list,
        description="Earlier actions a manager moved past 'proposed' (status, by, when).",
    )
    labels: dict[str, str] = Field(
        default_factory=dict, description="Current theme labels of the registry (a manager's renaming wins)."
    )


def trends_from_store(store: Store, result: AnalysisResult, weeks: int) -> dict[str, list[TrendPoint]]:
    """Weekly series of the trend metrics up to the analysed week, from analytics.kpis.kpi_series."""
    from analytics.kpis import kpi_series

    end = result.period.end
    start = last_weeks(result.period.start, weeks).start
    trends: dict[str, list[TrendPoint]] = {}
    for metric in TREND_METRICS:
        rows = kpi_series(
            store=store, tenant=result.tenant, metric=metric, start=start, end=end, interval="week"
        )
        points = [
            TrendPoint(label=str(row.bucket), value=row.value, ci=list(row.ci) if row.ci else None, n=row.n)
            for row in rows
        ]
        trends[metric] = points
    return trends


def trends_from_results(results: list[AnalysisResult]) -> dict[str, list[TrendPoint]]:
    """Weekly points from the headline KPIs of successive analyses (oldest first)."""
    trends: dict[str, list[TrendPoint]] = {}
    for res in sorted(results, key=lambda r: r.period.start):
        for kpi in res.kpis:
            trends.setdefault(kpi.metric, []).append(
                TrendPoint(label=week_label(res.period.start), value=kpi.value, ci=kpi.ci, n=kpi.n)
            )
    return trends


def _computed(
    store: Store, result: AnalysisResult, weeks: int
) -> tuple[dict[str, list[TrendPoint]], list[AnalysisResult]]:
    earlier = previous_results(store, result=result, limit=weeks)
    trends = trends_from_results([*earlier, result])
    for metric, points in trends_from_store(store, result, weeks).items():
        merged = {p.label: p for p in trends.get(metric, [])}  # measured weeks win; analyses fill the others
        merged.update({p.label: p for p in points if p.value is not None})
        trends[metric] = [merged[label] for label in sorted(merged)][-weeks:]
    return trends, earlier


def _trends_and_earlier(
    store: Store, result: AnalysisResult, weeks: int
) -> tuple[dict[str, list[TrendPoint]], list[AnalysisResult]]:
    """The KPI trends and earlier analyses of a report: computed at its first view, then read back."""
    kept = analyses.history(store, result.analysis_id)
    if kept is not None and kept.get("weeks") == weeks:
        earlier = [found for i in kept["earlier"] if (found := analyses.load_result(store, i)) is not None]
        trends = {m: [TrendPoint.model_validate(p) for p in points] for m, points in kept["trends"].items()}
        return trends, earlier
    trends, earlier = _computed(store, result, weeks)
    analyses.keep_history(
        store,
        result.analysis_id,
        {
            "weeks": weeks,
            "earlier": [r.analysis_id for r in earlier],
            "trends": {m: [p.model_dump(mode="json") for p in points] for m, points in trends.items()},
        },
    )
    return trends, earlier


def build_history(store: Store | None, result: AnalysisResult, *, weeks: int = 8) -> ReportHistory:
    """Gather the report's context from the store (trends, previous analysis, earlier actions)."""
    if store is None:
        return ReportHistory()
    trends, earlier = _trends_and_earlier(store, result, weeks)
    updates = accepted_action_statuses(store, tenant=result.tenant, before_analysis=result.analysis_id)
    labels = {k: v.label for k, v in theme_labels(store, tenant=result.tenant).items()}
    return ReportHistory(
        trends=trends,
        previous=earlier[0] if earlier else None,
        earlier=earlier,
        action_updates=updates,
        labels=labels,
    )
