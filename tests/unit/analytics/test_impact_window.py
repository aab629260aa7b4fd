"""The windows of an adopted action's target: *before* back to the weeks the friction was already present
(stored earlier analyses), and the hours next to the friction that show the same degradation."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import pytest

from analytics.anomalies import neighbour_hours, segment_degraded
from analytics.impact_targets import adoption_targets, friction_since
from core.results import AnalysisResult, Period
from store.action_targets import open_targets
from store.analyses import result_ending
from store.analyses import save as save_result
from store.db import Store
from store.ingest import ingest_records
from tests.unit.api.sample import WEEK_START, make_result

SEGMENT = {"theme": "th-renewal"}
"""The segment of make_result's first friction (a theme)."""


def _week(start: date, *, analysis_id: str, holds: bool = True) -> AnalysisResult:
    """A stored-looking weekly result from `start`, holding the renewal friction or not (no actions)."""
    result = make_result(analysis_id=analysis_id, week_start=start)
    frictions = result.frictions if holds else [f for f in result.frictions if f.theme_id != "th-renewal"]
    return result.model_copy(update={"frictions": frictions, "actions": []})


def _lookup(*results: AnalysisResult) -> Any:
    by_end = {r.period.end: r for r in results}
    return lambda end: by_end.get(end)


FOUND_IN = Period(start=WEEK_START, end=WEEK_START + timedelta(days=6))


def test_an_earlier_analysis_holding_the_friction_extends_before() -> None:
    earlier = _week(WEEK_START - timedelta(days=7), analysis_id="an-1")
    first = friction_since(
        SEGMENT, found_in=FOUND_IN, earliest=WEEK_START - timedelta(days=28), earlier=_lookup(earlier)
    )
    assert first == WEEK_START - timedelta(days=7)


def test_consecutive_earlier_analyses_extend_it_week_by_week_and_a_gap_stops_it() -> None:
    weeks = [_week(WEEK_START - timedelta(days=7 * k), analysis_id=f"an-{k}") for k in (1, 2)]
    first = friction_since(
        SEGMENT, found_in=FOUND_IN, earliest=WEEK_START - timedelta(days=28), earlier=_lookup(*weeks)
    )
    assert first == WEEK_START - timedelta(days=14)
    gap = _week(WEEK_START - timedelta(days=14), analysis_id="an-2")  # the week between was not analysed
    first = friction_since(
        SEGMENT, found_in=FOUND_IN, earliest=WEEK_START - timedelta(days=28), earlier=_lookup(gap)
    )
    assert first == WEEK_START


def test_an_earlier_analysis_without_the_friction_does_not_extend_before() -> None:
    earlier = _week(WEEK_START - timedelta(days=7), analysis_id="an-1", holds=False)
    older = _week(WEEK_START - timedelta(days=14), analysis_id="an-2")  # behind a week without it: not used
    first = friction_since(
        SEGMENT, found_in=FOUND_IN, earliest=WEEK_START - timedelta(days=28), earlier=_lookup(earlier, older)
    )
    assert first == WEEK_START


def test_the_baseline_weeks_bound_the_extension() -> None:
    weeks = [_week(WEEK_START - timedelta(days=7 * k), analysis_id=f"an-{k}") for k in range(1, 7)]
    first = friction_since(
        SEGMENT, found_in=FOUND_IN, earliest=WEEK_START - timedelta(days=17), earlier=_lookup(*weeks)
    )
    assert first == WEEK_START - timedelta(days=17)  # mid-week: the bound, not the analysed week's Monday
    result = make_result(analysis_id="an-current")
    start = WEEK_START + timedelta(days=14)
    targets = adoption_targets(
        action=result.actions[0],
        frictions=result.frictions,
        period=result.period,
        start=start,
        baseline_weeks=4,
        earlier=_lookup(*weeks),
    )
    assert [t["before_start"] for t in targets] == [start - timedelta(days=28)]


@pytest.mark.parametrize("store", ["sqlite", "postgresql"], indirect=True)
def test_moving_an_action_to_in_progress_reads_the_stored_earlier_weeks(store: Store) -> None:
    from api.queries import change_action_status

    for k, holds in ((1, True), (2, True), (3, False)):
        save_result(store, _week(WEEK_START - timedelta(days=7 * k), analysis_id=f"an-{k}", holds=holds))
    save_result(
        store,
        _week(WEEK_START - timedelta(days=7), analysis_id="an-1-other-tenant").model_copy(
            update={"tenant": "other"}
        ),
    )
    result = make_result(analysis_id="an-current")
    save_result(store, result)
    action_id = result.actions[0].action_id
    change_action_status(store, tenant="default", action_id=action_id, status="accepted", by="t")
    start = WEEK_START + timedelta(days=14)
    change_action_status(
        store, tenant="default", action_id=action_id, status="in_progress", by="t", started_on=start
    )
    (target,) = [t for t in open_targets(store, tenant="default") if t.action_id == action_id]
    assert target.segment == SEGMENT
    assert target.before_start == WEEK_START - timedelta(days=14)  # weeks -1 and -2 hold it, week -3 not


