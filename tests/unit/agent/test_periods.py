from __future__ import annotations

from datetime import date

import pytest

from agent.analysis.periods import baseline_for, default_period, week_period
from store.ingest import ingest_records
from tests.factories import at, interaction


def _ingest(store, days):
    ingest_records(store, [interaction(id=f"d-{d:%m%d}", started=at(d.day, 10, month=d.month)) for d in days])


def test_latest_sunday_means_its_week_is_complete(sqlite_store):
    _ingest(sqlite_store, [date(2026, 11, 16), date(2026, 11, 22)])
    period, notes = default_period(sqlite_store, "default")
    assert (period.start, period.end, notes) == (date(2026, 11, 16), date(2026, 11, 22), [])


def test_incomplete_last_week_falls_back_to_the_previous_full_week(sqlite_store):
    _ingest(sqlite_store, [date(2026, 11, 12), date(2026, 11, 18)])
    period, notes = default_period(sqlite_store, "default")
    assert (period.start, period.end, notes) == (date(2026, 11, 9), date(2026, 11, 15), [])


def test_no_data_is_a_clear_error(sqlite_store):
    with pytest.raises(ValueError, match="no interactions"):
        default_period(sqlite_store, "default")


def test_baseline_is_the_weeks_before():
    period = week_period("2026-W47")
    assert baseline_for(period, 4).model_dump() == {"start": date(2026, 10, 19), "end": date(2026, 11, 15)}
    with pytest.raises(ValueError):
        week_period("2026-47")
