"""Analyses on procrastinate, a maintained PostgreSQL task queue (`PARCOURS_QUEUE_URL`).

API processes only enqueue (`QueueJobs.submit`); `parcours worker` processes run the jobs:

- `parcours.analysis(analysis_id)` — one attempt (`api.taskqueue.runner`); a failed attempt is retried with
  exponential backoff; its job holds the lock `analysis_id`, so one run of an analysis executes at a time.
- `parcours.deliver(delivery_id)` — a webhook or e-mail, retried with exponential backoff.
- `parcours.theme_vectors` — the theme vectors of newly ingested interactions (`analytics.theme_vectors`),
  queued by ingestion; one queued and one running at a time.
- `parcours.recover` (every 30 s) — jobs of workers that stopped sending heartbeats (killed, host lost) go
  back to the queue and another worker resumes them from their LangGraph checkpoint; active analyses
  with no job at all (an API process died between saving the row and queueing it) are queued again.
- `parcours.weekly` (every minute) — the weekly report (`api.taskqueue.schedule`);
  `parcours.purge` (daily, 03:17 UTC) — the retention purge.

Tenants are served fairly: a job's priority is minus the number of analyses its tenant already has queued,
and procrastinate takes higher priorities first.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from procrastinate import App, BaseRetryStrategy, PsycopgConnector, RetryDecision, SyncPsycopgConnector
from procrastinate.exceptions import AlreadyEnqueued

from api import delivery
from api.taskqueue.runner import Resources, Runner, execute_analysis, worker_identity
from api.taskqueue.schedule import retention_purge, run_weekly
from core.results import Period
from core.settings import Settings
from store import analysis_queue, deliveries
from store.analysis_queue import Submitted
from store.db import Store

log = logging.getLogger("parcours.queue")

ANALYSES = "analyses"
LIGHT = ("deliveries", "maintenance")
THEME_VECTORS = "theme-vectors"
"""Lock of the theme-vector job: one runs at a time, one more may wait."""
RECOVER_GRACE_SECONDS = 30.0
"""An active analysis without a job is queued again only after this long (its API process may be deferring
it)."""


class RetryLater(RuntimeError):
    """Raised by a task whose attempt failed and should run again in `retry_in` seconds."""

    def __init__(self, message: str, retry_in: float) -> None:
        super().__init__(message)
        self.retry_in = retry_in


class AsDecided(BaseRetryStrategy):
    """Retry exactly when the task said so, after the delay it computed (backoff lives in one place)."""

    def get_retry_decision(self, *, exception: BaseException, job: Any) -> RetryDecision | None:
        """Retry RetryLater (and delivery errors that are not final) after their delay."""
        delay = getattr(exception, "retry_in", None)
        if delay is None or getattr(exception, "final", False):
            return None
        return RetryDecision(retry_in={"seconds": max(1, round(delay))})


def conninfo(url: str) -> str:
    """A libpq URL from a SQLAlchemy-style one."""
    for prefix in ("postgresql+psycopg://", "postgresql+psycopg2://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql://" + url[len(prefix) :]
    return url


@dataclass
class WorkerContext:
    """What the tasks of a `parcours worker` process work with."""

    store: Store
    settings: Settings
    worker_id: str
    resources: Resources | None = None
    runner: Runner | None = None


def build_app(url: str, *, sync: bool = False, context: WorkerContext | None = None) -> App:
    """The procrastinate app: a sync connector to enqueue from API processes, async to run a worker."""
    connector: Any = (
        SyncPsycopgConnector(conninfo=conninfo(url), min_size=1, max_size=4)
        if sync
        else PsycopgConnector(conninfo=conninfo(url))
    )
    app = App(connector=connector)

    def ctx() -> WorkerContext:
        if context is None:
            raise RuntimeError("this app only enqueues; run `parcours worker` to execute jobs")
        return context

    def defer_deliveries(analysis_id: str, _status: str) -> None:
        c = ctx()
        for planned in delivery.plan(store=c.store, settings=c.settings, analysis_id=analysis_id):
            try:
                app.configure_task("parcours.deliver", queueing_lock=planned.id).defer(delivery_id=planned.id)
            except AlreadyEnqueued:
                pass

    @app.task(name="parcours.analysis", queue=ANALYSES, retry=AsDecided())
    def analysis_task(analysis_id: str) -> str:
        c = ctx()
        outcome = execute_analysis(
            store=c.store,
            settings=c.settings,
            analysis_id=analysis_id,
            worker_id=c.worker_id,
            runner=c.runner,
            resources=c.resources,
            announce=defer_deliveries,
            keep_owner_on_retry=False,
        )
        if outcome.status == "retry":
            raise RetryLater(outcome.error or "retry", outcome.retry_in)
        return outcome.status

    @app.task(name="parcours.theme_vectors", queue=ANALYSES)
    def theme_vectors_task() -> int:
        from analytics.theme_vectors import fill_theme_vectors
        from store.embedder import get_theme_embedder

        c = ctx()
        transcript = c.resources()[1] if c.resources is not None else None
        model = get_theme_embedder(c.settings, fallback=transcript)
        return fill_theme_vectors(store=c.store, embedder=model).interactions

    @app.task(name="parcours.deliver", queue="deliveries", retry=AsDecided())
    def deliver_task(delivery_id: str) -> None:
        c = ctx()
        delivery.attempt(store=c.store, settings=c.settings, delivery_id=delivery_id)

    @app.periodic(cron="* * * * * */30", periodic_id="recover")
    @app.task(name="parcours.recover", queue="maintenance")
    async def recover_task(timestamp: int) -> None:
        await recover(app, ctx())

    @app.periodic(cron="* * * * *", periodic_id="weekly")
    @app.task(name="parcours.weekly", queue="maintenance")
    def weekly_task(timestamp: int) -> None:
        c = ctx()
        jobs = QueueJobs(c.store, c.settings, app=app)
        run_weekly(
            store=c.store, settings=c.settings, submit=jobs.submit, now=datetime.fromtimestamp(timestamp, UTC)
        )

    @app.periodic(cron="17 3 * * *", periodic_id="purge")
    @app.task(name="parcours.purge", queue="maintenance")
    def purge_task(timestamp: int) -> None:
        c = ctx()
        retention_purge(store=c.store, settings=c.settings, now=datetime.fromtimestamp(timestamp, UTC))

    _ = (analysis_task, theme_vectors_task, deliver_task, recover_task, weekly_task, purge_task)
    return app


def defer_analysis(app: App, *, store: Store, analysis_id: str, tenant: str, sync: bool = True) -> None:
    """Queue an analysis job; its tenant's backlog lowers its priority (fairness between tenants)."""
    backlog = analysis_queue.count_active(store=store, tenant=tenant)
    task = app.configure_task(
        "parcours.analysis", lock=analysis_id, queueing_lock=analysis_id, priority=-max(0, backlog - 1)
    )
    try:
        task.defer(analysis_id=analysis_id)
    except AlreadyEnqueued:
        pass


