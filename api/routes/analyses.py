"""Analyses: start a weekly analysis in the background, follow its progress, read its result and report."""

from __future__ import annotations

import math
from datetime import date
from typing import Any, Literal

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, PlainTextResponse, Response
from pydantic import BaseModel, Field

from agent.analysis.periods import data_week
from api.deps import ManageKey, ReadKey, SettingsDep, StoreDep
from api.errors import ERROR_RESPONSES, ApiError, ErrorBody, bad_request, not_found
from api.queries import analysis_summary, get_analysis_row, list_analysis_rows, result_of
from api.report import build_history, render_report
from core.periods import resolve_period
from core.results import AnalysisResult

router = APIRouter(prefix="/v1", tags=["analyses"], responses=ERROR_RESPONSES)
NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: {"model": ErrorBody, "description": "No such analysis for this tenant."}
}


class AnalysisRequest(BaseModel):
    """Which period to analyse: an ISO week, or start and end dates; default the last full week."""

    week: str | None = Field(default=None, description="ISO week, e.g. 2026-W47.")
    start: date | None = Field(default=None, description="First day (inclusive).")
    end: date | None = Field(default=None, description="Last day (inclusive).")

    model_config = {"extra": "forbid", "json_schema_extra": {"examples": [{"week": "2026-W47"}]}}


class AnalysisStatus(BaseModel):
    """The state of an analysis run."""

    analysis_id: str
    tenant: str
    status: Literal["pending", "running", "done", "failed"] | str = Field(
        description="pending, running, done, failed."
    )
    progress: float = Field(description="0..1.")
    step: str | None = Field(default=None, description="The step running now (or the last one).")
    period: dict[str, str]
    mode: str | None = None
    error: str | None = None
    created_at: str | None = None
    finished_at: str | None = None
    result: AnalysisResult | None = Field(
        default=None, description="The AnalysisResult (DESIGN §8) once done."
    )
    links: dict[str, str] = Field(default_factory=dict)
    attempts: int = Field(default=0, description="Runs started so far (retries and resumed runs included).")
    trigger: str | None = Field(default=None, description="Who asked for it: api, schedule or cli.")


def _status(row: Any, *, with_result: bool) -> AnalysisStatus:
    data = analysis_summary(row)
    data["attempts"] = row.attempts or 0
    data["trigger"] = row.trigger
    if with_result and row.status == "done":
        data["result"] = row.result
    data["links"] = {
        "self": f"/v1/analyses/{row.id}",
        "report": f"/v1/analyses/{row.id}/report?format=html",
    }
    return AnalysisStatus(**data)


@router.post(
    "/analyses",
    status_code=202,
    response_model=AnalysisStatus,
    summary="Start an analysis",
    description=(
        "Queues the weekly analysis of a period (default: the last complete week of the tenant's data) and "
        "returns its id at once (202). One analysis per tenant and period runs at a time: while one is "
        "pending or running, the same request returns it (200) instead of starting another. A tenant may "
        "have `PARCOURS_MAX_QUEUED_ANALYSES` analyses pending or running; beyond that the answer is 429 with "
        "`Retry-After`. Poll `GET /v1/analyses/{id}` for status and progress. Needs `manage`."
    ),
    responses={
        200: {
            "model": AnalysisStatus,
            "description": "An analysis of this period is already pending or running: that one.",
        },
        400: {"model": ErrorBody, "description": "Contradictory period, or no data to analyse."},
        429: {
            "model": ErrorBody,
            "description": "Too many analyses queued for the tenant; retry after `Retry-After` seconds.",
        },
    },
)
def start_analysis(
    request: Request,
    response: Response,
    key: ManageKey,
    store: StoreDep,
    settings: SettingsDep,
    body: AnalysisRequest | None = None,
) -> AnalysisStatus:
    """Start a background analysis run (or return the active one of the same period)."""
    from store import analysis_queue

    body = body or AnalysisRequest()
    try:
        period = resolve_period(week=body.week, start=body.start, end=body.end)
    except ValueError as exc:
        raise bad_request(str(exc)) from exc
    if period is None:
        period = data_week(store, key.tenant)
        if period is None:
            raise bad_request(f"tenant {key.tenant!r} has no interactions to analyse yet")
    active = analysis_queue.find_active(store=store, tenant=key.tenant, period=period)
    if active is None:
        queued = analysis_queue.count_active(store=store, tenant=key.tenant)
        if queued >= settings.max_queued_analyses:
            wait = analysis_queue.typical_seconds(store=store, tenant=key.tenant)
            raise HTTPException(
                429,
                f"tenant {key.tenant!r} already has {queued} analyses pending or running "
                f"(at most {settings.max_queued_analyses}); retry once one has finished",
                headers={"Retry-After": str(max(1, math.ceil(wait)))},
            )
        submitted = request.app.state.jobs.submit(tenant=key.tenant, period=period, trigger="api")
        analysis_id, created = submitted.analysis_id, submitted.created
    else:
        analysis_id, created = active.id, False
    if not created:
        response.status_code = 200
    row = get_analysis_row(store, tenant=key.tenant, analysis_id=analysis_id)
    return _status(row, with_result=False)


