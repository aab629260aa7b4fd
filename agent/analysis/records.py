"""The analyses and actions rows: created when a run starts, updated as nodes run, filled at the end."""

from __future__ import annotations

import hashlib
import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from core.results import AnalysisResult, Period
from store.db import Store
from store.schema import ActionRow, AnalysisRow, InteractionRow


def now() -> datetime:
    """Naive UTC now (the store keeps naive UTC)."""
    return datetime.now(UTC).replace(tzinfo=None)


def new_analysis_id() -> str:
    """A fresh analysis id."""
    return "an-" + uuid.uuid4().hex[:12]


def action_id_for(analysis_id: str, key: str) -> str:
    """A stable action id, unique across analyses."""
    return "ac-" + hashlib.sha1(f"{analysis_id}|{key}".encode()).hexdigest()[:14]


def start_analysis_record(
    *, store: Store, tenant: str, period: Period | None, analysis_id: str | None = None
) -> str:
    """Create (or reset to pending) the analyses row of a run; returns its id (the checkpoint thread id)."""
    analysis_id = analysis_id or new_analysis_id()
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


def update_analysis(store: Store, analysis_id: str, **values: Any) -> None:
    """Set columns of an existing analyses row (no-op if the row is missing)."""
    with store.session() as session:
        row = session.get(AnalysisRow, analysis_id)
        if row is not None:
            for name, value in values.items():
                setattr(row, name, value)


def mark_period(store: Store, analysis_id: str, period: Period) -> None:
    """Record the resolved period on the row."""
    update_analysis(store, analysis_id, period_start=period.start, period_end=period.end)


def save_analysis(store: Store, result: AnalysisResult) -> None:
    """Persist the finished result and its actions (insert or replace, idempotent)."""
    stamp = now()
    with store.session() as session:
        row = session.get(AnalysisRow, result.analysis_id)
        if row is None:
            row = AnalysisRow(id=result.analysis_id, tenant=result.tenant, created_at=stamp)
            session.add(row)
        row.status, row.progress, row.step, row.error = "done", 1.0, "report", None
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
            else:
                existing.data, existing.title = data, action.title[:500]


def load_result(store: Store, analysis_id: str) -> AnalysisResult | None:
    """The stored result of a finished analysis."""
    with store.session() as session:
        row = session.get(AnalysisRow, analysis_id)
        if row is None or not row.result:
            return None
        return AnalysisResult.model_validate(row.result)


def existing_interaction_ids(store: Store, tenant: str, ids: set[str]) -> set[str]:
    """The subset of interaction ids that exist for the tenant."""
    found: set[str] = set()
    wanted = sorted(ids)
    with store.session() as session:
        for i in range(0, len(wanted), 500):
            chunk = wanted[i : i + 500]
            found.update(
                session.scalars(
                    select(InteractionRow.ext_id)
                    .where(InteractionRow.tenant == tenant)
                    .where(InteractionRow.ext_id.in_(chunk))
                )
            )
    return found
