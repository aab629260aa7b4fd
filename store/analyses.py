"""The analyses repository: every write of an analyses row (and of the actions a result carries) goes here.

A run creates its row when it starts (`start`, or `create` for a queued run), the graph's nodes move it on
(`update`, `mark_period`), and the finished result is saved with its actions (`save`), whoever ran it: the
analysis graph, the job runner. The queue's bookkeeping (`store.analysis_queue`: leases, claims, retries)
writes through `create` and `update_where`. Retention deletes old rows (`delete_before`) and erasure rewrites
the results that quote erased data (`rewrite`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import ColumnElement, delete, select
from sqlalchemy import update as sql_update

from core.results import AnalysisResult, Period
from store.db import Store
from store.schema import ActionRow, AnalysisRow


def now() -> datetime:
    """Naive UTC now (the store keeps naive UTC)."""
    return datetime.now(UTC).replace(tzinfo=None)


def start(*, store: Store, tenant: str, period: Period | None, analysis_id: str) -> str:
    """Create (or reset to pending) the analyses row of a run; returns its id (the checkpoint thread id)."""
    today = now().date()
    with store.session() as session:
        row = session.get(AnalysisRow, analysis_id)
        if row is None:
            row = AnalysisRow(id=analysis_id, tenant=tenant, created_at=now())
            session.add(row)
        row.status, row.progress, row.step = "pending", 0.0, "queued"
        row.period_start = period.start if period else today
        row.period_end = period.end if period else today
    return analysis_id


def create(store: Store, **columns: Any) -> None:
    """Insert a new analyses row (an IntegrityError when its `active_key` is taken: one run a period)."""
    with store.session() as session:
        session.add(AnalysisRow(**columns))


def update_where(store: Store, *conditions: ColumnElement[bool], **values: Any) -> int:
    """Set columns of the rows that meet the conditions, in one statement; returns how many changed.

    The conditions make it a compare-and-set between processes (a claim, a take-over, a lease renewal).
    """
    with store.session() as session:
        result = session.execute(sql_update(AnalysisRow).where(*conditions).values(**values))
        return int(result.rowcount or 0)  # type: ignore[attr-defined]


def update(store: Store, analysis_id: str, **values: Any) -> None:
    """Set columns of an existing analyses row (no-op if the row is missing)."""
    with store.session() as session:
        row = session.get(AnalysisRow, analysis_id)
        if row is not None:
            for name, value in values.items():
                setattr(row, name, value)


def mark_period(store: Store, analysis_id: str, period: Period) -> None:
    """Record the resolved period on the row."""
    update(store, analysis_id, period_start=period.start, period_end=period.end)


def save(store: Store, result: AnalysisResult, *, status: str = "done") -> None:
    """Persist a finished result and its actions (insert or replace, idempotent)."""
    stamp = now()
    with store.session() as session:
        row = session.get(AnalysisRow, result.analysis_id)
        if row is None:
            row = AnalysisRow(id=result.analysis_id, tenant=result.tenant, created_at=stamp)
            session.add(row)
        row.status, row.progress, row.step, row.error = status, 1.0, "report", None
        row.period_start, row.period_end = result.period.start, result.period.end
        row.mode = result.mode
        row.result = result.model_dump(mode="json")
        row.finished_at = stamp
        session.flush()
        for action in result.actions:
            existing = session.get(ActionRow, action.action_id)
            data = action.model_dump(mode="json")
            if existing is None:
                session.add(
                    ActionRow(
                        id=action.action_id,
                        tenant=result.tenant,
                        analysis_id=result.analysis_id,
                        playbook_id=action.playbook_id,
                        title=action.title[:500],
                        data=data,
                        status=action.status or "proposed",
                        created_at=stamp,
                    )
                )
            elif existing.tenant == result.tenant:  # an id of another tenant's action is never overwritten
                existing.data, existing.title = data, action.title[:500]


def fold_into(store: Store, analysis_id: str, original_id: str) -> None:
    """Fold a row a runner saved under its own id into the run's row (its actions move with it)."""
    with store.session() as session:
        for action in session.query(ActionRow).filter(ActionRow.analysis_id == original_id):
            action.analysis_id = analysis_id
        session.flush()
        row = session.get(AnalysisRow, original_id)
        if row is not None:
            session.delete(row)


def load_result(store: Store, analysis_id: str) -> AnalysisResult | None:
    """The stored result of a finished analysis."""
    with store.session() as session:
        row = session.get(AnalysisRow, analysis_id)
        if row is None or not row.result:
            return None
        return AnalysisResult.model_validate(row.result)


def result_ending(
    store: Store, *, tenant: str, end: date, start: date | None = None
) -> AnalysisResult | None:
    """The latest finished result of the tenant whose analysed period ends on `end` (None if there is none).

    With `start`, only a period that also starts then. When a period was analysed more than once, the last
    run to finish speaks for it.
    """
    stmt = select(AnalysisRow.result, AnalysisRow.finished_at, AnalysisRow.created_at).where(
        AnalysisRow.tenant == tenant, AnalysisRow.status == "done", AnalysisRow.period_end == end
    )
    if start is not None:
        stmt = stmt.where(AnalysisRow.period_start == start)
    with store.session() as session:
        rows = [r for r in session.execute(stmt) if r.result]
    if not rows:
        return None
    latest = max(rows, key=lambda r: (r.finished_at or r.created_at, r.created_at))
    return AnalysisResult.model_validate(latest.result)


def history(store: Store, analysis_id: str) -> dict[str, Any] | None:
    """The report history kept with an analysis (None until its report was first built)."""
    with store.session() as session:
        row = session.get(AnalysisRow, analysis_id)
        return row.history if row is not None else None


def keep_history(store: Store, analysis_id: str, data: dict[str, Any]) -> None:
    """Keep a finished analysis's report history with it (no-op for an analysis that was never stored)."""
    with store.session() as session:
        row = session.get(AnalysisRow, analysis_id)
        if row is not None and row.result:
            row.history = data


def delete_before(store: Store, cutoff: datetime) -> int:
    """Delete the analyses created before the cutoff, with their actions (retention); returns how many."""
    with store.session() as session:
        gone = session.execute(delete(AnalysisRow).where(AnalysisRow.created_at < cutoff))
        return int(getattr(gone, "rowcount", 0) or 0)


def rewrite(
    store: Store, *, tenants: Iterable[str], document: Callable[[Any], Any], text: Callable[[str], str]
) -> int:
    """Rewrite the tenants' stored results (`document`) and errors (`text`); returns how many rows changed."""
    changed = 0
    with store.session() as session:
        for row in session.execute(
            select(AnalysisRow).where(AnalysisRow.tenant.in_(sorted(tenants)))
        ).scalars():
            result = document(row.result) if row.result is not None else None
            error = text(row.error) if row.error else row.error
            if result != row.result or error != row.error:
                row.result, row.error = result, error
                changed += 1
    return changed
