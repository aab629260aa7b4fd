"""Interactions: push a batch, import a file, read one back. The tenant always comes from the key."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from api.batch_body import batch_records, read_body
from api.deps import AdminKey, IndexDep, IngestKey, ReadKey, StoreDep
from api.errors import ERROR_RESPONSES, ApiError, ErrorBody, bad_request, not_found
from api.queries import iso
from core.privacy.pseudonyms import PseudonymKeyError
from store.erasure import ErasureReport
from store.schema import InteractionRow

router = APIRouter(prefix="/v1", tags=["interactions"], responses=ERROR_RESPONSES)

MAX_BATCH = 5000
MAX_UPLOAD_BYTES = 2 * 1024**3
_CHUNK = 1 << 20

EXAMPLE_RECORD: dict[str, Any] = {
    "id": "call-000123",
    "channel": "phone",
    "direction": "inbound",
    "queue": "cardiologie",
    "started_at": "2026-11-16T08:04:11+01:00",
    "ended_at": "2026-11-16T08:09:40+01:00",
    "wait_seconds": 312,
    "handle_seconds": 240,
    "abandoned": False,
    "resolved": True,
    "follow_up": {"required": True, "due_at": "2026-11-18T08:00:00+01:00", "done_at": None},
    "csat": 2,
    "reason": "prise de rendez-vous",
    "patient_ref": "p-8f3a1c",
    "agent_ref": "a-17",
    "language": "fr",
    "transcript": [
        {"speaker": "patient", "text": "Bonjour, c'est la troisième fois que j'appelle…"},
        {"speaker": "agent", "text": "Je comprends, je regarde votre dossier."},
    ],
    "attributes": {"site": "Hôpital Nord"},
}


class RecordError(BaseModel):
    """Why one record was rejected."""

    index: int = Field(description="Position in the batch (0-based) or line/row number in a file (1-based).")
    id: str | None = Field(default=None, description="The record's id, if it had one.")
    error: str = Field(description="A readable reason.")


class RecordResult(BaseModel):
    """What happened to one record of the batch."""

    index: int = Field(description="Position in the batch (0-based).")
    id: str | None = Field(default=None, description="The record's id.")
    status: str = Field(
        description="accepted, updated, unchanged, superseded (same id later in the batch) or rejected."
    )
    error: str | None = Field(default=None, description="The reason, when rejected.")


class IngestResponse(BaseModel):
    """Counts of an ingestion, its rejected records and (for batches) one result per record."""

    accepted: int = Field(description="New interactions stored.")
    updated: int = Field(description="Known interactions whose content changed.")
    unchanged: int = Field(description="Known interactions sent again unchanged (idempotent).")
    rejected: int = Field(description="Records refused, see errors.")
    errors: list[RecordError] = Field(default_factory=list, description="Rejected records and why.")
    results: list[RecordResult] | None = Field(
        default=None, description="One entry per record (batches only)."
    )
    batch_id: str | None = Field(default=None, description="Id of the ingestion batch.")
    index_errors: list[str] = Field(
        default_factory=list,
        description="Vector-index failures: the records are stored; `parcours reindex --check` repairs them.",
    )

    model_config = {
        "json_schema_extra": {
            "examples": [
                {
                    "accepted": 1,
                    "updated": 0,
                    "unchanged": 0,
                    "rejected": 1,
                    "errors": [{"index": 1, "id": "call-2", "error": "csat: must be between 1 and 5"}],
                    "results": [
                        {"index": 0, "id": "call-1", "status": "accepted", "error": None},
                        {
                            "index": 1,
                            "id": "call-2",
                            "status": "rejected",
                            "error": "csat: must be between 1 and 5",
                        },
                    ],
                    "batch_id": "in-3f2a1c9d8e7b",
                    "index_errors": [],
                }
            ]
        }
    }


def _summary_data(request: Request, summary: Any, index: Any = True) -> dict[str, Any]:
    data = summary.model_dump()
    if index is None and (data.get("accepted") or data.get("updated")):
        data["index_errors"] = [
            *data.get("index_errors", []),
            "the vector index is unavailable: records stored but not indexed",
        ]
    data["errors"] = sorted(data.get("errors", []), key=lambda e: e.get("index") or 0)
    request.app.state.metrics.count_ingest(data)
    return data


def _record_id(record: Any) -> str | None:
    if isinstance(record, dict):
        rid = record.get("id")
        return str(rid)[:200] if rid is not None else None
    return None


def _response(data: dict[str, Any], results: list[RecordResult] | None = None) -> IngestResponse:
    return IngestResponse(
        accepted=int(data.get("accepted", 0)),
        updated=int(data.get("updated", 0)),
        unchanged=int(data.get("unchanged", 0)),
        rejected=int(data.get("rejected", 0)),
        errors=[
            RecordError(index=e.get("index") or 0, id=e.get("id"), error=str(e.get("error")))
            for e in data["errors"]
        ],
        results=results,
        batch_id=data.get("batch_id"),
        index_errors=[str(e) for e in data.get("index_errors") or []],
    )


_BATCH_SCHEMA: dict[str, Any] = {
    "anyOf": [
        {
            "type": "object",
            "properties": {
                "interactions": {
                    "type": "array",
                    "items": {"type": "object"},
                    "maxItems": MAX_BATCH,
                    "description": f"Up to {MAX_BATCH} interaction records (DESIGN §3).",
                    "examples": [[EXAMPLE_RECORD]],
                }
            },
            "required": ["interactions"],
        },
        {"type": "array", "items": {"type": "object"}, "maxItems": MAX_BATCH},
    ]
}


@router.post(
    "/interactions",
    response_model=IngestResponse,
    summary="Push a batch of interactions",
    description=(
        f"Stores up to {MAX_BATCH} interactions (idempotent on tenant + id: sending the same record twice "
        "changes nothing; a changed record is updated). Each bad record is rejected alone with its index and "
        'reason. The body is `{"interactions": [...]}` or a bare JSON array; it is refused with 413 before '
        "being parsed when larger than PARCOURS_MAX_REQUEST_BYTES (64 MiB). Needs the `ingest` scope."
    ),
    responses={
        400: {"model": ErrorBody, "description": "The batch is empty, not JSON, or not UTF-8."},
        413: {
            "model": ErrorBody,
            "description": f"More than {MAX_BATCH} records, or a body over the size limit.",
        },
        415: {"model": ErrorBody, "description": "The body is not application/json."},
        503: {"model": ErrorBody, "description": "The server's pseudonym key does not match the database's."},
    },
    openapi_extra={
        "requestBody": {"required": True, "content": {"application/json": {"schema": _BATCH_SCHEMA}}}
    },
)
async def post_interactions(
    request: Request, key: IngestKey, store: StoreDep, index: IndexDep
) -> IngestResponse:
    """Ingest a batch of records for the key's tenant."""
    from starlette.concurrency import run_in_threadpool

    from store.ingest import ingest_records

    content_type = request.headers.get("content-type", "")
    if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
        raise ApiError(415, "unsupported_media_type", "send the batch as application/json")
    body = await read_body(request, request.app.state.settings.max_request_bytes)
    records = batch_records(body, max_records=MAX_BATCH)
    del body
    if not records:
        raise bad_request("the batch is empty")
    try:
        summary = await run_in_threadpool(
            ingest_records, store, records, source="api", indexer=index, tenant=key.tenant
        )
    except PseudonymKeyError as exc:
        raise ApiError(503, "unavailable", str(exc)) from exc
    _theme_vectors(request, summary)
    data = _summary_data(request, summary, index)
    outcome = {entry["index"]: entry for entry in summary.results}
    results = [
        RecordResult(
            index=i,
            id=_record_id(r),
            status=outcome.get(i, {}).get("status", "rejected"),
            error=outcome.get(i, {}).get("error"),
        )
        for i, r in enumerate(records)
    ]
    return _response(data, results)