class ReportDocument(BaseModel):
    """The JSON report: what the HTML report adds to the result (changes, trends, action updates), and it."""

    report: dict[str, Any] = Field(
        description="language, week, changes since the previous analysis, KPI trends, action updates."
    )
    result: AnalysisResult


class AnalysesPage(BaseModel):
    """The tenant's analyses, newest first (without their results)."""

    analyses: list[AnalysisStatus]


@router.get(
    "/analyses",
    response_model=AnalysesPage,
    summary="List analyses",
    description="The tenant's analyses, newest first. Needs `read`.",
)
def list_analyses(
    key: ReadKey, store: StoreDep, limit: int = Query(50, ge=1, le=500), status: str | None = Query(None)
) -> AnalysesPage:
    """The key's tenant's analyses."""
    rows = list_analysis_rows(store, tenant=key.tenant, limit=limit, status=status)
    return AnalysesPage(analyses=[_status(r, with_result=False) for r in rows])


@router.get(
    "/analyses/{analysis_id}",
    response_model=AnalysisStatus,
    summary="Status, progress and result of an analysis",
    description="`result` is the AnalysisResult (DESIGN §8) once `status` is done. Needs `read`.",
    responses=NOT_FOUND,
)
def get_analysis(analysis_id: str, key: ReadKey, store: StoreDep) -> AnalysisStatus:
    """One analysis of the key's tenant."""
    row = get_analysis_row(store, tenant=key.tenant, analysis_id=analysis_id)
    if row is None:
        raise not_found("analysis", analysis_id)
    return _status(row, with_result=True)


@router.get(
    "/analyses/{analysis_id}/report",
    summary="The weekly report of an analysis",
    description="Self-contained HTML (inline CSS and SVG), Markdown or JSON. Needs `read`.",
    responses={
        200: {
            "model": ReportDocument,
            "description": "The report in the asked format (JSON: the report's extras and the result).",
            "content": {
                "text/html": {"schema": {"type": "string"}},
                "text/markdown": {"schema": {"type": "string"}},
            },
        },
        **NOT_FOUND,
        409: {"model": ErrorBody, "description": "The analysis is not finished."},
    },
)
def get_report(
    analysis_id: str,
    key: ReadKey,
    store: StoreDep,
    settings: SettingsDep,
    format: Literal["html", "md", "json"] = Query("html", description="html, md or json.", examples=["html"]),
    language: Literal["fr", "en"] | None = Query(None, description="Report language (default: the setting)."),
) -> Response:
    """Render the report of a finished analysis."""
    row = get_analysis_row(store, tenant=key.tenant, analysis_id=analysis_id)
    if row is None:
        raise not_found("analysis", analysis_id)
    result = result_of(row)
    if result is None:
        raise ApiError(
            409, "conflict", f"analysis {analysis_id!r} is {row.status}; its report exists once it is done"
        )
    history = build_history(store, result)
    text = render_report(result, history=history, language=language or settings.language, fmt=format)
    if format == "html":
        return HTMLResponse(text)
    if format == "md":
        return PlainTextResponse(text, media_type="text/markdown; charset=utf-8")
    return Response(text, media_type="application/json")
