"""Queue bookkeeping of the `analyses` rows: one active run per tenant and period, leases and recovery.

A run is *active* while pending or running. Its `active_key` (`tenant|start|end`, unique) makes "one
analysis per tenant and period at a time" hold across processes: a second request finds the first one.
The process that owns a run (queued in memory, or running it) renews `heartbeat_at` every few seconds; a run
whose heartbeat is older than the lease has no live worker and may be taken over by another process.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError

from core.results import Period
from store import analyses
from store.analyses import now
from store.db import Store
from store.schema import AnalysisRow

ACTIVE = ("pending", "running")
UNLEASED_GRACE = timedelta(hours=2)
"""An active run no process ever leased (a `parcours analyze` of an older version, a crashed CLI run) is
taken over only after this long."""


@dataclass(frozen=True)
class Submitted:
    """The run a request got: a new one, or the one already active for the same tenant and period."""

    analysis_id: str
    created: bool


def active_key(tenant: str, period: Period) -> str:
    """The key that is unique among active runs."""
    return f"{tenant}|{period.start.isoformat()}|{period.end.isoformat()}"


def find_active(*, store: Store, tenant: str, period: Period) -> AnalysisRow | None:
    """The tenant's pending or running analysis of exactly this period (whoever started it), if any."""
    with store.session() as session:
        return session.scalars(
            select(AnalysisRow)
            .where(AnalysisRow.tenant == tenant)
            .where(AnalysisRow.status.in_(ACTIVE))
            .where(AnalysisRow.period_start == period.start, AnalysisRow.period_end == period.end)
            .order_by(AnalysisRow.created_at.desc())
            .limit(1)
        ).first()


def count_active(*, store: Store, tenant: str) -> int:
    """How many analyses the tenant has pending or running."""
    with store.session() as session:
        return int(
            session.scalar(
                select(func.count())
                .select_from(AnalysisRow)
                .where(AnalysisRow.tenant == tenant, AnalysisRow.status.in_(ACTIVE))
            )
            or 0
        )


def typical_seconds(*, store: Store, tenant: str, default: float = 60.0) -> float:
    """Mean duration of the tenant's last ten finished analyses (for Retry-After), else `default`."""
    with store.session() as session:
        rows = session.execute(
            select(AnalysisRow.created_at, AnalysisRow.finished_at)
            .where(AnalysisRow.tenant == tenant, AnalysisRow.status == "done")
            .where(AnalysisRow.finished_at.is_not(None))
            .order_by(AnalysisRow.finished_at.desc())
            .limit(10)
        ).all()
    durations = [(end - start).total_seconds() for start, end in rows if end and start and end >= start]
    return sum(durations) / len(durations) if durations else default


def create_pending(
    *, store: Store, tenant: str, period: Period, trigger: str, worker_id: str | None
) -> Submitted:
    """Create the pending row of a new run, or return the active run of the same tenant and period."""
    key = active_key(tenant, period)
    for _ in range(3):
        analysis_id = "an-" + uuid.uuid4().hex[:12]
        stamp = now()
        try:
            analyses.create(
                store,
                id=analysis_id,
                tenant=tenant,
                status="pending",
                progress=0.0,
                step="queued",
                period_start=period.start,
                period_end=period.end,
                created_at=stamp,
                worker_id=worker_id,
                heartbeat_at=stamp if worker_id else None,
                attempts=0,
                active_key=key,
                trigger=trigger,
            )
            return Submitted(analysis_id, True)
        except IntegrityError:
            with store.session() as session:
                holder = session.scalars(select(AnalysisRow).where(AnalysisRow.active_key == key)).first()
                holder_id, status = (holder.id, holder.status) if holder is not None else (None, None)
            if holder_id is None:
                continue  # released in between: try again
            if status in ACTIVE:
                if trigger == "schedule":  # the running one now also delivers the weekly report
                    analyses.update(store, holder_id, trigger="schedule")
                return Submitted(holder_id, False)
            # a finished run whose key was never released (its process died)
            analyses.update_where(
                store, AnalysisRow.id == holder_id, AnalysisRow.status.not_in(ACTIVE), active_key=None
            )
    raise RuntimeError(f"could not register an analysis of {key}")


def release(*, store: Store, analysis_id: str) -> None:
    """Free the period of a run that is over (done or failed)."""
    analyses.update_where(
        store, AnalysisRow.id == analysis_id, AnalysisRow.status.not_in(ACTIVE), active_key=None
    )


def fail(*, store: Store, analysis_id: str, reason: str) -> None:
    """Mark a run failed with a readable reason and free its period."""
    analyses.update_where(
        store,
        AnalysisRow.id == analysis_id,
        status="failed",
        error=reason[:2000],
        finished_at=now(),
        active_key=None,
    )


