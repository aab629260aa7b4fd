"""The impact estimator: planted effects found inside their interval, placebos silent, too-early said."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from typing import Any

import numpy as np
import pytest

from analytics.impact import measure_metric, measure_target
from analytics.impact_targets import adoption_targets, friction_segment
from core.results import Action, ExpectedImpact, Friction, Period
from store.action_targets import Target
from store.db import Store
from store.ingest import ingest_records

PARIS = timezone(timedelta(hours=1))
MONDAY = date(2026, 10, 5)
"""First Monday of the generated weeks (winter time in Paris from 25 October: offsets come from zoneinfo)."""
QUEUES = (
    "radiologie",
    "cardiologie",
    "pharmacie",
    "informations",
    "laboratoire",
    "maternite",
    "urgences",
    "pediatrie",
)
"""The target queue and seven comparisons: with few comparison days, the between-day variance is uncertain."""
START = MONDAY + timedelta(days=14)
SEGMENT = {"queue": "radiologie", "weekday": 1, "hour": [8, 9]}


def records(
    *,
    seed: int,
    effect: float = 0.0,
    everyone: float = 1.0,
    per_cell: int = 12,
    weeks: int = 4,
    after_per_cell: int | None = None,
) -> list[dict[str, Any]]:
    """Monday 8–10 h waits in eight queues over `weeks` weeks; from START, radiology waits × (1 - effect).

    `everyone` multiplies every queue's waits from START (a change the comparison segments share).
    """
    from zoneinfo import ZoneInfo

    rng = np.random.default_rng(seed)
    out = []
    zone = ZoneInfo("Europe/Paris")
    for week in range(weeks):
        day = MONDAY + timedelta(days=7 * week)
        after = day >= START
        for q, queue in enumerate(QUEUES):
            for hour in (8, 9):
                count = after_per_cell if after and after_per_cell is not None else per_cell
                level = 100.0 * (1 + 0.3 * q) * rng.uniform(0.85, 1.15)  # an hour's load
                for i in range(count):
                    wait = level * rng.gamma(2.0, 0.5)
                    if after:
                        wait *= everyone * ((1 - effect) if queue == "radiologie" else 1.0)
                    started = datetime(day.year, day.month, day.day, hour, i % 60, tzinfo=zone)
                    out.append(
                        {
                            "id": f"c-{week}-{queue}-{hour}-{i}",
                            "queue": queue,
                            "channel": "phone",
                            "started_at": started.isoformat(),
                            "wait_seconds": round(float(wait), 1),
                            "abandoned": False,
                            "patient_ref": f"p-{week}-{q}-{hour}-{i}",
                            "text": "Bonjour, je voudrais un rendez-vous.",
                        }
                    )
    return out


def _load(store: Store, items: list[dict[str, Any]]) -> None:
    summary = ingest_records(store, items, source="test", indexer=None)
    assert summary.rejected == 0, summary.errors[:3]


def adopt(store: Store, *, by: str = "t", analysis_id: str = "an-current") -> str:
    """Ingest generated weeks where the radiology waits fall by 40 % from START, save a result and move its
    first action to in progress from START with the radiology segment as its target; the action's id."""
    from api.queries import change_action_status
    from store.analyses import save as save_result
    from tests.unit.api.sample import make_result

    _load(store, records(seed=3, effect=0.4))
    result = make_result(analysis_id=analysis_id)
    save_result(store, result)
    action_id = result.actions[0].action_id
    change_action_status(store, tenant="default", action_id=action_id, status="accepted", by=by)
    change_action_status(
        store,
        tenant="default",
        action_id=action_id,
        status="in_progress",
        by=by,
        started_on=START,
        target={"segment": SEGMENT, "metrics": ["response_time"]},
    )
    return action_id


def _measure(store: Store, others: list[dict[str, Any]] | None = None, end_weeks: int = 4) -> Any:
    return measure_metric(
        store=store,
        tenant="default",
        metric="response_time",
        segment=SEGMENT,
        start=START,
        before=Period(start=MONDAY, end=START - timedelta(days=1)),
        after=Period(start=START, end=MONDAY + timedelta(days=7 * end_weeks - 1)),
        others=others or [],
    )


