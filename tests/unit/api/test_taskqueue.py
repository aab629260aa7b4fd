"""In-process analyses: fair scheduling, one run per period, the per-tenant cap, leases and crash recovery."""

from __future__ import annotations

import threading
from datetime import date, timedelta
from typing import Any

import pytest

from api.jobs import AnalysisJobs
from api.taskqueue.fair import FairQueue
from core.results import Period
from core.settings import Settings
from store import analysis_queue
from store.db import Store
from store.schema import AnalysisRow
from tests.unit.api.sample import make_result


def week(n: int) -> Period:
    start = date(2026, 9, 7) + timedelta(weeks=n)
    return Period(start=start, end=start + timedelta(days=6))


def result_runner(
    order: list[str] | None = None,
    gate: threading.Event | None = None,
    started: threading.Event | None = None,
) -> Any:
    def run(*, store: Store, tenant: str, period: Period, analysis_id: str, **_: Any) -> Any:
        if order is not None:
            order.append(f"{tenant}:{period.start}")
        if started is not None:
            started.set()
        if gate is not None:
            assert gate.wait(20)
        return make_result(
            tenant=tenant, analysis_id=analysis_id, week_start=period.start, prefix=analysis_id
        )

    return run


def fast(settings: Settings, **values: Any) -> Settings:
    return settings.model_copy(update={"lease_seconds": 2.0, "analysis_retry_seconds": 0.05, **values})


def test_fair_queue_serves_the_waiting_tenant_before_the_busy_one() -> None:
    queue: FairQueue[str] = FairQueue()
    for i in range(5):
        queue.put("a", f"a{i}")
    first = queue.get(timeout=1)
    queue.put("b", "b0")  # arrives while a0 runs
    queue.done("a")
    order = [first] + [queue.get(timeout=1) for _ in range(5)]
    assert [item for _, item in order] == ["a0", "b0", "a1", "a2", "a3", "a4"]  # type: ignore[misc]


def test_one_tenant_does_not_starve_another(sqlite_store: Store, settings: Settings) -> None:
    order: list[str] = []
    gate = threading.Event()
    jobs = AnalysisJobs(sqlite_store, fast(settings), runner=result_runner(order, gate), max_workers=1)
    try:
        ids = [jobs.submit(tenant="big", period=week(i)).analysis_id for i in range(5)]
        ids.append(jobs.submit(tenant="small", period=week(0)).analysis_id)
        gate.set()
        for analysis_id in ids:
            assert jobs.wait(analysis_id, timeout=30) == "done"
    finally:
        jobs.shutdown()
    assert order.index("small:2026-09-07") <= 1, order  # second at the latest, never sixth


def test_the_same_period_twice_gives_the_running_analysis(sqlite_store: Store, settings: Settings) -> None:
    gate = threading.Event()
    jobs = AnalysisJobs(sqlite_store, fast(settings), runner=result_runner(gate=gate))
    try:
        first = jobs.submit(tenant="t", period=week(1))
        second = jobs.submit(tenant="t", period=week(1))
        assert first.created and not second.created and second.analysis_id == first.analysis_id
        other = jobs.submit(tenant="u", period=week(1))
        assert other.created and other.analysis_id != first.analysis_id
        gate.set()
        assert jobs.wait(first.analysis_id, timeout=30) == "done"
        again = jobs.submit(tenant="t", period=week(1))  # done: a new request starts a new run
        assert again.created and again.analysis_id != first.analysis_id
        assert jobs.wait(again.analysis_id, timeout=30) == "done"
    finally:
        jobs.shutdown()


def test_a_finished_run_whose_key_was_never_released_does_not_block(sqlite_store: Store) -> None:
    first = analysis_queue.create_pending(
        store=sqlite_store, tenant="t", period=week(2), trigger="api", worker_id="w"
    )
    with sqlite_store.session() as session:
        session.get(
            AnalysisRow, first.analysis_id
        ).status = "done"  # its process died before releasing the key
    second = analysis_queue.create_pending(
        store=sqlite_store, tenant="t", period=week(2), trigger="api", worker_id="w"
    )
    assert second.created and second.analysis_id != first.analysis_id


def test_api_dedup_and_cap(world: Any) -> None:
    gate = threading.Event()
    jobs = world.client.app.state.jobs
    jobs._runner = result_runner(gate=gate)
    jobs.settings = jobs.settings.model_copy(update={"max_queued_analyses": 2})
    world.client.app.state.settings = jobs.settings
    headers = world.headers("alpha", "manage")
    try:
        first = world.client.post("/v1/analyses", json={"week": "2026-W40"}, headers=headers)
        same = world.client.post("/v1/analyses", json={"week": "2026-W40"}, headers=headers)
        assert first.status_code == 202 and same.status_code == 200
        assert same.json()["analysis_id"] == first.json()["analysis_id"]
        assert (
            world.client.post("/v1/analyses", json={"week": "2026-W41"}, headers=headers).status_code == 202
        )
        full = world.client.post("/v1/analyses", json={"week": "2026-W42"}, headers=headers)
        assert full.status_code == 429 and full.json()["error"] == "too_many_requests"
        assert int(full.headers["Retry-After"]) >= 1 and "at most 2" in full.json()["message"]
        other = world.client.post(
            "/v1/analyses", json={"week": "2026-W42"}, headers=world.headers("beta", "manage")
        )
        assert other.status_code == 202  # the cap is per tenant
    finally:
        gate.set()
    jobs.wait(first.json()["analysis_id"], timeout=30)
    assert world.client.post("/v1/analyses", json={"week": "2026-W42"}, headers=headers).status_code in (
        200,
        202,
    )


