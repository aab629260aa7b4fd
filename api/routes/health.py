"""Liveness, readiness (database and migrations, vector index, model) and Prometheus metrics."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from api.deps import StoreDep

router = APIRouter(tags=["health"])


class Health(BaseModel):
    """The process answers."""

    status: str = Field(description="Always ok.", examples=["ok"])


class Readiness(BaseModel):
    """Whether this process can serve: each check is ok or says what fails."""

    status: str = Field(description="ready or not ready.", examples=["ready"])
    checks: dict[str, str] = Field(
        description="database, migrations, model, vector_index: ok or the reason.",
        examples=[{"database": "ok", "migrations": "ok", "model": "ok", "vector_index": "ok"}],
    )


@router.get(
    "/healthz", response_model=Health, summary="Liveness", description="The process answers. No key needed."
)
def healthz() -> Health:
    """Always ok while the process runs."""
    return Health(status="ok")


@router.get(
    "/readyz",
    summary="Readiness",
    description=(
        "200 when the database answers at the latest migration, the vector index (embedded Chroma or the "
        "Chroma server) answers and the embedding model is loaded; else 503 with the failing check."
    ),
    response_model=Readiness,
    responses={503: {"model": Readiness, "description": "Not ready: the failing checks say why."}},
)
def readyz(request: Request, store: StoreDep) -> Response:
    """Check the database, its migrations, the vector index and the model."""
    from api.readiness import readiness

    ready, checks = readiness(request.app.state, store)
    return JSONResponse(
        {"status": "ready" if ready else "not ready", "checks": checks}, 200 if ready else 503
    )


@router.get(
    "/metrics",
    summary="Prometheus metrics",
    description="Request counts/latency, ingest counters.",
    responses={200: {"content": {"text/plain": {"schema": {"type": "string"}}}}},
)
def metrics(request: Request) -> Response:
    """The Prometheus exposition text of this process."""
    return request.app.state.metrics.render()  # type: ignore[no-any-return]