@pytest.mark.parametrize("store", ["sqlite", "postgresql"], indirect=True)
def test_the_latest_run_of_a_period_speaks_for_it(store: Store) -> None:
    end = WEEK_START - timedelta(days=1)
    assert result_ending(store, tenant="default", end=end) is None
    save_result(store, _week(WEEK_START - timedelta(days=7), analysis_id="an-old", holds=True))
    save_result(store, _week(WEEK_START - timedelta(days=7), analysis_id="an-new", holds=False))
    found = result_ending(store, tenant="default", end=end)
    assert found is not None and found.analysis_id == "an-new"
    assert result_ending(store, tenant="other", end=end) is None


MONDAY = date(2026, 10, 5)
QUEUES = ("radiologie", "cardiologie", "pharmacie")


def _records(degraded: tuple[int, ...], seed: int, weeks: tuple[int, ...] = (4,)) -> list[dict[str, Any]]:
    """Monday 7–13 h waits in three queues over five weeks; in `weeks` (0-based), radiology's `degraded` hours
    ×4."""
    rng = np.random.default_rng(seed)
    zone = ZoneInfo("Europe/Paris")
    out = []
    for week in range(5):
        day = MONDAY + timedelta(days=7 * week)
        for queue in QUEUES:
            for hour in range(7, 13):
                factor = 4.0 if week in weeks and queue == "radiologie" and hour in degraded else 1.0
                for i in range(12):
                    started = datetime(day.year, day.month, day.day, hour, i * 5, tzinfo=zone)
                    out.append(
                        {
                            "id": f"c-{week}-{queue}-{hour}-{i}",
                            "queue": queue,
                            "channel": "phone",
                            "started_at": started.isoformat(),
                            "wait_seconds": round(float(120.0 * factor * rng.gamma(2.0, 0.5)), 1),
                            "abandoned": False,
                            "patient_ref": f"p-{week}-{queue}-{hour}-{i}",
                            "text": "Bonjour, je voudrais un rendez-vous.",
                        }
                    )
    return out


PERIOD = Period(start=MONDAY + timedelta(days=28), end=MONDAY + timedelta(days=34))


def _widen(store: Store, hours: list[int], metrics: list[str] | None = None) -> list[int]:
    return neighbour_hours(
        store=store,
        tenant="default",
        period=PERIOD,
        segment={"queue": "radiologie", "weekday": 1, "hour": hours},
        metrics=metrics or ["response_time"],
    )


def test_a_friction_hour_widens_to_the_adjacent_hours_with_the_same_degradation(sqlite_store: Store) -> None:
    ingest_records(sqlite_store, _records(degraded=(8, 9, 10), seed=1), source="test", indexer=None)
    assert _widen(sqlite_store, [9]) == [8, 9, 10]  # 7 and 11 are tested and stay out
    assert _widen(sqlite_store, [9], ["csat"]) == [9]  # no satisfaction in the data: nothing to show
    other = {"queue": "cardiologie", "weekday": 1, "hour": [9]}
    assert neighbour_hours(
        store=sqlite_store, tenant="default", period=PERIOD, segment=other, metrics=["response_time"]
    ) == [9]  # nothing degraded next to it


def test_hours_without_the_degradation_do_not_join(sqlite_store: Store) -> None:
    ingest_records(sqlite_store, _records(degraded=(9,), seed=2), source="test", indexer=None)
    assert _widen(sqlite_store, [9]) == [9]
    assert (
        neighbour_hours(
            store=sqlite_store,
            tenant="default",
            period=PERIOD,
            segment={"queue": "radiologie", "weekday": 1},
            metrics=["response_time"],
        )
        == []
    )  # a segment without hours keeps none


def _week_of(index: int) -> Period:
    return Period(start=MONDAY + timedelta(days=7 * index), end=MONDAY + timedelta(days=7 * index + 6))


def test_the_weeks_whose_data_show_the_friction_extend_before(sqlite_store: Store) -> None:
    items = _records(degraded=(8, 9), seed=3, weeks=(3, 4))
    ingest_records(sqlite_store, items, source="test", indexer=None)
    segment = {"queue": "radiologie", "weekday": 1, "hour": [8, 9]}

    def shows(week: Period) -> bool:
        return segment_degraded(
            store=sqlite_store, tenant="default", period=week, segment=segment, metrics=["response_time"]
        )

    assert shows(_week_of(3)) is True
    assert shows(_week_of(2)) is False  # before the degradation (two weeks of baseline: it was tested)
    calm = {"queue": "cardiologie", "weekday": 1, "hour": [8, 9]}
    assert not segment_degraded(
        store=sqlite_store, tenant="default", period=_week_of(3), segment=calm, metrics=["response_time"]
    )
    assert not segment_degraded(
        store=sqlite_store, tenant="default", period=_week_of(3), segment=SEGMENT, metrics=["response_time"]
    )  # a theme: not a queue segment
    first = friction_since(
        segment,
        found_in=_week_of(4),
        earliest=MONDAY,
        earlier=_lookup(),  # no stored analysis: the data speak
        shows=shows,
    )
    assert first == _week_of(3).start  # the week before shows it, the one before that does not
