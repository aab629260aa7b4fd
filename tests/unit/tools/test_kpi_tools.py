from __future__ import annotations

from datetime import date

import pytest

from core.results import Anomaly, Period
from store.db import Store
from store.ingest import ingest_records
from tests.factories import at, interaction
from tests.unit.tools.conftest import call
from tools.context import ParcoursContext
from tools.kpi import format_anomalies, resolve_period
from tools.search import parse_period as search_period

W47 = Period(start=date(2026, 11, 16), end=date(2026, 11, 22))
W46 = Period(start=date(2026, 11, 9), end=date(2026, 11, 15))


@pytest.fixture
def context(sqlite_store: Store) -> ParcoursContext:
    records = []
    for i in range(40):
        records.append(interaction(started=at(9 + i % 5, 9, i), queue="cardiologie", csat=5))
        records.append(
            interaction(started=at(16 + i % 5, 9, i), queue="cardiologie", csat=5 if i < 10 else 1)
        )
    for i in range(4):
        records.append(interaction(started=at(17, 11, i), queue="radiologie", csat=4))
    assert ingest_records(sqlite_store, records).rejected == 0
    return ParcoursContext(store=sqlite_store, tenant="default", period=W47, baseline=W46)


def test_kpi_query_returns_a_table_with_counts_intervals_and_small_sample_flags(
    context: ParcoursContext,
) -> None:
    text = call(context, "kpi_query", metric="csat", by="queue")
    lines = text.splitlines()
    assert lines[0].startswith("csat (share) 2026-11-16..2026-11-22 by queue")
    assert lines[1] == "queue | value | 95% CI | n | note"
    assert lines[2].startswith("cardiologie | 25.0% | [14.2%, 40.2%] | 40 |")
    assert lines[3].startswith("radiologie | 100.0% |") and lines[3].endswith("| 4 | !")


def test_kpi_query_with_filters_and_an_explicit_week(context: ParcoursContext) -> None:
    text = call(context, "kpi_query", metric="volume", period="2026-W46", filters={"queue": "cardiologie"})
    assert "2026-11-09..2026-11-15" in text
    assert text.splitlines()[-1].startswith("40 |")


def test_kpi_query_reports_bad_arguments_to_the_model(context: ParcoursContext) -> None:
    assert call(context, "kpi_query", metric="nps").startswith("Error: unknown metric 'nps'")
    assert "unknown dimension" in call(context, "kpi_query", metric="csat", by="site")


def test_compare_periods_uses_the_context_baseline(context: ParcoursContext) -> None:
    text = call(context, "compare_periods", metric="csat", by="queue")
    lines = text.splitlines()
    assert lines[0] == "csat 2026-11-16..2026-11-22 vs 2026-11-09..2026-11-15 by queue"
    assert lines[2].startswith("cardiologie | 25.0% | 100.0% | -75.0% | <0.001 | <0.001 | 40 | 40")
    assert lines[3].startswith("radiologie | 100.0% | - |")


def test_find_anomalies_on_quiet_data_says_so(context: ParcoursContext) -> None:
    assert (
        call(context, "find_anomalies") == "No significant KPI anomaly by segment in 2026-11-16..2026-11-22."
    )


def test_anomalies_are_listed_worst_first_with_their_explanation() -> None:
    anomaly = Anomaly(
        metric="response_time",
        segment={"queue": "radiologie", "weekday": 1, "hour": 8},
        value=822.0,
        expected=56.0,
        score=6.4,
        volume=11,
        p_value=0.0005,
        explanation="Average wait in queue radiologie, Monday, 08:00–09:00 was 822 s against 56 s usually.",
    )
    text = format_anomalies([anomaly], W47)
    assert "1. response_time [queue=radiologie, weekday=1, hour=8] value=822 expected=56 score=6.4" in text
    assert "volume=11 q=<0.001 — Average wait in queue radiologie" in text


def test_periods_from_tool_arguments(context: ParcoursContext) -> None:
    assert resolve_period(None, context) == W47
    assert resolve_period("baseline", context) == W46
    assert resolve_period("2026-w46", context) == W46
    # a bare day is that day, as for the search tool (it used to be the week starting on it)
    day = W47.start + (W47.end - W47.start) / 2
    assert resolve_period(day.isoformat(), context) == Period(start=day, end=day)
    assert search_period(day.isoformat(), context) == (day, day)
    with pytest.raises(ValueError, match="no period"):
        resolve_period("current", ParcoursContext(store=context.store))