def defer_theme_vectors(app: App) -> None:
    """Queue the theme-vector job (nothing when one is already waiting: it will see the new interactions)."""
    task = app.configure_task("parcours.theme_vectors", lock=THEME_VECTORS, queueing_lock=THEME_VECTORS)
    try:
        task.defer()
    except AlreadyEnqueued:
        pass


async def recover(app: App, context: WorkerContext) -> list[str]:
    """Put back the jobs of dead workers; queue again active analyses that have no job; returns their ids."""
    lease = context.settings.lease_seconds
    manager = app.job_manager
    requeued: list[str] = []
    for job in await manager.get_stalled_jobs(seconds_since_heartbeat=lease):
        log.warning("job %s (%s) lost its worker: back in the queue", job.id, job.task_name)
        await manager.retry_job(job)
        if job.task_name == "parcours.analysis":
            requeued.append(str(job.task_kwargs.get("analysis_id")))
    for row in await asyncio.to_thread(
        analysis_queue.orphans,
        store=context.store,
        lease_seconds=lease,
        unowned_after=timedelta(seconds=RECOVER_GRACE_SECONDS),
    ):
        live = [j for j in await manager.list_jobs_async(lock=row.id) if j.status in ("todo", "doing")]
        if live:
            continue
        if await asyncio.to_thread(
            analysis_queue.take_over,
            store=context.store,
            analysis_id=row.id,
            worker_id=None,
            lease_seconds=lease,
        ):
            log.warning("analysis %s had no job and no live worker: queued again", row.id)
            await app.configure_task("parcours.analysis", lock=row.id, queueing_lock=row.id).defer_async(
                analysis_id=row.id
            )
            requeued.append(row.id)
    settings = context.settings
    quiet = settings.delivery_backoff_seconds * 2**settings.delivery_max_attempts + lease
    for stranded in await asyncio.to_thread(
        deliveries.stranded, store=context.store, older_than_seconds=quiet
    ):
        jobs = await manager.list_jobs_async(queueing_lock=stranded.id)
        if any(j.status in ("todo", "doing") for j in jobs):
            continue
        log.warning("delivery %s had no job: queued again", stranded.id)
        try:
            await app.configure_task("parcours.deliver", queueing_lock=stranded.id).defer_async(
                delivery_id=stranded.id
            )
        except AlreadyEnqueued:
            pass
    return requeued


