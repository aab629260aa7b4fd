"""GET /v1/actions/{id}/impact and the target recorded when an action starts."""

from __future__ import annotations

from datetime import timedelta

from core.results import ActionImpact
from store.action_targets import targets_of
from store.ingest import ingest_records
from tests.unit.analytics.test_impact import START, records
from tests.unit.api.conftest import ApiWorld


def _start(world: ApiWorld, action_id: str, **body: object) -> None:
    response = world.client.patch(
        f"/v1/actions/{action_id}", json={"status": "accepted"}, headers=world.headers(scope="manage")
    )
    assert response.status_code == 200, response.text
    response = world.client.patch(
        f"/v1/actions/{action_id}",
        json={"status": "in_progress", **body},
        headers=world.headers(scope="manage"),
    )
    assert response.status_code == 200, response.text


def test_an_action_in_progress_has_its_impact_measured(world: ApiWorld) -> None:
    items = [dict(r, tenant="alpha") for r in records(seed=3, effect=0.4)]
    assert ingest_records(world.store, items, source="test", indexer=None).rejected == 0
    action_id = world.seeds["alpha"]["action_id"]
    target = {"segment": {"queue": "radiologie", "weekday": 1, "hour": [8, 9]}, "metrics": ["response_time"]}
    _start(world, action_id, started_on=START.isoformat(), target=target)
    stored = targets_of(world.store, tenant="alpha", action_id=action_id)
    assert [(t.segment, t.start, t.before_start) for t in stored] == [
        (target["segment"], START, START - timedelta(days=28))
    ]
    response = world.client.get(
        f"/v1/actions/{action_id}/impact?lang=en", headers=world.headers(scope="read")
    )
    assert response.status_code == 200, response.text
    impact = ActionImpact.model_validate(response.json())
    assert impact.status == "in_progress"
    assert impact.expected_impact is not None and impact.expected_impact.kpi == "fcr"
    effect = impact.targets[0].effects[0]
    assert effect.metric == "response_time" and effect.state == "improved" == impact.state
    assert effect.ci is not None and effect.ci[0] <= -0.4 <= effect.ci[1]
    assert effect.n_before == 2 * 12 * 2 and effect.n_after == 2 * 12 * 2
    assert impact.targets[0].before.start == START - timedelta(days=28)
    assert "against comparable segments" in impact.summary


def test_the_target_comes_from_the_action_s_frictions_by_default(world: ApiWorld) -> None:
    action_id = world.seeds["alpha"]["action_id"]
    _start(world, action_id)
    stored = targets_of(world.store, tenant="alpha", action_id=action_id)
    assert [(t.friction_id, t.segment, t.metrics) for t in stored] == [
        ("alpha-fr-renewal", {"theme": "alpha-th-renewal"}, ["fcr", "repeat_rate", "response_time"])
    ]
    response = world.client.get(f"/v1/actions/{action_id}/impact", headers=world.headers(scope="read"))
    assert response.status_code == 200
    assert response.json()["state"] == "too_early"  # three contacts, none since today


def test_impact_of_an_action_not_started_or_unknown_or_elsewhere(world: ApiWorld) -> None:
    action_id = world.seeds["alpha"]["action_id"]
    response = world.client.get(f"/v1/actions/{action_id}/impact", headers=world.headers(scope="read"))
    assert response.status_code == 409
    assert "has not started" in response.text
    response = world.client.get("/v1/actions/ac-nope/impact", headers=world.headers(scope="read"))
    assert response.status_code == 404
    other = world.seeds["beta"]["action_id"]
    response = world.client.get(f"/v1/actions/{other}/impact", headers=world.headers(scope="read"))
    assert response.status_code == 404


def test_a_stated_target_is_checked(world: ApiWorld) -> None:
    action_id = world.seeds["alpha"]["action_id"]
    world.client.patch(
        f"/v1/actions/{action_id}", json={"status": "accepted"}, headers=world.headers(scope="manage")
    )
    for target in (
        {"segment": {"floor": 3}, "metrics": ["response_time"]},
        {"segment": {"queue": "radiologie"}, "metrics": ["happiness"]},
    ):
        response = world.client.patch(
            f"/v1/actions/{action_id}",
            json={"status": "in_progress", "target": target},
            headers=world.headers(scope="manage"),
        )
        assert response.status_code == 422, response.text
    assert targets_of(world.store, tenant="alpha", action_id=action_id) == []


def test_retention_of_analyses_takes_the_targets_with_their_actions(world: ApiWorld) -> None:
    from datetime import UTC, datetime

    from sqlalchemy import func, select, update

    from store.retention import purge
    from store.schema import ActionTargetRow, AnalysisRow

    action_id = world.seeds["alpha"]["action_id"]
    _start(world, action_id)
    with world.store.session() as session:
        assert session.scalar(select(func.count()).select_from(ActionTargetRow)) == 1
        session.execute(update(AnalysisRow).values(created_at=datetime(2020, 1, 1)))
    settings = world.store.settings.model_copy(update={"analysis_retention_days": 30})
    purge(store=world.store, settings=settings, now=datetime.now(UTC), chroma=world.index)
    with world.store.session() as session:
        assert session.scalar(select(func.count()).select_from(ActionTargetRow)) == 0
