"""On the realistic generator's data, the planted Monday 8–10 h waits are found where they were planted."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest

from analytics.anomalies import find_anomalies
from core.periods import parse_period
from evals.generator import generate
from evals.runner import stored_agents
from store.db import Store
from store.ingest import ingest_records


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Store, Any]]:
    path = tmp_path_factory.mktemp("generated") / "parcours.db"
    store = Store(f"sqlite:///{path}")
    records, truth = generate(weeks=5, per_week=2500, seed=7, end=date(2026, 11, 30))
    summary = ingest_records(store, records, collect=False)
    assert summary.rejected == 0
    yield store, truth
    store.close()


def _in_planted_cells(segment: dict[str, object], queue: str, hours: list[int]) -> bool:
    """Whether a segment lies inside the planted Monday-morning cells of the queue (never wider)."""
    return (
        segment.get("queue") == queue
        and segment.get("weekday") == 1
        and "channel" not in segment
        and segment.get("hour", hours[0]) in hours
    )


def test_planted_segment_degradation_is_the_top_anomaly_and_the_rest_of_its_queue_is_quiet(generated) -> None:
    store, truth = generated
    planted = truth.friction("segment_degradation")
    queue, hours = planted.segment["queue"], planted.segment["hours"]
    assert planted.weeks, "the generator plants the degradation in the recent weeks"
    for week in planted.weeks:
        anomalies = find_anomalies(store=store, tenant=truth.tenant, period=parse_period(week))
        assert anomalies, week
        # Agents are judged apart (the follow-up failure is planted on agents in the same weeks).
        top = next(a for a in anomalies if "queue" in a.segment)
        assert top.metric in planted.metrics, (week, top)
        assert _in_planted_cells(top.segment, queue, hours), (week, top)
        assert any(
            a.metric == "response_time" and _in_planted_cells(a.segment, queue, hours) for a in anomalies
        )
        # Nothing else of that queue is flagged: not its whole week, other days or hours, nor a channel.
        for anomaly in anomalies:
            if anomaly.segment.get("queue") == queue:
                assert _in_planted_cells(anomaly.segment, queue, hours), (week, anomaly)


def test_an_undegraded_week_has_no_anomaly_in_that_queue(generated) -> None:
    store, truth = generated
    planted = truth.friction("segment_degradation")
    quiet = [w for w in truth.weeks if w not in planted.weeks][-1]
    anomalies = find_anomalies(store=store, tenant=truth.tenant, period=parse_period(quiet), baseline_weeks=3)
    assert not [a for a in anomalies if a.segment.get("queue") == planted.segment["queue"]]


def test_planted_follow_up_failure_flags_exactly_its_agents(generated) -> None:
    store, truth = generated
    planted = stored_agents(truth, store).friction("follow_up_failure")  # agent refs are stored hashed
    for week in planted.weeks:
        anomalies = find_anomalies(store=store, tenant=truth.tenant, period=parse_period(week))
        agents = {a.segment["agent"] for a in anomalies if a.metric == "engagement" and "agent" in a.segment}
        assert set(planted.segment["agent"]) <= agents, (week, agents)
        ranked = [a.segment.get("agent") for a in anomalies if a.metric == "engagement"]
        assert set(ranked[:2]) == set(planted.segment["agent"]), (week, ranked)