def _dead_run(
    store: Store, *, tenant: str, period: Period, attempts: int = 1, status: str = "running"
) -> str:
    submitted = analysis_queue.create_pending(
        store=store, tenant=tenant, period=period, trigger="api", worker_id="gone-host:4242:api:abcdef"
    )
    with store.session() as session:
        row = session.get(AnalysisRow, submitted.analysis_id)
        row.status, row.step, row.attempts = status, "discover", attempts
        row.heartbeat_at = analysis_queue.now() - timedelta(minutes=5)
    return submitted.analysis_id


def test_a_run_whose_process_died_is_resumed_at_start(sqlite_store: Store, settings: Settings) -> None:
    analysis_id = _dead_run(sqlite_store, tenant="t", period=week(3))
    seen: list[dict[str, Any]] = []

    def runner(**kwargs: Any) -> Any:
        seen.append(kwargs)
        return result_runner()(**kwargs)

    jobs = AnalysisJobs(sqlite_store, fast(settings), runner=runner)
    try:
        assert jobs.recover() == [analysis_id]
        assert jobs.wait(analysis_id, timeout=30) == "done"
        assert jobs.recover() == []  # nothing left to take
    finally:
        jobs.shutdown()
    # resumed under its own id: the LangGraph thread of its checkpoints
    assert seen[0]["thread_id"] == analysis_id and seen[0]["period"] == week(3)
    row = analysis_queue.get(store=sqlite_store, analysis_id=analysis_id)
    assert (
        row.status == "done"
        and row.attempts == 2
        and row.worker_id == jobs.worker_id
        and row.active_key is None
    )


def test_a_run_that_keeps_killing_its_worker_is_failed_with_a_reason(
    sqlite_store: Store, settings: Settings
) -> None:
    analysis_id = _dead_run(sqlite_store, tenant="t", period=week(4), attempts=3)
    jobs = AnalysisJobs(sqlite_store, fast(settings), runner=result_runner())
    try:
        assert jobs.recover() == [analysis_id]
        assert jobs.wait(analysis_id, timeout=30) == "failed"
    finally:
        jobs.shutdown()
    row = analysis_queue.get(store=sqlite_store, analysis_id=analysis_id)
    assert row.status == "failed" and "gave up after 3 attempts" in row.error


def test_a_live_lease_is_not_taken_and_an_expired_one_is(sqlite_store: Store, settings: Settings) -> None:
    gate = threading.Event()
    owner = AnalysisJobs(sqlite_store, fast(settings), runner=result_runner(gate=gate))
    other = AnalysisJobs(sqlite_store, fast(settings), runner=result_runner())
    try:
        analysis_id = owner.submit(tenant="t", period=week(5)).analysis_id
        assert other.recover() == []  # the owner renews its lease every 0.5 s
        owner._beat.stop()  # the owner freezes: no more heartbeats
        deadline = threading.Event()
        taken: list[str] = []
        for _ in range(40):
            taken = other.recover()
            if taken or deadline.wait(0.25):
                break
        assert taken == [analysis_id]
        assert other.wait(analysis_id, timeout=30) == "done"
    finally:
        gate.set()
        owner.shutdown()
        other.shutdown()


def test_shutdown_hands_queued_runs_over_at_once(sqlite_store: Store, settings: Settings) -> None:
    gate, started = threading.Event(), threading.Event()
    runner = result_runner(gate=gate, started=started)
    first = AnalysisJobs(sqlite_store, fast(settings, lease_seconds=600.0), runner=runner)
    running = first.submit(tenant="t", period=week(6)).analysis_id
    queued = first.submit(tenant="t", period=week(7)).analysis_id
    assert started.wait(30)  # the first run is running (on a loaded machine its thread may start late)
    stopper = threading.Thread(target=first.shutdown)
    stopper.start()
    gate.set()
    stopper.join(30)
    assert analysis_queue.get(store=sqlite_store, analysis_id=running).status == "done"
    second = AnalysisJobs(sqlite_store, fast(settings, lease_seconds=600.0), runner=result_runner())
    try:
        assert second.recover() == [queued]  # no need to wait for a 10-minute lease
        assert second.wait(queued, timeout=30) == "done"
    finally:
        second.shutdown()


@pytest.mark.parametrize(
    "world", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)], indirect=True
)
def test_status_shows_attempts_and_trigger(world: Any) -> None:
    jobs = world.client.app.state.jobs
    jobs._runner = result_runner()
    headers = world.headers("alpha", "manage")
    analysis_id = world.client.post("/v1/analyses", json={"week": "2026-W39"}, headers=headers).json()[
        "analysis_id"
    ]
    assert jobs.wait(analysis_id, timeout=30) == "done"
    status = world.client.get(f"/v1/analyses/{analysis_id}", headers=headers).json()
    assert status["attempts"] == 1 and status["trigger"] == "api" and status["status"] == "done"
