"""Liveness, readiness (database reachable, migrations applied) and Prometheus metrics."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from sqlalchemy import text

from api.deps import StoreDep

router = APIRouter(tags=["health"])


@router.get("/healthz", summary="Liveness", description="The process answers. No key needed.")
def healthz() -> dict[str, str]:
    """Always ok while the process runs."""
    return {"status": "ok"}


def _head_revision() -> str | None:
    from alembic.script import ScriptDirectory

    import store.db

    folder = Path(store.db.__file__).parent / "migrations"
    return ScriptDirectory(str(folder)).get_current_head()


@router.get(
    "/readyz",
    summary="Readiness",
    description="200 when the database answers and its schema is at the latest migration, else 503.",
)
def readyz(store: StoreDep) -> Response:
    """Check the database and the migration level."""
    checks: dict[str, Any] = {}
    ready = True
    try:
        with store.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
            checks["database"] = "ok"
            current = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
        head = _head_revision()
        checks["migrations"] = "ok" if current == head else f"at {current}, expected {head}"
        ready = current == head
    except Exception as exc:
        checks.setdefault("database", f"error: {type(exc).__name__}")
        ready = False
    return JSONResponse(
        {"status": "ready" if ready else "not ready", "checks": checks}, 200 if ready else 503
    )


@router.get("/metrics", summary="Prometheus metrics", description="Request counts/latency, ingest counters.")
def metrics(request: Request) -> Response:
    """The Prometheus exposition text of this process."""
    return request.app.state.metrics.render()  # type: ignore[no-any-return]