@router.post(
    "/interactions:import",
    response_model=IngestResponse,
    summary="Import a JSONL, JSON or CSV file",
    description=(
        "Upload a file as multipart form field `file`, or send it as the raw body "
        "(`application/x-ndjson`, `application/json`, `text/csv`). The upload is streamed to a temporary "
        "file "
        "and ingested in chunks; errors carry the file's line (JSONL, CSV) or element number. Needs `ingest`."
    ),
    responses={
        400: {
            "model": ErrorBody,
            "description": "No `file` field, an empty upload, or text that is not UTF-8.",
        },
        413: {"model": ErrorBody, "description": "The upload exceeds 2 GiB."},
        415: {"model": ErrorBody, "description": "Neither a multipart upload nor a JSONL, JSON or CSV body."},
        503: {"model": ErrorBody, "description": "The server's pseudonym key does not match the database's."},
    },
    openapi_extra={
        "requestBody": {
            "content": {
                "multipart/form-data": {
                    "schema": {
                        "type": "object",
                        "properties": {"file": {"type": "string", "format": "binary"}},
                    }
                },
                "application/x-ndjson": {"schema": {"type": "string"}},
                "text/csv": {"schema": {"type": "string"}},
            }
        }
    },
)
async def import_interactions(
    request: Request,
    key: IngestKey,
    store: StoreDep,
    index: IndexDep,
    format: str = Query(
        "auto", pattern="^(auto|jsonl|json|csv)$", description="File format; auto detects it."
    ),
) -> IngestResponse:
    """Stream an uploaded file to disk, then ingest it for the key's tenant."""
    from starlette.concurrency import run_in_threadpool

    from store.ingest import ingest_paths

    content_type = request.headers.get("content-type", "")
    if content_type.startswith("application/x-www-form-urlencoded"):
        raise ApiError(415, "unsupported_media_type", "send the file as multipart field 'file' or raw body")
    handle, name = tempfile.mkstemp(prefix="parcours-upload-")
    path = Path(name)
    size = 0
    suffix = ""
    try:
        with os.fdopen(handle, "wb") as out:
            if content_type.startswith("multipart/form-data"):
                form = await request.form()
                upload = form.get("file")
                if upload is None or isinstance(upload, str):
                    raise bad_request("multipart upload needs a 'file' field")
                suffix = Path(upload.filename or "").suffix
                while chunk := await upload.read(_CHUNK):
                    size += len(chunk)
                    if size > MAX_UPLOAD_BYTES:
                        raise ApiError(413, "too_large", "the upload exceeds 2 GiB")
                    out.write(chunk)
            else:
                if "csv" in content_type:
                    suffix = ".csv"
                elif "ndjson" in content_type or "jsonl" in content_type:
                    suffix = ".jsonl"
                async for chunk in request.stream():
                    size += len(chunk)
                    if size > MAX_UPLOAD_BYTES:
                        raise ApiError(413, "too_large", "the upload exceeds 2 GiB")
                    out.write(chunk)
        if size == 0:
            raise bad_request("the upload is empty")
        fmt = format
        if fmt == "auto":
            named = path.with_name(path.name + suffix)
            path.rename(named)
            path = named

        try:
            summary = await run_in_threadpool(
                ingest_paths, store, [path], fmt=fmt, indexer=index, tenant=key.tenant
            )
        except UnicodeDecodeError as exc:
            raise bad_request(f"the file is not UTF-8 text (byte {exc.start})") from exc
        except PseudonymKeyError as exc:
            raise ApiError(503, "unavailable", str(exc)) from exc
        _theme_vectors(request, summary)
        return _response(_summary_data(request, summary, index))
    finally:
        path.unlink(missing_ok=True)