def test_a_planted_fall_of_waits_lies_inside_the_interval_and_reads_improved(sqlite_store: Store) -> None:
    _load(sqlite_store, records(seed=3, effect=0.4))
    effect, compared = _measure(sqlite_store)
    assert effect.state == "improved"
    assert effect.scale == "relative"
    assert effect.ci is not None and effect.ci[0] <= -0.4 <= effect.ci[1]
    assert effect.p_value is not None and effect.p_value < 0.05
    assert effect.n_before == 48 and effect.n_after == 48
    assert compared["dimension"] == "queue"
    assert compared["values"] == sorted(QUEUES[1:])


def test_a_placebo_reports_no_effect(sqlite_store: Store) -> None:
    _load(sqlite_store, records(seed=5, effect=0.0))
    effect, _ = _measure(sqlite_store)
    assert effect.state == "no_effect_detected"
    assert effect.ci is not None and effect.ci[0] <= 0.0 <= effect.ci[1]
    assert effect.p_value is not None and effect.p_value >= 0.05


def test_a_change_every_segment_shares_is_not_the_action_and_is_said(sqlite_store: Store) -> None:
    _load(sqlite_store, records(seed=7, effect=0.0, everyone=1.8))
    effect, _ = _measure(sqlite_store)
    assert effect.state == "no_effect_detected"
    assert effect.after is not None and effect.before is not None and effect.after > 1.4 * effect.before
    assert effect.comparison_moved is True


def test_too_few_contacts_since_the_start_is_too_early(sqlite_store: Store) -> None:
    _load(sqlite_store, records(seed=9, effect=0.4, after_per_cell=2))
    effect, _ = _measure(sqlite_store)
    assert effect.n_after == 8
    assert effect.state == "too_early"


def test_segments_another_open_action_touches_are_not_comparisons(sqlite_store: Store) -> None:
    _load(sqlite_store, records(seed=11, effect=0.4))
    _, compared = _measure(sqlite_store, others=[{"queue": "pharmacie", "weekday": 1, "hour": [9, 10]}])
    assert compared["values"] == sorted(q for q in QUEUES[1:] if q != "pharmacie")
    _, compared = _measure(sqlite_store, others=[{"queue": "pharmacie", "weekday": 2}])
    assert "pharmacie" in compared["values"]  # another weekday: not the same contacts


def test_a_target_starting_after_the_window_is_too_early(sqlite_store: Store) -> None:
    _load(sqlite_store, records(seed=13, effect=0.4, weeks=2))
    target = Target(
        action_id="ac-1",
        tenant="default",
        friction_id="fr-1",
        segment=SEGMENT,
        metrics=["response_time"],
        start=START,
        before_start=MONDAY,
        status="in_progress",
    )
    measured = measure_target(
        store=sqlite_store, tenant="default", target=target, end=START - timedelta(days=1)
    )
    assert measured.state == "too_early"


def _friction(**overrides: Any) -> Friction:
    values: dict[str, Any] = {
        "friction_id": "fr-radio",
        "rank": 1,
        "title": "Attente longue en radiologie le lundi 8–10 h",
        "kind": "segment",
        "segment": {"queue": "radiologie", "weekday": 1, "hours": [9, 8]},
        "score": 1.0,
        "volume": 40,
        "share": 0.02,
        "signals": {
            "anomalies": [
                {"metric": "response_time", "value": 900.0, "expected": 120.0, "score": 6.0},
                {"metric": "abandonment", "value": 0.3, "expected": 0.05, "score": 4.0},
            ],
            "worse": ["csat_gap"],
        },
    }
    values.update(overrides)
    return Friction(**values)


def _action(**overrides: Any) -> Action:
    values: dict[str, Any] = {
        "action_id": "ac-staff",
        "rank": 1,
        "title": "Renfort aux heures de pointe",
        "description": "…",
        "playbook_id": "staffing-at-peaks",
        "friction_ids": ["fr-radio", "fr-theme", "fr-gone"],
        "kpi_targets": ["abandonment", "response_time"],
        "expected_impact": ExpectedImpact(patients_affected=40, kpi="response_time", delta=-0.3),
        "effort": "M",
        "confidence": 0.6,
        "score": 1.0,
    }
    values.update(overrides)
    return Action(**values)