class QueueJobs:
    """What API processes use instead of the in-process `AnalysisJobs` when a queue is configured."""

    def __init__(self, store: Store, settings: Settings, *, app: App | None = None) -> None:
        self.store = store
        self.settings = settings
        self._own = app is None
        self.app = app or build_app(settings.queue_url or "", sync=True)
        self._opened = False
        self._lock = threading.Lock()

    def _open(self) -> None:
        with self._lock:
            if self._own and not self._opened:
                self.app.open()
                self._opened = True

    def submit(self, *, tenant: str, period: Period, trigger: str = "api") -> Submitted:
        """Register the run (or find the active one of the same tenant and period) and queue its job."""
        submitted = analysis_queue.create_pending(
            store=self.store, tenant=tenant, period=period, trigger=trigger, worker_id=None
        )
        if submitted.created:
            try:
                self._open()
                defer_analysis(self.app, store=self.store, analysis_id=submitted.analysis_id, tenant=tenant)
            except Exception as exc:
                analysis_queue.fail(
                    store=self.store, analysis_id=submitted.analysis_id, reason=f"could not be queued: {exc}"
                )
                raise
        return submitted

    def start(self, *, tenant: str, period: Period | None) -> str:
        """Queue a run of the period; returns its id."""
        if period is None:
            raise ValueError("an analysis needs a period")
        return self.submit(tenant=tenant, period=period).analysis_id

    def start_recovery(self) -> None:
        """Nothing to do in an API process: the workers recover orphaned runs."""

    def wait(self, analysis_id: str, timeout: float | None = None) -> None:
        """Runs execute in workers; poll `GET /v1/analyses/{id}` instead."""
        raise NotImplementedError("analyses run in `parcours worker` processes; poll their status")

    def shutdown(self) -> None:
        """Close the queue's connection pool."""
        if self._opened:
            try:
                self.app.close()
            except Exception:  # never opened
                log.debug("closing the queue app", exc_info=True)


async def run_workers(app: App, settings: Settings, *, name: str, stop: asyncio.Event | None = None) -> None:
    """Run the workers of one process until SIGTERM/SIGINT (or `stop`).

    Analyses (`PARCOURS_WORKER_CONCURRENCY` at once) run beside a light worker for deliveries and maintenance.
    """
    lease = settings.lease_seconds
    common: dict[str, Any] = {
        "install_signal_handlers": False,
        "update_heartbeat_interval": max(0.5, lease / 4),
        "stalled_worker_timeout": lease,
        "fetch_job_polling_interval": 2.0,
    }
    async with app.open_async():
        heavy = app._worker(
            queues=[ANALYSES],
            concurrency=max(1, settings.worker_concurrency),
            name=f"{name}:analyses",
            **common,
        )
        light = app._worker(queues=list(LIGHT), concurrency=2, name=f"{name}:light", **common)
        stop = stop or asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            try:
                loop.add_signal_handler(sig, stop.set)
            except (NotImplementedError, RuntimeError):  # not the main thread (tests)
                pass
        runs = [asyncio.create_task(heavy.run()), asyncio.create_task(light.run())]
        await stop.wait()
        heavy.stop()
        light.stop()
        await asyncio.gather(*runs, return_exceptions=True)


def worker_context(store: Store, settings: Settings, *, resources: Resources | None = None) -> WorkerContext:
    """The context of a new worker process."""
    return WorkerContext(
        store=store, settings=settings, worker_id=worker_identity("worker"), resources=resources
    )