def _theme_vectors(request: Request, summary: Any) -> None:
    """New or changed interactions: start the job that computes their theme vectors (`parcours serve`)."""
    jobs = getattr(request.app.state, "theme_vectors", None)
    if jobs is not None and (summary.accepted or summary.updated):
        jobs.kick()


class InteractionView(BaseModel):
    """A stored interaction (redacted), as the API returns it."""

    id: str
    tenant: str
    channel: str
    direction: str
    queue: str | None
    started_at: str | None = Field(description="UTC, ISO 8601.")
    ended_at: str | None
    local_date: str
    iso_week: str
    wait_seconds: float | None
    first_response_seconds: float | None
    handle_seconds: float | None
    abandoned: bool
    resolved: bool | None
    follow_up: dict[str, Any] | None
    csat: int | None
    reason: str | None
    patient_ref: str | None = Field(
        description="Pseudonym of the sender's patient ref (`pt_…`, a keyed hash; the ref is never stored)."
    )
    agent_ref: str | None = Field(description="The pseudonym of the sender's agent ref (`ag_…`).")
    language: str | None
    theme_id: str | None
    attributes: dict[str, Any]
    transcript: list[dict[str, str]]


def interaction_view(row: InteractionRow) -> InteractionView:
    """The public view of an interaction row."""
    follow = None
    if row.follow_up_required or row.follow_up_due_at or row.follow_up_done_at:
        follow = {
            "required": row.follow_up_required,
            "due_at": iso(row.follow_up_due_at),
            "done_at": iso(row.follow_up_done_at),
        }
    return InteractionView(
        id=row.ext_id,
        tenant=row.tenant,
        channel=row.channel,
        direction=row.direction,
        queue=row.queue,
        started_at=iso(row.started_at),
        ended_at=iso(row.ended_at),
        local_date=row.local_date.isoformat(),
        iso_week=row.iso_week,
        wait_seconds=row.wait_seconds,
        first_response_seconds=row.first_response_seconds,
        handle_seconds=row.handle_seconds,
        abandoned=row.abandoned,
        resolved=row.resolved,
        follow_up=follow,
        csat=row.csat,
        reason=row.reason,
        patient_ref=row.patient_ref,
        agent_ref=row.agent_ref,
        language=row.language,
        theme_id=row.theme_id,
        attributes=row.attributes or {},
        transcript=[{"speaker": t.speaker, "text": t.text} for t in row.turns],
    )