def test_the_target_comes_from_the_frictions_the_action_answers() -> None:
    frictions = [
        _friction(),
        _friction(
            friction_id="fr-theme", kind="theme", theme_id="th-9", segment={}, signals={"worse": ["fcr_gap"]}
        ),
    ]
    period = Period(start=date(2026, 11, 2), end=date(2026, 11, 8))
    targets = adoption_targets(
        action=_action(), frictions=frictions, period=period, start=date(2026, 11, 16), baseline_weeks=4
    )
    assert [t["friction_id"] for t in targets] == ["fr-radio", "fr-theme"]  # fr-gone does not exist
    radio, theme = targets
    assert radio["segment"] == {"queue": "radiologie", "weekday": 1, "hour": [8, 9]}
    assert radio["metrics"] == ["response_time", "abandonment", "csat"]  # the action's KPIs first
    assert radio["before_start"] == period.start  # not before the week the friction was found
    assert theme["segment"] == {"theme": "th-9"} and theme["metrics"] == ["fcr"]
    late = adoption_targets(
        action=_action(), frictions=frictions, period=period, start=date(2026, 12, 28), baseline_weeks=4
    )
    assert late[0]["before_start"] == date(2026, 11, 30)


@pytest.mark.parametrize(
    ("segment", "expected"),
    [
        ({"queue": "radiologie", "hours": [8]}, {"queue": "radiologie", "hour": [8]}),
        ({"agent": ["a2", "a1"]}, {"agent": ["a1", "a2"]}),
    ],
)
def test_friction_segments_become_kpi_filters(segment: dict[str, Any], expected: dict[str, Any]) -> None:
    assert friction_segment(_friction(segment=segment)) == expected


def test_an_improved_action_whose_friction_left_the_top_is_resolved(sqlite_store: Store) -> None:
    from analytics.impact import measure_actions

    adopt(sqlite_store)
    end = MONDAY + timedelta(days=27)
    still_there = _friction(rank=2)
    gone_down = _friction(rank=9)
    (ranked,) = measure_actions(store=sqlite_store, tenant="default", end=end, frictions=[still_there])
    assert ranked.state == "improved" and ranked.resolved is False
    (left,) = measure_actions(
        store=sqlite_store, tenant="default", end=end, frictions=[gone_down], language="fr"
    )
    assert left.resolved is True and "résolu" in left.summary
    (alone,) = measure_actions(store=sqlite_store, tenant="default", end=end)
    assert alone.resolved is False  # without a ranking, nothing is said about it


@pytest.mark.parametrize(
    ("signals", "action", "expected"),
    [
        (  # anomalies first, then the worse signals, each metric once, at most three
            {
                "anomalies": [
                    {"metric": "attrition", "value": 0.3, "expected": 0.1, "score": 5.0},
                    {"metric": "service_level", "value": 0.5, "expected": 0.8, "score": 4.0},
                ],
                "worse": ["abandonment", "growth", "wait_p90_s", "csat_gap"],
            },
            None,
            ["abandonment", "service_level", "volume"],
        ),
        ({"worse": ["effort_share", "transfer", "aht_gap"]}, None, ["fcr", "aht"]),
        ({"csat": 0.5, "repeat_rate": 0.2}, None, ["repeat_rate"]),  # an older result: the figures it has
        ({"worse": ["aht_s", "csat_gap"]}, {"kpi_targets": ["csat"]}, ["csat", "aht"]),
        ({"worse": ["transfer"]}, {"kpi_targets": ["transfer"]}, ["response_time"]),  # the expected KPI
    ],
)
def test_a_friction_is_followed_on_the_metrics_it_showed(
    signals: dict[str, Any], action: dict[str, Any] | None, expected: list[str]
) -> None:
    from analytics.impact_targets import friction_metrics

    chosen = None if action is None else _action(**action)
    assert friction_metrics(_friction(signals=signals), chosen) == expected


@pytest.mark.parametrize(
    ("metric", "effect", "p", "state"),
    [
        ("response_time", -0.3, 0.01, "improved"),  # shorter waits
        ("response_time", 0.3, 0.01, "worsened"),
        ("fcr", 0.05, 0.01, "improved"),  # more resolved at first contact
        ("fcr", -0.05, 0.01, "worsened"),
        ("volume", -0.2, 0.01, "improved"),  # fewer contacts: the demand an action deflects
        ("volume", 0.2, 0.01, "worsened"),
        ("csat", 0.1, 0.2, "no_effect_detected"),
        ("csat", None, None, "no_effect_detected"),
    ],
)
def test_the_state_follows_the_better_direction_of_the_metric(
    metric: str, effect: float | None, p: float | None, state: str
) -> None:
    from analytics.impact import _state

    assert _state(metric, effect, p, n_after=50, min_sample=30) == state
    assert _state(metric, effect, p, n_after=10, min_sample=30) == "too_early"
