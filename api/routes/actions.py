"""Actions: list them, read one with its history, move it through its lifecycle."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from api.deps import ManageKey, ReadKey, StoreDep
from api.errors import ERROR_RESPONSES, ApiError, ErrorBody, not_found
from api.queries import TransitionError, change_action_status, get_action, list_actions
from api.schemas import ActionDetail, ActionsPage, action_detail, action_view

router = APIRouter(prefix="/v1", tags=["actions"], responses=ERROR_RESPONSES)

Status = Literal["proposed", "accepted", "in_progress", "done", "rejected"]


class ActionPatch(BaseModel):
    """A status change: proposed → accepted → in_progress → done, or rejected (and rejected → proposed)."""

    status: Status = Field(description="The new status.")
    by: str | None = Field(
        default=None, max_length=120, description="Who decides (a name); the key is recorded too."
    )
    note: str | None = Field(default=None, max_length=2000, description="Why, for the history.")

    model_config = {
        "extra": "forbid",
        "json_schema_extra": {
            "examples": [
                {"status": "accepted", "by": "Marie Dupont", "note": "Pilot in cardiology from Monday."}
            ]
        },
    }


NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: {"model": ErrorBody, "description": "No such action for this tenant."}
}


@router.get(
    "/actions",
    response_model=ActionsPage,
    summary="Actions",
    description="The tenant's actions, newest analysis first, ranked within it. Needs `read`.",
)
def get_actions(
    key: ReadKey,
    store: StoreDep,
    status: Status | None = Query(None, description="Only actions with this status."),
    analysis_id: str | None = Query(None, description="Only the actions of this analysis."),
    limit: int = Query(200, ge=1, le=1000),
) -> ActionsPage:
    """Actions of the key's tenant."""
    views = list_actions(store, tenant=key.tenant, status=status, analysis_id=analysis_id, limit=limit)
    return ActionsPage(actions=[action_view(v) for v in views])


@router.get(
    "/actions/{action_id}",
    response_model=ActionDetail,
    responses=NOT_FOUND,
    summary="One action with its status history",
    description="Needs `read`.",
)
def get_one_action(action_id: str, key: ReadKey, store: StoreDep) -> ActionDetail:
    """One action of the key's tenant."""
    action = get_action(store, tenant=key.tenant, action_id=action_id)
    if action is None:
        raise not_found("action", action_id)
    return action_detail(action)


@router.patch(
    "/actions/{action_id}",
    summary="Change an action's status",
    description=(
        "Validated transitions: proposed → accepted | rejected; accepted → in_progress | done | rejected; "
        "in_progress → done | rejected; rejected → proposed. Who and when are recorded in the history. "
        "An impossible transition is a 409. Needs `manage`."
    ),
    response_model=ActionDetail,
    responses={**NOT_FOUND, 409: {"model": ErrorBody, "description": "Transition not allowed."}},
)
def patch_action(action_id: str, body: ActionPatch, key: ManageKey, store: StoreDep) -> ActionDetail:
    """Move one of the key's tenant's actions to a new status."""
    who = f"{body.by} ({key.who})" if body.by else key.who
    try:
        action = change_action_status(
            store, tenant=key.tenant, action_id=action_id, status=body.status, by=who, note=body.note
        )
    except TransitionError as exc:
        raise ApiError(409, "conflict", str(exc)) from exc
    if action is None:
        raise not_found("action", action_id)
    return action_detail(action)