def load_interactions(store: Any, *, tenant: str, ids: list[str]) -> list[InteractionView]:
    """The tenant's interactions with these ids (unknown ids skipped), in the given order."""
    if not ids:
        return []
    with store.session() as session:
        rows = session.execute(
            select(InteractionRow)
            .options(selectinload(InteractionRow.turns))
            .where(InteractionRow.tenant == tenant, InteractionRow.ext_id.in_(ids[:500]))
        ).scalars()
        by_id = {row.ext_id: interaction_view(row) for row in rows}
    return [by_id[i] for i in ids if i in by_id]


@router.get(
    "/interactions/{interaction_id}",
    response_model=InteractionView,
    summary="Read one interaction",
    description="The stored (redacted) interaction with its transcript. Needs `read`.",
    responses={404: {"model": ErrorBody, "description": "No such interaction for this tenant."}},
)
def get_interaction(interaction_id: str, key: ReadKey, store: StoreDep) -> InteractionView:
    """One stored (redacted) interaction of the key's tenant."""
    found = load_interactions(store, tenant=key.tenant, ids=[interaction_id])
    if not found:
        raise not_found("interaction", interaction_id)
    return found[0]


@router.delete(
    "/interactions/{interaction_id}",
    response_model=ErasureReport,
    summary="Erase one interaction",
    description=(
        "Erases the interaction everywhere Parcours keeps it: its row and transcript, full-text entries, "
        "vectors, cached embeddings, ingest errors; its quotes in analyses, actions and notes become "
        '"[supprimé]"/"[erased]" (counts stay); agent checkpoints and report files quoting it are deleted. '
        "An audit row records who asked and when, never the content. Needs the `admin` scope."
    ),
    responses={404: {"model": ErrorBody, "description": "No such interaction in the key's tenant."}},
)
def delete_interaction(
    interaction_id: str,
    key: AdminKey,
    store: StoreDep,
    request: Request,
    reason: str | None = Query(None, max_length=500, description="Why (kept in the audit trail, redacted)."),
) -> ErasureReport:
    """Erase one interaction of the key's tenant."""
    from api.erasure import run_erasure_request
    from store.erasure import erase_interaction

    return run_erasure_request(
        request,
        erase_interaction,
        store=store,
        tenant=key.tenant,
        interaction_id=interaction_id,
        requested_by=key.who,
        reason=reason,
        missing=("interaction", interaction_id),
    )
