"""The weekly schedule: when it is due, which week it analyses, once per tenant, and the daily purge hook."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from api.taskqueue.schedule import (
    InProcessSchedule,
    WeeklyAt,
    last_due,
    parse_weekly_at,
    run_weekly,
    week_before,
)
from core.results import Period
from core.settings import Settings
from store import analysis_queue
from store.db import Store
from store.ingest import ingest_records
from tests.factories import at, interaction

PARIS = ZoneInfo("Europe/Paris")


def test_parse_weekly_at() -> None:
    assert parse_weekly_at("MON 06:00") == WeeklyAt(1, time(6, 0))
    assert parse_weekly_at("sunday 23:30") == WeeklyAt(7, time(23, 30))
    assert parse_weekly_at("off") is None and parse_weekly_at("") is None
    for bad in ("MONDAY", "XYZ 06:00", "MON 25:00", "MON 6"):
        with pytest.raises(ValueError, match="PARCOURS_WEEKLY_AT"):
            parse_weekly_at(bad)


def test_last_due_is_in_the_tenant_time_zone() -> None:
    when = WeeklyAt(1, time(6, 0))
    # Monday 23 Nov 2026 04:59 UTC is 05:59 in Paris: not due yet, the previous Monday is the latest due time.
    assert last_due(datetime(2026, 11, 23, 4, 59, tzinfo=UTC), when, PARIS) == datetime(
        2026, 11, 16, 6, 0, tzinfo=PARIS
    )
    assert last_due(datetime(2026, 11, 23, 5, 0, tzinfo=UTC), when, PARIS) == datetime(
        2026, 11, 23, 6, 0, tzinfo=PARIS
    )
    # Across the October time change (25 Oct 2026): still 06:00 local.
    assert last_due(datetime(2026, 10, 26, 5, 30, tzinfo=UTC), when, PARIS).hour == 6


def test_week_before_is_the_iso_week_that_just_ended() -> None:
    assert week_before(date(2026, 11, 23)) == Period(start=date(2026, 11, 16), end=date(2026, 11, 22))
    assert week_before(date(2026, 11, 29)) == Period(start=date(2026, 11, 16), end=date(2026, 11, 22))
    assert week_before(date(2027, 1, 4)) == Period(start=date(2026, 12, 28), end=date(2027, 1, 3))


def _seed(store: Store) -> None:
    records = [interaction(tenant=t, started=at(17, 9 + i)) for t in ("chu-a", "chu-b") for i in range(3)]
    records.append(interaction(tenant="chu-old", started=at(2, 9)))  # no data in the week: no report
    assert ingest_records(store, records).rejected == 0


def test_run_weekly_asks_once_per_tenant(sqlite_store: Store, settings: Settings) -> None:
    _seed(sqlite_store)
    calls: list[dict[str, Any]] = []

    def submit(**kwargs: Any) -> analysis_queue.Submitted:
        calls.append(kwargs)
        return analysis_queue.create_pending(store=sqlite_store, worker_id="w", **kwargs)

    monday = datetime(2026, 11, 23, 6, 1, tzinfo=PARIS)
    started = run_weekly(store=sqlite_store, settings=settings, submit=submit, now=monday)
    week = Period(start=date(2026, 11, 16), end=date(2026, 11, 22))
    assert [c["tenant"] for c in calls] == ["chu-a", "chu-b"] and all(c["period"] == week for c in calls)
    assert all(c["trigger"] == "schedule" for c in calls) and len(started) == 2
    assert run_weekly(store=sqlite_store, settings=settings, submit=submit, now=monday) == []  # idempotent
    before = datetime(2026, 11, 23, 5, 59, tzinfo=PARIS)  # not due: the week before has no data
    assert run_weekly(store=sqlite_store, settings=settings, submit=submit, now=before) == []
    off = settings.model_copy(update={"weekly_at": "off"})
    assert run_weekly(store=sqlite_store, settings=off, submit=submit, now=monday) == []
    assert len(calls) == 2


def test_a_running_manual_analysis_becomes_the_scheduled_one(sqlite_store: Store, settings: Settings) -> None:
    _seed(sqlite_store)
    week = Period(start=date(2026, 11, 16), end=date(2026, 11, 22))
    manual = analysis_queue.create_pending(
        store=sqlite_store, tenant="chu-a", period=week, trigger="api", worker_id="w"
    )

    def submit(**kwargs: Any) -> analysis_queue.Submitted:
        return analysis_queue.create_pending(store=sqlite_store, worker_id="w", **kwargs)

    started = run_weekly(
        store=sqlite_store, settings=settings, submit=submit, now=datetime(2026, 11, 23, 7, tzinfo=PARIS)
    )
    assert manual.analysis_id in {s.analysis_id for s in started}
    assert analysis_queue.get(store=sqlite_store, analysis_id=manual.analysis_id).trigger == "schedule"


def test_the_purge_runs_once_a_day(
    sqlite_store: Store, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    purged: list[datetime] = []
    import store.retention

    monkeypatch.setattr(store.retention, "purge", lambda *, store, settings, now, **_: purged.append(now))
    ticker = InProcessSchedule(store=sqlite_store, settings=settings, submit=lambda **_: None)  # type: ignore[arg-type]
    ticker.tick(datetime(2026, 11, 23, 10, tzinfo=UTC))
    ticker.tick(datetime(2026, 11, 23, 11, tzinfo=UTC))
    ticker.tick(datetime(2026, 11, 24, 0, 30, tzinfo=UTC))  # 01:30 in Paris: a new local day
    assert [p.day for p in purged] == [23, 24]
