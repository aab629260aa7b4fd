from __future__ import annotations

import hashlib
import json
from datetime import date, timedelta
from typing import Any

import numpy as np
import pytest

from analytics.anomalies import describe_segment, find_anomalies, neighbour_hours, segment_degraded
from core.results import Period
from store.db import Store
from store.ingest import ingest_records
from store.pseudonyms import ref_pseudonym
from tests.factories import at

QUEUES = ["cardiologie", "radiologie", "pediatrie"]
LAST_MONDAY = date(2026, 11, 23)


def stable_weeks_with_monday_peak_degradation(
    *,
    weeks: int = 5,
    seed: int = 3,
    degraded_queue: str | None = "radiologie",
    degraded_weeks: int = 1,
    failing_agent: str | None = None,
) -> list[dict[str, Any]]:
    """Five weeks of stable contacts; in the last week(s) one queue's waits explode on Monday 8–10 h.

    Every fifth contact promises a callback within two days; `failing_agent` stops keeping them in the
    last week.
    """
    rng = np.random.default_rng(seed)
    records: list[dict[str, Any]] = []
    n = 0
    for week in range(weeks):
        monday = LAST_MONDAY - timedelta(days=7 * (weeks - 1 - week))
        for offset in range(5):
            day = monday + timedelta(days=offset)
            for hour in range(8, 16):
                for queue in QUEUES:
                    count = 12 if offset == 0 and hour in (8, 9) else 2
                    for _ in range(count):
                        n += 1
                        degraded = (
                            week >= weeks - degraded_weeks
                            and offset == 0
                            and hour in (8, 9)
                            and queue == degraded_queue
                        )
                        wait = float(rng.gamma(4, 150 if degraded else 15))
                        abandoned = bool(rng.random() < 0.05)
                        started = at(day.day, hour, int(rng.integers(0, 60)), month=day.month)
                        agent = f"a-{int(rng.integers(1, 7))}"
                        follow_up = None
                        if n % 5 == 0 and not abandoned:
                            due = started + timedelta(days=2)
                            kept = not (agent == failing_agent and week == weeks - 1) and rng.random() < 0.95
                            done = (started + timedelta(hours=20)).isoformat() if kept else None
                            follow_up = {"required": True, "due_at": due.isoformat(), "done_at": done}
                        records.append(
                            {
                                "id": f"an-{n:05d}",
                                "channel": "phone",
                                "queue": queue,
                                "started_at": started.isoformat(),
                                "ended_at": (started + timedelta(minutes=6)).isoformat(),
                                "wait_seconds": round(wait, 1),
                                "handle_seconds": None if abandoned else round(float(rng.gamma(6, 40)), 1),
                                "abandoned": abandoned,
                                "resolved": not abandoned,
                                "csat": None
                                if abandoned or rng.random() < 0.5
                                else int(rng.choice([2, 3, 4, 5, 5])),
                                "reason": "rendez-vous",
                                "patient_ref": f"p-{int(rng.integers(0, 5000)):05d}",
                                "agent_ref": agent,
                                "follow_up": follow_up,
                                "language": "fr",
                                "text": None if abandoned else "Bonjour, je voudrais un rendez-vous.",
                            }
                        )
    return records


def _last_week() -> Period:
    return Period(start=LAST_MONDAY, end=LAST_MONDAY + timedelta(days=6))


def test_monday_morning_degradation_in_one_queue_is_the_top_anomaly_and_nothing_else(store: Store) -> None:
    summary = ingest_records(store, stable_weeks_with_monday_peak_degradation())
    assert summary.rejected == 0
    anomalies = find_anomalies(store=store, tenant="default", period=_last_week())
    assert anomalies, "the planted degradation must be found"
    top = anomalies[0]
    assert top.metric == "response_time"
    assert top.segment == {"queue": "radiologie", "weekday": 1, "hour": top.segment["hour"]}
    assert top.segment["hour"] in (8, 9)
    assert top.value > 3 * top.expected
    assert top.volume >= 10 and top.p_value is not None and top.p_value < 0.05
    assert "radiologie" in top.explanation and "Monday" in top.explanation
    for anomaly in anomalies:
        seg = anomaly.segment
        assert seg.get("queue") == "radiologie", anomaly
        assert seg.get("weekday", 1) == 1, anomaly
        assert seg.get("hour", 8) in (8, 9), anomaly
        assert "channel" not in seg and "agent" not in seg, anomaly
    hours = {a.segment["hour"] for a in anomalies if a.metric == "response_time"}
    assert hours == {8, 9}


