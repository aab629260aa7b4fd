"""The procrastinate queue on a real PostgreSQL database: enqueue from an "API" app, run in a worker, a failed
attempt retried with backoff, one run per period, a job of a vanished worker put back and resumed."""

from __future__ import annotations

import asyncio
import threading
from datetime import date, timedelta
from typing import Any

import psycopg
import pytest

from api.taskqueue.procrastinate_queue import (
    QueueJobs,
    build_app,
    conninfo,
    recover,
    run_workers,
    worker_context,
)
from api.taskqueue.queue_schema import ensure_queue_schema
from core.results import Period
from core.settings import Settings
from store import analysis_queue
from store.db import Store
from tests.unit.api.sample import make_result

pytestmark = [pytest.mark.postgres, pytest.mark.timeout(300)]
PERIOD = Period(start=date(2026, 11, 16), end=date(2026, 11, 22))


def _settings(settings: Settings, url: str) -> Settings:
    return settings.model_copy(
        update={"queue_url": url, "lease_seconds": 2.0, "analysis_retry_seconds": 1.0, "weekly_at": "off"}
    )


def _fresh_queue(url: str) -> None:
    ensure_queue_schema(url)
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(
            "TRUNCATE procrastinate_jobs, procrastinate_workers, procrastinate_periodic_defers CASCADE"
        )


def _run_worker_until(app: Any, settings: Settings, done: Any, timeout: float = 120) -> None:
    async def main() -> None:
        stop = asyncio.Event()

        async def watch() -> None:
            loop = asyncio.get_running_loop()
            deadline = loop.time() + timeout
            while not await asyncio.to_thread(done) and loop.time() < deadline:
                await asyncio.sleep(0.2)
            stop.set()

        await asyncio.gather(run_workers(app, settings, name="test-worker", stop=stop), watch())

    asyncio.run(main())


def test_failed_attempt_is_retried_by_the_queue(pg_store: Store, settings: Settings) -> None:
    url = conninfo(pg_store.engine.url.render_as_string(hide_password=False))
    queued = _settings(settings, url)
    _fresh_queue(url)
    calls: list[str] = []

    def flaky(*, store: Store, tenant: str, period: Period, analysis_id: str, **_: Any) -> Any:
        calls.append(analysis_id)
        if len(calls) == 1:
            raise ConnectionError("Chroma server went away")
        return make_result(
            tenant=tenant, analysis_id=analysis_id, week_start=period.start, prefix=analysis_id
        )

    api = QueueJobs(pg_store, queued)
    try:
        first = api.submit(tenant="chu", period=PERIOD)
        again = api.submit(tenant="chu", period=PERIOD)
        assert first.created and again.analysis_id == first.analysis_id and not again.created
    finally:
        api.shutdown()
    context = worker_context(pg_store, queued)
    context.runner = flaky
    worker_app = build_app(url, context=context)

    def finished() -> bool:
        row = analysis_queue.get(store=pg_store, analysis_id=first.analysis_id)
        return row is not None and row.status in ("done", "failed")

    _run_worker_until(worker_app, queued, finished)
    row = analysis_queue.get(store=pg_store, analysis_id=first.analysis_id)
    assert row.status == "done" and row.attempts == 2 and calls == [first.analysis_id] * 2
    assert row.active_key is None
    with psycopg.connect(url) as conn:
        attempts = conn.execute(
            "SELECT attempts, status FROM procrastinate_jobs WHERE task_name = 'parcours.analysis'"
        ).fetchall()
    assert attempts == [(2, "succeeded")]  # one job, run twice: retried by procrastinate after the backoff


def test_a_job_whose_worker_vanished_is_put_back(pg_store: Store, settings: Settings) -> None:
    url = conninfo(pg_store.engine.url.render_as_string(hide_password=False))
    queued = _settings(settings, url)
    _fresh_queue(url)
    api = QueueJobs(pg_store, queued)
    try:
        submitted = api.submit(tenant="chu", period=PERIOD)
    finally:
        api.shutdown()
    # A worker took the job and died: the job is `doing` for a worker whose heartbeat stopped long ago.
    with psycopg.connect(url, autocommit=True) as conn:
        worker = conn.execute(
            "INSERT INTO procrastinate_workers (last_heartbeat) "
            "VALUES (now() - interval '1 hour') RETURNING id"
        ).fetchone()[0]
        conn.execute(
            "UPDATE procrastinate_jobs SET status = 'doing', worker_id = %s "
            "WHERE task_name = 'parcours.analysis'",
            (worker,),
        )
    with pg_store.session() as session:
        from store.schema import AnalysisRow

        row = session.get(AnalysisRow, submitted.analysis_id)
        row.status, row.step, row.attempts = "running", "discover", 1
        row.worker_id, row.heartbeat_at = "gone:1:worker:x", analysis_queue.now() - timedelta(hours=1)
    context = worker_context(pg_store, queued)
    context.runner = lambda *, tenant, period, analysis_id, **_: make_result(
        tenant=tenant, analysis_id=analysis_id, week_start=period.start, prefix=analysis_id
    )
    worker_app = build_app(url, context=context)

    async def put_back() -> list[str]:
        async with worker_app.open_async():
            return await recover(worker_app, context)

    assert asyncio.run(put_back()) == [submitted.analysis_id]

    def finished() -> bool:
        current = analysis_queue.get(store=pg_store, analysis_id=submitted.analysis_id)
        return current is not None and current.status == "done"

    thread = threading.Thread(target=_run_worker_until, args=(worker_app, queued, finished))
    thread.start()
    thread.join(180)
    done = analysis_queue.get(store=pg_store, analysis_id=submitted.analysis_id)
    assert done.status == "done" and done.attempts == 2 and done.worker_id == context.worker_id


def test_theme_vectors_are_computed_by_a_worker(pg_store: Store, settings: Settings) -> None:
    from analytics.theme_vectors import pending
    from api.taskqueue.procrastinate_queue import defer_theme_vectors
    from store.embedder import FakeEmbedder
    from store.ingest import ingest_records
    from tests.factories import at, interaction

    url = conninfo(pg_store.engine.url.render_as_string(hide_password=False))
    queued = _settings(settings, url)
    _fresh_queue(url)
    words = ["prescription renewal refused", "parking machine broken", "lab results missing"]
    records = [
        interaction(
            id=f"tv-{i}",
            language="en",
            started=at(17, 9, i),
            transcript=[{"speaker": "patient", "text": f"{words[i % 3]} number {i}"}],
        )
        for i in range(9)
    ]
    ingest_records(pg_store, records)
    assert pending(pg_store) == 9
    enqueue = build_app(url, sync=True)
    with enqueue.open():
        defer_theme_vectors(enqueue)
        defer_theme_vectors(enqueue)  # one job waits at a time: it will see every new interaction
    with psycopg.connect(url) as conn:
        jobs = conn.execute(
            "SELECT count(*) FROM procrastinate_jobs WHERE task_name = 'parcours.theme_vectors'"
        ).fetchone()[0]
    assert jobs == 1
    fake = FakeEmbedder()
    context = worker_context(pg_store, queued, resources=lambda: (None, fake))
    _run_worker_until(build_app(url, context=context), queued, lambda: pending(pg_store) == 0)
    assert pending(pg_store) == 0 and fake.texts_encoded == 9