def heartbeat(*, store: Store, worker_id: str) -> int:
    """Renew the lease of every active run this process owns; returns how many."""
    return analyses.update_where(
        store, AnalysisRow.worker_id == worker_id, AnalysisRow.status.in_(ACTIVE), heartbeat_at=now()
    )


def _claimable(worker_id: str, cutoff: datetime):  # type: ignore[no-untyped-def]
    """Rows this process may take: its own, unowned ones, and those whose owner's lease expired."""
    return or_(
        AnalysisRow.worker_id == worker_id,
        AnalysisRow.heartbeat_at < cutoff,
        (AnalysisRow.heartbeat_at.is_(None) & AnalysisRow.worker_id.is_not(None)),
        (AnalysisRow.worker_id.is_(None) & AnalysisRow.heartbeat_at.is_(None)),
    )


def let_go(*, store: Store, worker_id: str) -> int:
    """Give up the lease of its pending runs (this process stops): the next start takes them at once."""
    return analyses.update_where(
        store, AnalysisRow.worker_id == worker_id, AnalysisRow.status == "pending", heartbeat_at=None
    )


def claim(*, store: Store, analysis_id: str, worker_id: str, lease_seconds: float) -> AnalysisRow | None:
    """Take a run for this process (count one attempt); None when it is over or another live process has it.

    A run queued by this process, unowned (a queue job), or whose owner stopped renewing its lease can be
    claimed; the conditional update makes two processes never both win.
    """
    stamp = now()
    cutoff = stamp - timedelta(seconds=lease_seconds)
    won = analyses.update_where(
        store,
        AnalysisRow.id == analysis_id,
        AnalysisRow.status.in_(ACTIVE),
        _claimable(worker_id, cutoff),
        worker_id=worker_id,
        heartbeat_at=stamp,
        attempts=AnalysisRow.attempts + 1,
        step="starting",
    )
    return get(store=store, analysis_id=analysis_id) if won else None


def orphans(
    *, store: Store, lease_seconds: float, unowned_after: timedelta | None = None
) -> list[AnalysisRow]:
    """Active runs with no live worker.

    Their owner's lease expired, or (with `unowned_after`) nobody has owned them for that long.

    Unowned rows are normal in queue mode while their job waits (the caller checks the queue); in-process
    they mean a run started by a process that predates leases, or a `parcours analyze` that crashed.
    """
    stamp = now()
    cutoff = stamp - timedelta(seconds=lease_seconds)
    condition: Any = (AnalysisRow.worker_id.is_not(None)) & (
        AnalysisRow.heartbeat_at.is_(None) | (AnalysisRow.heartbeat_at < cutoff)
    )
    if unowned_after is not None:
        condition = or_(
            condition, AnalysisRow.worker_id.is_(None) & (AnalysisRow.created_at < stamp - unowned_after)
        )
    with store.session() as session:
        return list(
            session.scalars(
                select(AnalysisRow)
                .where(AnalysisRow.status.in_(ACTIVE))
                .where(condition)
                .order_by(AnalysisRow.created_at)
            )
        )


def take_over(*, store: Store, analysis_id: str, worker_id: str | None, lease_seconds: float) -> bool:
    """Make this process (or, with None, the queue) the owner of an orphaned run; False if another won."""
    stamp = now()
    cutoff = stamp - timedelta(seconds=lease_seconds)
    return bool(
        analyses.update_where(
            store,
            AnalysisRow.id == analysis_id,
            AnalysisRow.status.in_(ACTIVE),
            _claimable(worker_id or "", cutoff),
            worker_id=worker_id,
            heartbeat_at=stamp if worker_id else None,
            status="pending",
            step="resuming",
        )
    )


def note_retry(
    *, store: Store, analysis_id: str, error: str, delay_seconds: float, owner: str | None
) -> None:
    """Show that a failed attempt will be retried.

    `owner` keeps the lease (in-process) or gives it back to the queue (None), which holds the retry.
    """
    analyses.update_where(
        store,
        AnalysisRow.id == analysis_id,
        status="pending",
        step=f"retry in {round(delay_seconds)} s",
        error=error[:2000],
        finished_at=None,
        worker_id=owner,
        heartbeat_at=now() if owner else None,
    )


def get(*, store: Store, analysis_id: str) -> AnalysisRow | None:
    """One analysis row."""
    with store.session() as session:
        return session.get(AnalysisRow, analysis_id)


def scheduled(*, store: Store, tenant: str, period: Period) -> bool:
    """Whether the weekly schedule already asked for this tenant's period."""
    with store.session() as session:
        return (
            session.scalar(
                select(func.count())
                .select_from(AnalysisRow)
                .where(AnalysisRow.tenant == tenant, AnalysisRow.trigger == "schedule")
                .where(AnalysisRow.period_start == period.start, AnalysisRow.period_end == period.end)
            )
            or 0
        ) > 0
