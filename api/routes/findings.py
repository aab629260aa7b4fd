"""Themes and frictions of an analysis (the tenant's latest finished one unless `analysis_id` is given)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query
from sqlalchemy import select

from api.deps import ReadKey, StoreDep
from api.errors import ERROR_RESPONSES, ApiError, not_found
from api.queries import get_analysis_row, latest_result, result_of
from core.results import AnalysisResult
from store.db import Store
from store.schema import ThemeRow

router = APIRouter(prefix="/v1", tags=["findings"], responses=ERROR_RESPONSES)


def pick_result(store: Store, *, tenant: str, analysis_id: str | None) -> AnalysisResult | None:
    """The named analysis of the tenant (404 if unknown, 409 if unfinished), or its latest finished one."""
    if analysis_id is None:
        return latest_result(store, tenant=tenant)
    row = get_analysis_row(store, tenant=tenant, analysis_id=analysis_id)
    if row is None:
        raise not_found("analysis", analysis_id)
    result = result_of(row)
    if result is None:
        raise ApiError(409, "conflict", f"analysis {analysis_id!r} is {row.status}, not done")
    return result


def _registry(store: Store, tenant: str, limit: int) -> list[dict[str, Any]]:
    with store.session() as session:
        rows = session.execute(
            select(ThemeRow).where(ThemeRow.tenant == tenant).order_by(ThemeRow.size.desc()).limit(limit)
        ).scalars()
        return [
            {
                "theme_id": r.id,
                "label": r.label,
                "keywords": list(r.keywords or []),
                "size": r.size,
                "first_seen": r.first_seen.isoformat() if r.first_seen else None,
                "last_seen": r.last_seen.isoformat() if r.last_seen else None,
            }
            for r in rows
        ]


@router.get(
    "/themes",
    summary="Themes",
    description=(
        "The themes of an analysis (default: the latest), with size, keywords, quotes and the emerging flag; "
        "with `registry=true`, every theme the tenant's registry knows. Needs `read`."
    ),
)
def list_themes(
    key: ReadKey,
    store: StoreDep,
    analysis_id: str | None = Query(None, description="An analysis id; default the latest finished one."),
    registry: bool = Query(False, description="List the registry's themes instead."),
    emerging: bool | None = Query(
        None, description="Only emerging (true) or only established (false) themes."
    ),
    limit: int = Query(100, ge=1, le=1000),
) -> dict[str, Any]:
    """Themes of the key's tenant."""
    if registry:
        return {"analysis_id": None, "themes": _registry(store, key.tenant, limit)}
    result = pick_result(store, tenant=key.tenant, analysis_id=analysis_id)
    if result is None:
        return {"analysis_id": None, "themes": _registry(store, key.tenant, limit)}
    themes = [t for t in result.themes if emerging is None or t.emerging == emerging]
    return {
        "analysis_id": result.analysis_id,
        "period": result.period.model_dump(mode="json"),
        "themes": [
            t.model_dump(mode="json", exclude={"interaction_ids"}) | {"size": t.size} for t in themes[:limit]
        ],
    }


@router.get(
    "/frictions",
    summary="Ranked frictions",
    description="The frictions of an analysis (default: the latest), ranked, with signals and evidence.",
)
def list_frictions(
    key: ReadKey,
    store: StoreDep,
    analysis_id: str | None = Query(None, description="An analysis id; default the latest finished one."),
    limit: int = Query(20, ge=1, le=500),
) -> dict[str, Any]:
    """Frictions of the key's tenant."""
    result = pick_result(store, tenant=key.tenant, analysis_id=analysis_id)
    if result is None:
        return {"analysis_id": None, "frictions": []}
    return {
        "analysis_id": result.analysis_id,
        "period": result.period.model_dump(mode="json"),
        "frictions": [
            f.model_dump(mode="json") for f in sorted(result.frictions, key=lambda f: f.rank)[:limit]
        ],
    }


@router.get("/frictions/{friction_id}", summary="One friction", description="Needs `read`.")
def get_friction(
    friction_id: str,
    key: ReadKey,
    store: StoreDep,
    analysis_id: str | None = Query(None, description="An analysis id; default the latest finished one."),
) -> dict[str, Any]:
    """One friction of the key's tenant, with the actions that address it."""
    result = pick_result(store, tenant=key.tenant, analysis_id=analysis_id)
    friction = next((f for f in (result.frictions if result else []) if f.friction_id == friction_id), None)
    if result is None or friction is None:
        raise not_found("friction", friction_id)
    actions = [a.model_dump(mode="json") for a in result.actions if friction_id in a.friction_ids]
    return {
        "analysis_id": result.analysis_id,
        "friction": friction.model_dump(mode="json"),
        "actions": actions,
    }
