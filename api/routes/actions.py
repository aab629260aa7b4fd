"""Actions: list them, read one with its history, move it through its lifecycle."""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field, field_validator

from analytics.impact_targets import MEASURABLE, SEGMENT_DIMS
from api.deps import ManageKey, ReadKey, StoreDep
from api.errors import ERROR_RESPONSES, ApiError, ErrorBody, not_found
from api.queries import TransitionError, action_impact, change_action_status, get_action
from api.schemas import ActionDetail, ActionsPage, action_detail, action_view
from core.results import ActionImpact
from store.actions import read_actions

router = APIRouter(prefix="/v1", tags=["actions"], responses=ERROR_RESPONSES)

Status = Literal["proposed", "accepted", "in_progress", "done", "rejected"]


class TargetBody(BaseModel):
    """The segment and metrics an action addresses, when the manager states them (else from its frictions)."""

    segment: dict[str, Any] = Field(
        description="KPI filters: theme, queue, channel, agent, language, weekday (1 = Monday), hour "
        "(a number or a list).",
        examples=[{"queue": "radiologie", "weekday": 1, "hour": [8, 9]}],
    )
    metrics: list[str] = Field(
        min_length=1,
        max_length=3,
        description="Metrics to follow, main one first.",
        examples=[["response_time"]],
    )

    model_config = {"extra": "forbid"}

    @field_validator("segment")
    @classmethod
    def _segment(cls, value: dict[str, Any]) -> dict[str, Any]:
        unknown = sorted(set(value) - set(SEGMENT_DIMS))
        if unknown or not value:
            raise ValueError(
                f"segment keys must be among {', '.join(SEGMENT_DIMS)} (got {unknown or 'none'})"
            )
        return value

    @field_validator("metrics")
    @classmethod
    def _metrics(cls, value: list[str]) -> list[str]:
        unknown = [m for m in value if m not in MEASURABLE]
        if unknown:
            raise ValueError(f"metrics must be among {', '.join(MEASURABLE)} (got {', '.join(unknown)})")
        return value


class ActionPatch(BaseModel):
    """A status change: proposed → accepted → in_progress → done, or rejected (and rejected → proposed)."""

    status: Status = Field(description="The new status.")
    by: str | None = Field(
        default=None, max_length=120, description="Who decides (a name); the key is recorded too."
    )
    note: str | None = Field(default=None, max_length=2000, description="Why, for the history.")
    started_on: date | None = Field(
        default=None,
        description="For in_progress / done: the day the action started on the ground (default today, tenant "
        "time zone); its impact is measured from then.",
    )
    target: TargetBody | None = Field(
        default=None,
        description="For in_progress / done: the segment and metrics it addresses, when not those of its "
        "frictions (e.g. a pilot on one queue).",
    )

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
    views = read_actions(store, tenant=key.tenant, status=status, analysis_id=analysis_id, limit=limit)
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
        "Moving to in_progress or done records the action's target (segment, metrics, start day) for "
        "`GET /v1/actions/{id}/impact`. An impossible transition is a 409. Needs `manage`."
    ),
    response_model=ActionDetail,
    responses={**NOT_FOUND, 409: {"model": ErrorBody, "description": "Transition not allowed."}},
)
def patch_action(action_id: str, body: ActionPatch, key: ManageKey, store: StoreDep) -> ActionDetail:
    """Move one of the key's tenant's actions to a new status."""
    who = f"{body.by} ({key.who})" if body.by else key.who
    try:
        action = change_action_status(
            store,
            tenant=key.tenant,
            action_id=action_id,
            status=body.status,
            by=who,
            note=body.note,
            started_on=body.started_on,
            target=body.target.model_dump() if body.target else None,
        )
    except TransitionError as exc:
        raise ApiError(409, "conflict", str(exc)) from exc
    if action is None:
        raise not_found("action", action_id)
    return action_detail(action)


@router.get(
    "/actions/{action_id}/impact",
    response_model=ActionImpact,
    responses={
        **NOT_FOUND,
        409: {"model": ErrorBody, "description": "The action has not started: no target recorded."},
    },
    summary="Did it work? The measured impact of an action",
    description=(
        "For an action in progress or done: per target segment and metric, the difference-in-differences "
        "effect against comparable segments no open action touches (same weeks, weekdays, hours), with its "
        "95 % interval, p-value, contacts before/after and a state: too_early, no_effect_detected, improved "
        "or worsened; beside the playbook's expected impact. Measured up to the latest data. Needs `read`."
    ),
)
def get_action_impact(
    action_id: str,
    key: ReadKey,
    store: StoreDep,
    lang: Literal["fr", "en"] = Query("fr", description="Language of the summary sentence."),
) -> ActionImpact:
    """The measured impact of one of the key's tenant's actions."""
    impact = action_impact(store, tenant=key.tenant, action_id=action_id, language=lang)
    if impact is None:
        if get_action(store, tenant=key.tenant, action_id=action_id) is None:
            raise not_found("action", action_id)
        raise ApiError(409, "conflict", "this action has not started: move it to in_progress to measure it")
    return impact
