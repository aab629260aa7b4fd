"""Prometheus metrics of one app: request counts and latency by route, ingestion and analysis counters."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable

from fastapi import FastAPI, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest

METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
"""HTTP methods counted under their own name; any other method is counted as `other`."""
UNMATCHED = "unmatched"
"""The route label of requests no route matched (never the raw path, which a client chooses)."""


def labels_of(request: Request) -> tuple[str, str]:
    """The bounded (method, route) labels of a request: a known method and a route template."""
    method = request.method if request.method in METHODS else "other"
    route = request.scope.get("route")
    template = getattr(route, "path", None)
    if not isinstance(template, str) or not template or "{path:path}" in template:  # the 404 page's catch-all
        return method, UNMATCHED
    return method, template


class Metrics:
    """The metric families, in a registry of their own (so several apps can live in one process)."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "parcours_http_requests_total",
            "HTTP requests by method, route and status.",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "parcours_http_request_duration_seconds",
            "HTTP request latency by method and route.",
            ["method", "route"],
            registry=self.registry,
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
        )
        self.ingested = Counter(
            "parcours_ingested_records_total",
            "Interaction records ingested through the API, by outcome.",
            ["outcome"],
            registry=self.registry,
        )
        self.analyses = Counter(
            "parcours_analyses_total",
            "Analysis runs started through the API, by final status.",
            ["status"],
            registry=self.registry,
        )

        self.index_failures = Counter(
            "parcours_index_failures_total",
            "Ingested chunks whose vector indexing failed (records kept; `parcours reindex --check --fix`).",
            registry=self.registry,
        )

    def count_ingest(self, summary: dict[str, object]) -> None:
        """Add an ingest summary's counts (and its index failures)."""
        failures = summary.get("index_errors")
        if isinstance(failures, list) and failures:
            self.index_failures.inc(len(failures))
        for outcome in ("accepted", "updated", "unchanged", "rejected"):
            value = summary.get(outcome, 0)
            if isinstance(value, int) and value:
                self.ingested.labels(outcome=outcome).inc(value)

    def render(self) -> Response:
        """The exposition text."""
        return Response(generate_latest(self.registry), media_type=CONTENT_TYPE_LATEST)


def install_metrics(app: FastAPI, metrics: Metrics) -> None:
    """Time and count every request by its route template (never by raw path, to bound cardinality)."""

    @app.middleware("http")
    async def _observe(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        started = time.perf_counter()
        status = 500
        try:
            response = await call_next(request)
            status = response.status_code
            return response
        finally:
            method, template = labels_of(request)
            if template not in ("/metrics", "/static"):
                metrics.requests.labels(method, template, str(status)).inc()
                metrics.latency.labels(method, template).observe(time.perf_counter() - started)