def test_stable_data_yields_no_anomaly(store: Store) -> None:
    ingest_records(store, stable_weeks_with_monday_peak_degradation(degraded_queue=None, seed=11))
    assert find_anomalies(store=store, tenant="default", period=_last_week()) == []


def test_the_degradation_is_not_found_in_another_week(sqlite_store: Store) -> None:
    ingest_records(sqlite_store, stable_weeks_with_monday_peak_degradation())
    earlier = Period(start=LAST_MONDAY - timedelta(days=7), end=LAST_MONDAY - timedelta(days=1))
    found = find_anomalies(store=sqlite_store, tenant="default", period=earlier, baseline_weeks=3)
    assert not [a for a in found if a.metric == "response_time"]


def test_a_segment_without_history_is_not_judged(sqlite_store: Store) -> None:
    ingest_records(sqlite_store, stable_weeks_with_monday_peak_degradation(weeks=1))
    assert find_anomalies(store=sqlite_store, tenant="default", period=_last_week()) == []


@pytest.mark.parametrize(
    ("segment", "words"),
    [
        ({"queue": "radiologie", "weekday": 1, "hour": 8}, "queue radiologie, Monday, 08:00–09:00"),
        ({"agent": "a-3"}, "agent a-3"),
    ],
)
def test_segments_read_as_words(segment: dict[str, Any], words: str) -> None:
    assert describe_segment(segment) == words


def test_a_degradation_that_began_the_week_before_is_still_found(sqlite_store: Store) -> None:
    ingest_records(sqlite_store, stable_weeks_with_monday_peak_degradation(degraded_weeks=2))
    anomalies = find_anomalies(store=sqlite_store, tenant="default", period=_last_week())
    waits = [a for a in anomalies if a.metric == "response_time"]
    assert waits and waits[0].segment["queue"] == "radiologie" and waits[0].segment.get("weekday") == 1
    assert all(a.segment.get("queue") == "radiologie" for a in waits)


def test_an_agent_who_stops_keeping_promised_callbacks_is_flagged(sqlite_store: Store) -> None:
    records = stable_weeks_with_monday_peak_degradation(degraded_queue=None, failing_agent="a-3")
    ingest_records(sqlite_store, records)
    anomalies = find_anomalies(store=sqlite_store, tenant="default", period=_last_week())
    engagement = [a for a in anomalies if a.metric == "engagement"]
    agent = ref_pseudonym(
        sqlite_store, tenant="default", ref="a-3", kind="agent"
    )  # agent refs are stored hashed
    assert [a.segment for a in engagement if "agent" in a.segment] == [{"agent": agent}]
    flagged = engagement[0]
    assert flagged.value < 0.2 and flagged.expected > 0.8
    assert "Follow-ups done on time" in flagged.explanation


def _figures(store: Store, anomalies: list[Any]) -> str:
    """The anomalies as JSON, the agents' pseudonyms (keyed per store) read back as their refs."""
    text = json.dumps([a.model_dump() for a in anomalies], sort_keys=True, default=str)
    for n in range(1, 7):
        text = text.replace(ref_pseudonym(store, tenant="default", ref=f"a-{n}", kind="agent"), f"a-{n}")
    return text


def test_every_tested_segment_keeps_its_figures(store: Store) -> None:
    # Pinned on the code before the cells read the KPI engine's definitions (one value, expected value,
    # score, volume and q-value per tested segment and metric, down to the last rounded digit).
    records = stable_weeks_with_monday_peak_degradation(degraded_weeks=2, failing_agent="a-3")
    ingest_records(store, records)
    found = find_anomalies(store=store, tenant="default", period=_last_week())
    every = find_anomalies(
        store=store, tenant="default", period=_last_week(), alpha=1.0, min_score=-np.inf, min_volume=3
    )
    assert (len(found), len(every)) == (3, 167)
    digest = hashlib.sha256((_figures(store, found) + _figures(store, every)).encode()).hexdigest()
    assert digest == "9106ae9745761dcd6f6d62bd6e01b904c979992a627cec24033ae6e4f0976715"
    segment = {"queue": "radiologie", "weekday": 1, "hour": [9]}
    kwargs: dict[str, Any] = {"store": store, "tenant": "default", "period": _last_week()}
    assert neighbour_hours(**kwargs, segment=segment, metrics=["response_time"]) == [8, 9]
    assert [
        segment_degraded(**kwargs, segment={**segment, "hour": hours}, metrics=[metric])
        for hours in ([9], [14])
        for metric in ("response_time", "abandonment", "csat", "aht")
    ] == [True] + [False] * 7
