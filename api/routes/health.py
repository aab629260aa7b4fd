"""Liveness, readiness (database and migrations, vector index, model) and Prometheus metrics."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse

from api.deps import StoreDep

router = APIRouter(tags=["health"])


@router.get("/healthz", summary="Liveness", description="The process answers. No key needed.")
def healthz() -> dict[str, str]:
    """Always ok while the process runs."""
    return {"status": "ok"}


@router.get(
    "/readyz",
    summary="Readiness",
    description=(
        "200 when the database answers at the latest migration, the vector index (embedded Chroma or the "
        "Chroma server) answers and the embedding model is loaded; else 503 with the failing check."
    ),
)
def readyz(request: Request, store: StoreDep) -> Response:
    """Check the database, its migrations, the vector index and the model."""
    from api.readiness import readiness

    ready, checks = readiness(request.app.state, store)
    return JSONResponse(
        {"status": "ready" if ready else "not ready", "checks": checks}, 200 if ready else 503
    )


@router.get("/metrics", summary="Prometheus metrics", description="Request counts/latency, ingest counters.")
def metrics(request: Request) -> Response:
    """The Prometheus exposition text of this process."""
    return request.app.state.metrics.render()  # type: ignore[no-any-return]
