"""Themes and frictions of an analysis (the tenant's latest finished one unless `analysis_id` is given)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query
from sqlalchemy import select

from api.deps import ReadKey, StoreDep
from api.errors import ERROR_RESPONSES, ApiError, ErrorBody, not_found
from api.queries import get_analysis_row, latest_result, result_of
from api.schemas import FrictionDetail, FrictionsPage, ThemesPage, ThemeView
from core.results import AnalysisResult, Friction
from store.db import Store
from store.schema import ThemeRow
from store.theme_labels import theme_labels

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


def _registry(store: Store, tenant: str, limit: int) -> list[ThemeView]:
    with store.session() as session:
        rows = session.execute(
            select(ThemeRow).where(ThemeRow.tenant == tenant).order_by(ThemeRow.size.desc()).limit(limit)
        ).scalars()
        return [
            ThemeView(
                theme_id=r.id,
                label=r.label,
                keywords=list(r.keywords or []),
                size=r.size,
                first_seen=r.first_seen.isoformat() if r.first_seen else None,
                last_seen=r.last_seen.isoformat() if r.last_seen else None,
                label_source=r.label_source,
                label_edited_by=r.label_edited_by,
            )
            for r in rows
        ]


NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: {"model": ErrorBody, "description": "No such analysis or friction for this tenant."}
}
CONFLICT: dict[int | str, dict[str, Any]] = {
    409: {"model": ErrorBody, "description": "The analysis is not finished."}
}


@router.get(
    "/themes",
    response_model=ThemesPage,
    responses={**NOT_FOUND, **CONFLICT},
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
) -> ThemesPage:
    """Themes of the key's tenant (under their current names)."""
    if registry:
        return ThemesPage(analysis_id=None, themes=_registry(store, key.tenant, limit))
    result = pick_result(store, tenant=key.tenant, analysis_id=analysis_id)
    if result is None:
        return ThemesPage(analysis_id=None, themes=_registry(store, key.tenant, limit))
    names = theme_labels(store, tenant=key.tenant, ids=[t.theme_id for t in result.themes])
    themes = [t for t in result.themes if emerging is None or t.emerging == emerging]
    return ThemesPage(
        analysis_id=result.analysis_id,
        period=result.period,
        themes=[
            ThemeView(
                **t.model_dump(exclude={"interaction_ids", "label"}),
                label=names[t.theme_id].label if t.theme_id in names else t.label,
                label_source=names[t.theme_id].source if t.theme_id in names else None,
            )
            for t in themes[:limit]
        ],
    )


@router.get(
    "/frictions",
    response_model=FrictionsPage,
    responses={**NOT_FOUND, **CONFLICT},
    summary="Ranked frictions",
    description="The frictions of an analysis (default: the latest), ranked, with signals and evidence.",
)
def list_frictions(
    key: ReadKey,
    store: StoreDep,
    analysis_id: str | None = Query(None, description="An analysis id; default the latest finished one."),
    limit: int = Query(20, ge=1, le=500),
) -> FrictionsPage:
    """Frictions of the key's tenant (theme frictions under their themes' current names)."""
    result = pick_result(store, tenant=key.tenant, analysis_id=analysis_id)
    if result is None:
        return FrictionsPage(analysis_id=None, frictions=[])
    frictions = _named(store, key.tenant, sorted(result.frictions, key=lambda f: f.rank)[:limit])
    return FrictionsPage(analysis_id=result.analysis_id, period=result.period, frictions=frictions)


def _named(store: Store, tenant: str, frictions: list[Friction]) -> list[Friction]:
    names = theme_labels(store, tenant=tenant, ids=[f.theme_id for f in frictions if f.theme_id])
    return [
        f.model_copy(update={"title": names[f.theme_id].label}) if f.theme_id in names else f
        for f in frictions
    ]


@router.get(
    "/frictions/{friction_id}",
    response_model=FrictionDetail,
    responses={**NOT_FOUND, **CONFLICT},
    summary="One friction",
    description="One friction of an analysis (default: the latest) with the actions that address it. "
    "Needs `read`.",
)
def get_friction(
    friction_id: str,
    key: ReadKey,
    store: StoreDep,
    analysis_id: str | None = Query(None, description="An analysis id; default the latest finished one."),
) -> FrictionDetail:
    """One friction of the key's tenant, with the actions that address it."""
    result = pick_result(store, tenant=key.tenant, analysis_id=analysis_id)
    friction = next((f for f in (result.frictions if result else []) if f.friction_id == friction_id), None)
    if result is None or friction is None:
        raise not_found("friction", friction_id)
    actions = [a for a in result.actions if friction_id in a.friction_ids]
    return FrictionDetail(
        analysis_id=result.analysis_id, friction=_named(store, key.tenant, [friction])[0], actions=actions
    )
