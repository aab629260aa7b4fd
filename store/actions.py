"""Reading the tenant's actions with their live status (the API, the web app and the assistant share it)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select

from store.db import Store
from store.schema import ActionRow, AnalysisRow


def iso(value: datetime | None) -> str | None:
    """A stored naive-UTC time as ISO 8601 with Z."""
    return value.isoformat() + "Z" if value else None


def action_view(row: ActionRow) -> dict[str, Any]:
    """An action row as the API shows it: the Action fields plus its live status and history stamps."""
    data = dict(row.data or {})
    data.update(
        {
            "action_id": row.id,
            "analysis_id": row.analysis_id,
            "title": row.title,
            "playbook_id": row.playbook_id,
            "status": row.status,
            "status_by": row.status_by,
            "status_at": iso(row.status_at),
            "created_at": iso(row.created_at),
        }
    )
    return data


def read_actions(
    store: Store, *, tenant: str, status: str | None = None, analysis_id: str | None = None, limit: int = 200
) -> list[dict[str, Any]]:
    """The tenant's actions (rank order within each analysis, newest analysis first)."""
    with store.session() as session:
        query = select(ActionRow).where(ActionRow.tenant == tenant)
        if status:
            query = query.where(ActionRow.status == status)
        if analysis_id:
            query = query.where(ActionRow.analysis_id == analysis_id)
        rows = list(session.execute(query.order_by(ActionRow.created_at.desc())).scalars())
    views = [action_view(r) for r in rows]
    order = {aid: i for i, aid in enumerate(dict.fromkeys(v["analysis_id"] for v in views))}
    views.sort(key=lambda v: (order[v["analysis_id"]], v.get("rank") or 10_000))
    return views[:limit]


def latest_analysis_id(store: Store, *, tenant: str) -> str | None:
    """The tenant's latest finished analysis (by period, then creation), or None."""
    with store.session() as session:
        return session.scalar(
            select(AnalysisRow.id)
            .where(AnalysisRow.tenant == tenant, AnalysisRow.status == "done")
            .order_by(AnalysisRow.period_end.desc(), AnalysisRow.created_at.desc())
            .limit(1)
        )
