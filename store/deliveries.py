"""The `deliveries` table: every report written, e-mail sent and webhook called, with its attempts.

A delivery is registered once per (analysis, channel, event, target): registering it again returns the same
row, so a retried or resumed analysis never mails or announces twice.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from store.db import Store
from store.schema import DeliveryRow


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def register(
    *,
    store: Store,
    tenant: str,
    analysis_id: str,
    channel: str,
    event: str,
    target: str,
    payload: dict[str, Any] | None = None,
) -> DeliveryRow:
    """The delivery of this analysis, channel, event and target (created pending on first call)."""
    target = target[:500]

    def existing() -> DeliveryRow | None:
        with store.session() as session:
            return session.scalars(
                select(DeliveryRow).where(
                    DeliveryRow.analysis_id == analysis_id,
                    DeliveryRow.channel == channel,
                    DeliveryRow.event == event,
                    DeliveryRow.target == target,
                )
            ).first()

    found = existing()
    if found is not None:
        return found
    row = DeliveryRow(
        id="dl-" + uuid.uuid4().hex[:14],
        tenant=tenant,
        analysis_id=analysis_id,
        channel=channel,
        event=event,
        target=target,
        payload=payload or {},
        status="pending",
        attempts=0,
        created_at=_now(),
    )
    try:
        with store.session() as session:
            session.add(row)
    except IntegrityError:  # registered by another process at the same moment
        found = existing()
        if found is None:
            raise
        return found
    return row


def get(*, store: Store, delivery_id: str) -> DeliveryRow | None:
    """One delivery."""
    with store.session() as session:
        return session.get(DeliveryRow, delivery_id)


def record_attempt(
    *,
    store: Store,
    delivery_id: str,
    ok: bool,
    error: str | None = None,
    response_status: int | None = None,
    final: bool = False,
) -> DeliveryRow | None:
    """Count one attempt: delivered, failed for good (`final`), or still pending a retry."""
    stamp = _now()
    with store.session() as session:
        row = session.get(DeliveryRow, delivery_id)
        if row is None:
            return None
        row.attempts += 1
        row.last_attempt_at = stamp
        row.response_status = response_status
        row.last_error = None if ok else (error or "failed")[:2000]
        if ok:
            row.status, row.delivered_at = "delivered", stamp
        elif final:
            row.status = "failed"
        return row


def list_for(*, store: Store, analysis_id: str | None = None, tenant: str | None = None) -> list[DeliveryRow]:
    """Deliveries of an analysis or a tenant, oldest first."""
    query = select(DeliveryRow)
    if analysis_id is not None:
        query = query.where(DeliveryRow.analysis_id == analysis_id)
    if tenant is not None:
        query = query.where(DeliveryRow.tenant == tenant)
    with store.session() as session:
        return list(session.scalars(query.order_by(DeliveryRow.created_at, DeliveryRow.id)))


def stranded(*, store: Store, older_than_seconds: float) -> list[DeliveryRow]:
    """Pending deliveries nobody has tried for at least that long (their process stopped)."""
    cutoff = _now() - timedelta(seconds=older_than_seconds)
    with store.session() as session:
        return list(
            session.scalars(
                select(DeliveryRow)
                .where(DeliveryRow.status == "pending")
                .where(func.coalesce(DeliveryRow.last_attempt_at, DeliveryRow.created_at) < cutoff)
                .order_by(DeliveryRow.created_at)
            )
        )
