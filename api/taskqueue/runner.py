"""One attempt at an analysis, the same in the in-process pool and in a queue worker.

The attempt claims the run (a lease on its row), runs the analysis graph with the run's id as checkpoint
thread — so a run whose previous worker died resumes after its last completed node — persists the result,
frees the period and announces the outcome. It never raises for an analysis error: it says whether to
retry, and when.
"""

from __future__ import annotations

import inspect
import logging
import os
import socket
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from core.results import AnalysisResult, Period
from core.settings import Settings
from store import analyses, analysis_queue
from store.db import Store

log = logging.getLogger("parcours.queue")

Runner = Callable[..., AnalysisResult]
Resources = Callable[[], tuple[Any | None, Any | None]]
Announce = Callable[[str, str], None]
"""Called with (analysis_id, final status) once a run is done or failed for good."""


@dataclass(frozen=True)
class Outcome:
    """What became of one attempt."""

    status: Literal["done", "failed", "retry", "skipped"]
    error: str | None = None
    retry_in: float = 0.0


def worker_identity(kind: str) -> str:
    """A name unique to this process: host, pid, kind and a random suffix."""
    return f"{socket.gethostname()[:60]}:{os.getpid()}:{kind}:{uuid.uuid4().hex[:6]}"


def default_runner() -> Runner:
    """The analysis graph's entry point (imported when first needed: it pulls in LangGraph)."""
    import importlib

    return importlib.import_module("agent.analysis").run_analysis  # type: ignore[no-any-return]


def retry_delay(settings: Settings, attempt: int) -> float:
    """Seconds to wait before attempt `attempt + 1`: the base delay doubled at each attempt."""
    return settings.analysis_retry_seconds * 2 ** max(0, attempt - 1)


def _call(runner: Runner, kwargs: dict[str, Any]) -> AnalysisResult:
    params = inspect.signature(runner).parameters
    var_kw = any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values())
    return runner(**{k: v for k, v in kwargs.items() if k in params or var_kw})


def execute_analysis(
    *,
    store: Store,
    settings: Settings,
    analysis_id: str,
    worker_id: str,
    runner: Runner | None = None,
    resources: Resources | None = None,
    announce: Announce | None = None,
    keep_owner_on_retry: bool = True,
) -> Outcome:
    """Claim the run, run or resume it, persist it; say whether it is done, failed or to be retried."""
    row = analysis_queue.claim(
        store=store, analysis_id=analysis_id, worker_id=worker_id, lease_seconds=settings.lease_seconds
    )
    if row is None:
        current = analysis_queue.get(store=store, analysis_id=analysis_id)
        if current is None or current.status not in analysis_queue.ACTIVE:
            return Outcome("skipped")
        # Another process holds a live lease on it: come back once that lease may have expired.
        return Outcome("retry", error=f"held by {current.worker_id}", retry_in=settings.lease_seconds)
    max_attempts = max(1, settings.analysis_max_attempts)
    if row.attempts > max_attempts:
        reason = (
            f"gave up after {max_attempts} attempts; last: {row.error or 'the process running it stopped'}"
        )
        return _finish_failed(store, analysis_id, reason, announce)
    period = Period(start=row.period_start, end=row.period_end)
    if row.attempts > 1:
        log.info("analysis %s: attempt %d, resuming from its checkpoint", analysis_id, row.attempts)
    try:
        index, embedder = (resources or (lambda: (None, None)))()
        result = _call(
            runner or default_runner(),
            {
                "store": store,
                "tenant": row.tenant,
                "period": period,
                "settings": settings,
                "index": index,
                "embedder": embedder,
                "thread_id": analysis_id,
                "analysis_id": analysis_id,
            },
        )
        if result.analysis_id != analysis_id:
            original_id = result.analysis_id
            result = result.model_copy(update={"analysis_id": analysis_id})
            analyses.fold_into(store, analysis_id, original_id)
        analyses.save(store, result)
    except Exception as exc:
        message = str(exc) or type(exc).__name__
        log.exception("analysis %s: attempt %d failed", analysis_id, row.attempts)
        if row.attempts < max_attempts:
            delay = retry_delay(settings, row.attempts)
            analysis_queue.note_retry(
                store=store,
                analysis_id=analysis_id,
                error=f"attempt {row.attempts} failed: {message}",
                delay_seconds=delay,
                owner=worker_id if keep_owner_on_retry else None,
            )
            return Outcome("retry", error=message, retry_in=delay)
        return _finish_failed(store, analysis_id, message, announce)
    analysis_queue.release(store=store, analysis_id=analysis_id)
    log.info("analysis %s done", analysis_id)
    _announce(announce, analysis_id, "done")
    return Outcome("done")


def _finish_failed(store: Store, analysis_id: str, reason: str, announce: Announce | None) -> Outcome:
    analysis_queue.fail(store=store, analysis_id=analysis_id, reason=reason)
    _announce(announce, analysis_id, "failed")
    return Outcome("failed", error=reason)


def _announce(announce: Announce | None, analysis_id: str, status: str) -> None:
    if announce is None:
        return
    try:
        announce(analysis_id, status)
    except Exception:  # a delivery problem never changes the analysis's outcome
        log.exception("announcing analysis %s failed", analysis_id)
