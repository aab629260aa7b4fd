"""Renaming a theme: a manager's label is kept for good (analyses never overwrite it)."""

from __future__ import annotations

from fastapi import APIRouter

from api.deps import ManageKey, StoreDep
from api.errors import ERROR_RESPONSES, ErrorBody, bad_request, not_found
from api.schemas import ThemeRename, ThemeView
from store.theme_labels import rename_theme

router = APIRouter(prefix="/v1", tags=["findings"], responses=ERROR_RESPONSES)


@router.patch(
    "/themes/{theme_id}",
    response_model=ThemeView,
    summary="Rename a theme",
    description=(
        "Give a theme the name managers use. The name is kept from week to week and never overwritten by an "
        "analysis; reports and the web app show it at once, keywords stay as a secondary line. Who and when "
        "are recorded. Needs `manage`."
    ),
    responses={
        404: {"model": ErrorBody, "description": "No such theme for this tenant."},
        400: {"model": ErrorBody, "description": "Empty label."},
    },
)
def patch_theme(theme_id: str, body: ThemeRename, key: ManageKey, store: StoreDep) -> ThemeView:
    """Rename one of the key's tenant's themes."""
    who = f"{body.by} ({key.who})" if body.by else key.who
    try:
        renamed = rename_theme(store, tenant=key.tenant, theme_id=theme_id, label=body.label, by=who)
    except ValueError as exc:
        raise bad_request(str(exc)) from exc
    if renamed is None:
        raise not_found("theme", theme_id)
    return ThemeView(
        theme_id=renamed.theme_id,
        label=renamed.label,
        keywords=list(renamed.keywords),
        size=0,
        label_source=renamed.source,
        label_edited_by=renamed.edited_by,
    )
