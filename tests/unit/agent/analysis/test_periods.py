from __future__ import annotations

from datetime import date

import pytest

from agent.analysis.periods import data_week, default_period
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


def test_a_fresh_deployment_analyses_its_incomplete_week_with_a_note(sqlite_store):
    _ingest(sqlite_store, [date(2026, 11, 17), date(2026, 11, 18)])
    period, notes = default_period(sqlite_store, "default")
    assert (period.start, period.end) == (date(2026, 11, 16), date(2026, 11, 22))
    assert notes == ["week 2026-W47 is incomplete (data ends 2026-11-18); analysed anyway"]


def test_no_data_is_a_clear_error(sqlite_store):
    with pytest.raises(ValueError, match="no interactions"):
        default_period(sqlite_store, "default")
    assert data_week(sqlite_store, "default") is None
