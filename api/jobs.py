"""Analyses run inside the API process: the embedded default, when no task queue is configured.

A run's row moves pending → running → done | failed and carries `progress` and `step`. This process owns the
runs it queued: it renews their lease (`heartbeat_at`) every `PARCOURS_LEASE_SECONDS / 4`, so a run whose
process died is recognisable (its lease expired). On start and then every lease period the process takes
over such runs and resumes each from its LangGraph checkpoint (after `PARCOURS_ANALYSIS_MAX_ATTEMPTS` it
fails them with a reason). Runs are served tenant by tenant in turn (`api.taskqueue.fair`), a failed attempt
is retried with exponential backoff, and the outcome is delivered (webhooks; the weekly report's folder and
e-mail) through `announce`. With `PARCOURS_QUEUE_URL` set, `api.taskqueue.procrastinate_queue` replaces
this class and `parcours worker` runs the analyses.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any

from api.taskqueue.fair import FairQueue
from api.taskqueue.heartbeat import Ticker
from api.taskqueue.runner import Announce, Outcome, Resources, Runner, execute_analysis, worker_identity
from core.results import Period
from core.settings import Settings
from store import analysis_queue
from store.analysis_queue import Submitted
from store.db import Store

log = logging.getLogger("parcours.api.jobs")


class AnalysisJobs:
    """Queues analyses in this process, runs them fairly, keeps their leases and recovers orphaned runs."""

    def __init__(
        self,
        store: Store,
        settings: Settings,
        *,
        resources: Resources | None = None,
        runner: Runner | None = None,
        max_workers: int | None = None,
        on_finish: Callable[[str], None] | None = None,
        announce: Announce | None = None,
    ) -> None:
        self.store = store
        self.settings = settings
        self.worker_id = worker_identity("api")
        self._resources = resources
        self._runner = runner
        self._on_finish = on_finish
        self.announce = announce
        self._queue: FairQueue[str] = FairQueue()
        self.futures: dict[str, Future[str]] = {}
        self._lock = threading.Lock()
        self._timers: set[threading.Timer] = set()
        count = max(1, max_workers or settings.analysis_threads)
        self._threads = [
            threading.Thread(target=self._serve, name=f"parcours-analysis-{i}", daemon=True)
            for i in range(count)
        ]
        for thread in self._threads:
            thread.start()
        self._beat = Ticker("lease", settings.lease_seconds / 4, self._renew).start()
        self._sweeper: Ticker | None = None

    # -- submitting ---------------------------------------------------------------------------------------

    def submit(self, *, tenant: str, period: Period, trigger: str = "api") -> Submitted:
        """Register the run (or find the active one of the same tenant and period) and queue it."""
        submitted = analysis_queue.create_pending(
            store=self.store, tenant=tenant, period=period, trigger=trigger, worker_id=self.worker_id
        )
        if submitted.created:
            self._enqueue(submitted.analysis_id, tenant)
        return submitted

    def start(self, *, tenant: str, period: Period | None) -> str:
        """Queue a run of the period; returns its id (an already active run's id when there is one)."""
        if period is None:
            raise ValueError("an analysis needs a period")
        return self.submit(tenant=tenant, period=period).analysis_id

    def _enqueue(self, analysis_id: str, tenant: str) -> None:
        with self._lock:
            self.futures.setdefault(analysis_id, Future())
        self._queue.put(tenant, analysis_id)

    # -- running ------------------------------------------------------------------------------------------

    def _serve(self) -> None:
        while True:
            taken = self._queue.get()
            if taken is None:
                return
            tenant, analysis_id = taken
            try:
                outcome = execute_analysis(
                    store=self.store,
                    settings=self.settings,
                    analysis_id=analysis_id,
                    worker_id=self.worker_id,
                    runner=self._runner,
                    resources=self._resources,
                    announce=self.announce,
                )
            except Exception as exc:  # the store itself failed: try again later, like a failed attempt
                log.exception("analysis %s could not be run", analysis_id)
                outcome = Outcome("retry", error=str(exc), retry_in=self.settings.lease_seconds)
            finally:
                self._queue.done(tenant)
            self._settle(analysis_id, tenant, outcome)

    def _settle(self, analysis_id: str, tenant: str, outcome: Outcome) -> None:
        if outcome.status == "retry":
            timer = threading.Timer(outcome.retry_in, self._retry, (analysis_id, tenant))
            timer.daemon = True
            with self._lock:
                self._timers.add(timer)
            timer.start()
            return
        if outcome.status in ("done", "failed") and self._on_finish is not None:
            try:
                self._on_finish(outcome.status)
            except Exception:  # metrics must never break a run
                log.debug("on_finish hook failed", exc_info=True)
        with self._lock:
            future = self.futures.get(analysis_id)
        if future is not None and not future.done():
            future.set_result(outcome.status)

    def _retry(self, analysis_id: str, tenant: str) -> None:
        with self._lock:
            self._timers = {t for t in self._timers if t.is_alive() and t is not threading.current_thread()}
        try:
            self._queue.put(tenant, analysis_id)
        except (
            RuntimeError
        ):  # shutting down: the row stays pending and its lease lapses; a restart resumes it
            pass

    # -- leases and recovery ------------------------------------------------------------------------------

    def _renew(self) -> None:
        analysis_queue.heartbeat(store=self.store, worker_id=self.worker_id)

    def recover(self) -> list[str]:
        """Take over every active run that has no live worker and queue it here; returns their ids.

        Each resumes from its LangGraph checkpoint.
        """
        taken = []
        for row in analysis_queue.orphans(
            store=self.store,
            lease_seconds=self.settings.lease_seconds,
            unowned_after=analysis_queue.UNLEASED_GRACE,
        ):
            if analysis_queue.take_over(
                store=self.store,
                analysis_id=row.id,
                worker_id=self.worker_id,
                lease_seconds=self.settings.lease_seconds,
            ):
                log.warning("analysis %s had no live worker (was %s): resuming it", row.id, row.worker_id)
                self._enqueue(row.id, row.tenant)
                taken.append(row.id)
        return taken

    def start_recovery(self) -> None:
        """Recover orphaned runs now, then every lease period (called when the app starts serving)."""
        if self._sweeper is None:
            self._sweeper = Ticker(
                "recovery", self.settings.lease_seconds, self._sweep, immediately=True
            ).start()

    def _sweep(self) -> None:
        self.recover()
        resume = getattr(self.announce, "resume_pending", None)
        if resume is not None:  # e-mails and webhooks a stopped process left undelivered
            quiet = self.settings.delivery_backoff_seconds * 2**self.settings.delivery_max_attempts
            resume(older_than_seconds=quiet + self.settings.lease_seconds)  # longer than any retry wait

    # -- waiting and stopping -----------------------------------------------------------------------------

    def wait(self, analysis_id: str, timeout: float | None = None) -> Any:
        """Block until a run queued by this process is done or failed for good (for tests and the CLI)."""
        with self._lock:
            future = self.futures.get(analysis_id)
        if future is not None:
            return future.result(timeout=timeout)
        return None

    def waiting(self, tenant: str | None = None) -> int:
        """Runs queued here and not started yet."""
        return self._queue.waiting(tenant)

    def shutdown(self, wait: bool = True) -> None:
        """Stop taking runs; the running ones finish (queued ones stay pending and are resumed at restart)."""
        if self._sweeper is not None:
            self._sweeper.stop()
        with self._lock:
            timers = list(self._timers)
        for timer in timers:
            timer.cancel()
        self._queue.close()
        if wait:
            for thread in self._threads:
                if thread is not threading.current_thread():
                    thread.join()
        self._beat.stop()
        try:
            analysis_queue.let_go(store=self.store, worker_id=self.worker_id)
        except Exception:  # the database is gone: the leases lapse by themselves
            log.debug("could not release the leases", exc_info=True)
