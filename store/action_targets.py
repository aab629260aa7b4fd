"""The targets of adopted actions: the one writer of `action_targets`.

A target is recorded once per (action, friction) when the action moves to in_progress or done; later
status changes keep it (a rejected action's target stays, but no longer counts as open).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select

from store.db import Store
from store.schema import ActionRow, ActionTargetRow, AnalysisRow

OPEN_STATUSES = ("in_progress", "done")
"""Statuses whose actions are followed (their targets are measured and excluded from comparisons)."""


@dataclass(frozen=True)
class Target:
    """One stored target of an action."""

    action_id: str
    tenant: str
    friction_id: str
    segment: dict[str, Any]
    metrics: list[str]
    start: date
    before_start: date
    status: str
    """The action's current status."""
    analysis_id: str = ""
    """The analysis that proposed the action (where its friction is described)."""


def _target(row: ActionTargetRow, status: str, analysis_id: str) -> Target:
    return Target(
        analysis_id=analysis_id,
        action_id=row.action_id,
        tenant=row.tenant,
        friction_id=row.friction_id,
        segment=dict(row.segment or {}),
        metrics=[str(m) for m in row.metrics or []],
        start=row.start_date,
        before_start=row.before_start,
        status=status,
    )


def record_targets(
    store: Store,
    *,
    action_id: str,
    tenant: str,
    targets: list[dict[str, Any]],
    by: str | None,
    at: datetime,
) -> int:
    """Store the targets of an action (keys: friction_id, segment, metrics, start, before_start).

    A friction already recorded for the action is left as it was (the first start date stands); returns how
    many rows were added.
    """
    added = 0
    with store.session() as session:
        known = set(
            session.execute(
                select(ActionTargetRow.friction_id).where(ActionTargetRow.action_id == action_id)
            ).scalars()
        )
        for item in targets:
            if item["friction_id"] in known:
                continue
            known.add(item["friction_id"])
            session.add(
                ActionTargetRow(
                    action_id=action_id,
                    tenant=tenant,
                    friction_id=item["friction_id"],
                    segment=item["segment"],
                    metrics=list(item["metrics"]),
                    start_date=item["start"],
                    before_start=item["before_start"],
                    recorded_by=by,
                    recorded_at=at,
                )
            )
            added += 1
    return added


def targets_of(store: Store, *, tenant: str, action_id: str) -> list[Target]:
    """The targets of one of the tenant's actions (empty when it never started)."""
    with store.session() as session:
        rows = session.execute(
            select(ActionTargetRow, ActionRow.status, ActionRow.analysis_id)
            .join(ActionRow, ActionRow.id == ActionTargetRow.action_id)
            .where(ActionTargetRow.action_id == action_id, ActionTargetRow.tenant == tenant)
            .order_by(ActionTargetRow.pk)
        ).all()
        return [_target(row, status, analysis) for row, status, analysis in rows]


def open_targets(store: Store, *, tenant: str) -> list[Target]:
    """The targets of the tenant's actions in progress or done, oldest first."""
    with store.session() as session:
        rows = session.execute(
            select(ActionTargetRow, ActionRow.status, ActionRow.analysis_id)
            .join(ActionRow, ActionRow.id == ActionTargetRow.action_id)
            .where(ActionTargetRow.tenant == tenant, ActionRow.status.in_(OPEN_STATUSES))
            .order_by(ActionTargetRow.pk)
        ).all()
        return [_target(row, status, analysis) for row, status, analysis in rows]


def friction_titles(store: Store, analysis_ids: set[str]) -> dict[str, str]:
    """Friction id → title, read from the results of these analyses."""
    titles: dict[str, str] = {}
    with store.session() as session:
        for result in session.execute(
            select(AnalysisRow.result).where(AnalysisRow.id.in_(sorted(analysis_ids)))
        ).scalars():
            for friction in (result or {}).get("frictions", []):
                titles[str(friction.get("friction_id"))] = str(friction.get("title", ""))
    return titles
