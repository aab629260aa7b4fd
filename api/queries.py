"""Tenant-scoped reads and writes of analyses and actions (the API's and report's view of the SQL store)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select

from analytics.anomalies import neighbour_hours, segment_degraded
from analytics.impact import measure_actions
from analytics.impact_targets import adoption_targets
from analytics.kpi_queries import latest_data
from core.results import Action, ActionImpact, AnalysisResult
from store import analyses
from store.action_targets import OPEN_STATUSES, record_targets
from store.actions import action_view, iso, read_actions
from store.analyses import result_ending
from store.db import Store
from store.schema import ActionEventRow, ActionRow, AnalysisRow

ACTION_STATUSES: tuple[str, ...] = ("proposed", "accepted", "in_progress", "done", "rejected")
TRANSITIONS: dict[str, frozenset[str]] = {
    "proposed": frozenset({"accepted", "rejected"}),
    "accepted": frozenset({"in_progress", "done", "rejected"}),
    "in_progress": frozenset({"done", "rejected"}),
    "rejected": frozenset({"proposed"}),
    "done": frozenset(),
}
"""Allowed status changes: proposed → accepted → in_progress → done, rejected from any open state, reopen."""


class TransitionError(ValueError):
    """A status change the lifecycle does not allow."""


def analysis_summary(row: AnalysisRow) -> dict[str, Any]:
    """The public view of an analysis row, without its result."""
    return {
        "analysis_id": row.id,
        "tenant": row.tenant,
        "status": row.status,
        "progress": row.progress,
        "step": row.step,
        "period": {"start": row.period_start.isoformat(), "end": row.period_end.isoformat()},
        "mode": row.mode,
        "error": row.error,
        "created_at": iso(row.created_at),
        "finished_at": iso(row.finished_at),
    }


def get_analysis_row(store: Store, *, tenant: str, analysis_id: str) -> AnalysisRow | None:
    """The tenant's analysis row, or None (another tenant's analysis is invisible)."""
    with store.session() as session:
        row = session.get(AnalysisRow, analysis_id)
        if row is None or row.tenant != tenant:
            return None
        return row


def list_analysis_rows(
    store: Store, *, tenant: str, limit: int = 50, status: str | None = None
) -> list[AnalysisRow]:
    """The tenant's analyses, newest first."""
    with store.session() as session:
        query = select(AnalysisRow).where(AnalysisRow.tenant == tenant)
        if status:
            query = query.where(AnalysisRow.status == status)
        query = query.order_by(AnalysisRow.period_end.desc(), AnalysisRow.created_at.desc()).limit(limit)
        return list(session.execute(query).scalars())


def result_of(row: AnalysisRow) -> AnalysisResult | None:
    """The row's AnalysisResult, or None while it is not done."""
    if row.status != "done" or not row.result:
        return None
    return AnalysisResult.model_validate(row.result)


def latest_result(
    store: Store, *, tenant: str, before: AnalysisResult | None = None
) -> AnalysisResult | None:
    """The tenant's latest finished analysis (or the latest one of an earlier period than `before`)."""
    for row in list_analysis_rows(store, tenant=tenant, limit=200, status="done"):
        result = result_of(row)
        if result is None:
            continue
        if before is None:
            return result
        if result.analysis_id != before.analysis_id and result.period.end < before.period.start:
            return result
    return None


def previous_results(store: Store, *, result: AnalysisResult, limit: int = 8) -> list[AnalysisResult]:
    """Earlier analyses of the same tenant (one per period, newest first)."""
    seen: set[tuple[str, str]] = set()
    out: list[AnalysisResult] = []
    for row in list_analysis_rows(store, tenant=result.tenant, limit=200, status="done"):
        other = result_of(row)
        if other is None or other.period.end >= result.period.start:
            continue
        key = (other.period.start.isoformat(), other.period.end.isoformat())
        if key in seen:
            continue
        seen.add(key)
        out.append(other)
        if len(out) >= limit:
            break
    return out


def get_action(store: Store, *, tenant: str, action_id: str) -> dict[str, Any] | None:
    """One of the tenant's actions with its event history, or None."""
    with store.session() as session:
        row = session.get(ActionRow, action_id)
        if row is None or row.tenant != tenant:
            return None
        events = session.execute(
            select(ActionEventRow).where(ActionEventRow.action_id == action_id).order_by(ActionEventRow.pk)
        ).scalars()
        view = action_view(row)
        view["events"] = [
            {"from": e.old_status, "to": e.new_status, "by": e.by, "note": e.note, "at": iso(e.at)}
            for e in events
        ]
        return view


