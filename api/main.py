"""The FastAPI app: routers per resource under /v1, health and metrics, the managers' web UI at /."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from api.deps import load_embedder, load_index
from api.docs import install_docs
from api.errors import install_error_handlers
from api.metrics import Metrics, install_metrics
from api.routes import (
    actions,
    analyses,
    chat,
    findings,
    health,
    interactions,
    kpis,
    patients,
    search,
    themes,
    web,
)
from api.taskqueue import make_jobs
from core.settings import Settings, get_settings
from store.db import Store

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

STATIC = Path(__file__).resolve().parent / "static"

DESCRIPTION = """
Parcours finds the friction in patient communication for healthcare contact centres.

**Auth.** Every `/v1` endpoint needs an API key (`pk_…`), sent as `Authorization: Bearer pk_…`
or `X-API-Key: pk_…`. Create one with `parcours keys create --tenant T --scope read --scope ingest`.
Scopes: `ingest` (push interactions), `read` (query), `manage` (run analyses, change actions), `admin` (all).
A key is bound to one tenant: every query is filtered by it and records naming another tenant are refused.

**Errors** are JSON: `{"error": "not_found", "message": "…", "details": [...]}`; bad input is a 4xx.
"""

TAGS = [
    {"name": "interactions", "description": "Push and read interactions (input contract, DESIGN §3)."},
    {"name": "kpis", "description": "Contact-centre KPIs with counts, intervals and p-values."},
    {"name": "search", "description": "Semantic search and live classification."},
    {"name": "analyses", "description": "Weekly analyses run in the background, and their reports."},
    {"name": "findings", "description": "Themes and frictions of an analysis."},
    {"name": "actions", "description": "Ranked improvement actions and their lifecycle."},
    {"name": "chat", "description": "Questions answered by the chat agent, streamed as server-sent events."},
    {"name": "patients", "description": "Erasure of a patient's data (right to erasure)."},
    {"name": "health", "description": "Liveness, readiness and Prometheus metrics."},
]


def create_app(
    settings: Settings | None = None, *, store: Store | None = None, runner: Any = None, serve: bool = False
) -> FastAPI:
    """Build the app for these settings (or the process settings); `store`/`runner` are for tests.

    With `serve` (what `parcours serve` runs) the start-up also loads the model and starts the weekly
    schedule; every app resumes, at start-up, the analyses whose worker died.
    """
    settings = settings or get_settings()
    store = store or Store.from_settings(settings)
    metrics = Metrics()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        from api.taskqueue.lifecycle import on_shutdown, on_startup

        on_startup(app, serve=serve)
        yield
        on_shutdown(app)

    app = FastAPI(
        title="Parcours API",
        version="1.0",
        description=DESCRIPTION,
        openapi_tags=TAGS,
        lifespan=lifespan,
        docs_url=None,  # served below from local assets: no CDN inside a hospital
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.store = store
    app.state.metrics = metrics
    app.state.index = None
    app.state.embedder = None

    def resources() -> tuple[Any, Any]:  # loaded in the worker thread, not during the request
        return load_index(app.state), load_embedder(app.state)

    app.state.jobs = make_jobs(
        store,
        settings,
        resources=resources,
        runner=runner,
        on_finish=lambda status: metrics.analyses.labels(status=status).inc(),
    )
    install_error_handlers(app)
    install_metrics(app, metrics)
    for module in (
        interactions,
        patients,
        kpis,
        search,
        analyses,
        findings,
        themes,
        actions,
        chat,
        health,
        web,
    ):
        app.include_router(module.router)
    app.mount("/static", StaticFiles(directory=str(STATIC)), name="static")
    install_docs(app)
    app.add_api_route("/{path:path}", web.not_found_page, methods=["GET"], include_in_schema=False)  # last
    return app