def change_action_status(
    store: Store,
    *,
    tenant: str,
    action_id: str,
    status: str,
    by: str,
    note: str | None = None,
    started_on: date | None = None,
    target: dict[str, Any] | None = None,
) -> dict[str, Any] | None:
    """Move an action to a new status (validated), recording who and when; None if not the tenant's action.

    Moving it to in_progress or done records its target (segment, metrics, start day: `started_on`, default
    today in the tenant's time zone) for the impact measurement, once per friction it answers — or, when the
    manager states it, `target` ({"segment": {...}, "metrics": [...]}) instead.
    """
    if status not in ACTION_STATUSES:
        raise TransitionError(f"unknown status {status!r}; expected one of {', '.join(ACTION_STATUSES)}")
    with store.session() as session:
        row = session.get(ActionRow, action_id, with_for_update=store.dialect == "postgresql")
        if row is None or row.tenant != tenant:
            return None
        if status not in TRANSITIONS[row.status]:
            allowed = ", ".join(sorted(TRANSITIONS[row.status])) or "none (final state)"
            raise TransitionError(
                f"cannot move an action from {row.status!r} to {status!r}; allowed: {allowed}"
            )
        stamp = analyses.now()
        session.add(
            ActionEventRow(
                action_id=row.id, old_status=row.status, new_status=status, by=by, note=note, at=stamp
            )
        )
        row.status, row.status_by, row.status_at = status, by, stamp
        data, analysis = dict(row.data or {}), session.get(AnalysisRow, row.analysis_id)
        result = analysis.result if analysis is not None else None
    if status in OPEN_STATUSES and result:
        _record_target(store, tenant, action_id, data, result, by, stamp, started_on, target)
    return get_action(store, tenant=tenant, action_id=action_id)


def _record_target(
    store: Store,
    tenant: str,
    action_id: str,
    data: dict[str, Any],
    result: dict[str, Any],
    by: str,
    stamp: datetime,
    started_on: date | None,
    stated: dict[str, Any] | None,
) -> None:
    """Record what an action addresses, from its analysis's frictions (nothing if they cannot be read)."""
    try:
        action = Action.model_validate({k: v for k, v in data.items() if k in Action.model_fields})
        analysed = AnalysisResult.model_validate(result)
    except ValueError:
        return
    today = stamp.replace(tzinfo=UTC).astimezone(ZoneInfo(store.settings.timezone)).date()
    start = started_on or today
    targets = adoption_targets(
        action=action,
        frictions=analysed.frictions,
        period=analysed.period,
        start=start,
        baseline_weeks=store.settings.baseline_weeks,
        earlier=lambda end: result_ending(store, tenant=tenant, end=end),
        neighbours=lambda segment, metrics: neighbour_hours(
            store=store,
            tenant=tenant,
            period=analysed.period,
            segment=segment,
            metrics=metrics,
            baseline_weeks=store.settings.baseline_weeks,
        ),
        shows=lambda segment, metrics, week: segment_degraded(
            store=store,
            tenant=tenant,
            period=week,
            segment=segment,
            metrics=metrics,
            baseline_weeks=store.settings.baseline_weeks,
        ),
    )
    if stated is not None:
        before_start = start - timedelta(days=7 * store.settings.baseline_weeks)
        targets = [{"friction_id": "stated", **stated, "start": start, "before_start": before_start}]
    record_targets(store, action_id=action_id, tenant=tenant, targets=targets, by=by, at=stamp)


def accepted_action_statuses(
    store: Store, *, tenant: str, before_analysis: str | None = None
) -> list[dict[str, Any]]:
    """Actions of earlier analyses that a manager has moved past 'proposed' (for the report)."""
    views = [v for v in read_actions(store, tenant=tenant, limit=1000) if v["status"] != "proposed"]
    if before_analysis:
        views = [v for v in views if v["analysis_id"] != before_analysis]
    return views


def action_models(views: list[dict[str, Any]]) -> list[Action]:
    """Action views back to Action models (unknown fields dropped)."""
    fields = set(Action.model_fields)
    out = []
    for view in views:
        try:
            out.append(Action.model_validate({k: v for k, v in view.items() if k in fields}))
        except ValueError:
            continue
    return out


def action_impact(store: Store, *, tenant: str, action_id: str, language: str = "fr") -> ActionImpact | None:
    """The measured impact of an action up to the tenant's latest data; None when it has no target."""
    latest = latest_data(store, tenant)
    zone = ZoneInfo(store.settings.timezone)
    end = (latest.replace(tzinfo=UTC) if latest else datetime.now(UTC)).astimezone(zone).date()
    found = measure_actions(store=store, tenant=tenant, end=end, action_ids=[action_id], language=language)
    return found[0] if found else None
