"""Analyses in the background, their reports, themes, frictions and the action lifecycle."""

from __future__ import annotations

import json
import threading
from typing import Any

import pytest

from tests.unit.api.conftest import BACKENDS
from tests.unit.api.sample import make_result


def test_analysis_starts_in_the_background_and_reports_progress(world: Any) -> None:
    gate = threading.Event()
    seen: dict[str, Any] = {}

    def slow_runner(*, store: Any, tenant: str, period: Any, analysis_id: str, **_: Any) -> Any:
        seen["tenant"], seen["id"] = tenant, analysis_id
        assert gate.wait(10)
        return make_result(tenant=tenant, analysis_id=analysis_id, week_start=period.start, prefix="bg-")

    world.client.app.state.jobs._runner = slow_runner
    headers = world.headers("alpha", "manage")
    res = world.client.post("/v1/analyses", json={"week": "2026-W48"}, headers=headers)
    assert res.status_code == 202, res.text
    started = res.json()
    assert started["status"] in ("pending", "running") and started["result"] is None
    assert started["period"] == {"start": "2026-11-23", "end": "2026-11-29"}
    analysis_id = started["analysis_id"]
    pending = world.client.get(f"/v1/analyses/{analysis_id}", headers=headers).json()
    assert pending["status"] in ("pending", "running")
    report = world.client.get(f"/v1/analyses/{analysis_id}/report", headers=headers)
    assert report.status_code == 409
    gate.set()
    world.client.app.state.jobs.wait(analysis_id, timeout=30)
    done = world.client.get(f"/v1/analyses/{analysis_id}", headers=headers).json()
    assert done["status"] == "done" and done["progress"] == 1.0
    assert done["result"]["analysis_id"] == analysis_id and seen == {"tenant": "alpha", "id": analysis_id}
    assert {
        a["playbook_id"]
        for a in world.client.get(f"/v1/actions?analysis_id={analysis_id}", headers=headers).json()["actions"]
    } == {"prescription-renewal-online", "fix-broken-portal-or-link"}


def test_failed_analysis_keeps_its_error(world: Any) -> None:
    def broken(**_: Any) -> Any:
        raise RuntimeError("no interactions in the period")

    jobs = world.client.app.state.jobs
    jobs._runner = broken
    jobs.settings = jobs.settings.model_copy(update={"analysis_retry_seconds": 0.05})
    headers = world.headers("alpha", "manage")
    analysis_id = world.client.post("/v1/analyses", json={}, headers=headers).json()["analysis_id"]
    assert jobs.wait(analysis_id, timeout=30) == "failed"
    failed = world.client.get(f"/v1/analyses/{analysis_id}", headers=headers).json()
    assert failed["status"] == "failed" and "no interactions" in failed["error"]
    assert failed["attempts"] == 3  # retried with backoff before giving up


@pytest.mark.parametrize(
    "body",
    [
        {"week": "2026-53"},
        {"week": "2025-W53"},
        {"start": "2026-11-20", "end": "2026-11-10"},
        {"start": "2026-11-20"},
        {"week": "2026-W47", "start": "2026-11-16", "end": "2026-11-22"},
    ],
)
def test_bad_periods_are_400(world: Any, body: dict[str, Any]) -> None:
    res = world.client.post("/v1/analyses", json=body, headers=world.headers("alpha", "manage"))
    assert res.status_code == 400 and res.json()["error"] == "bad_request"


def test_unknown_fields_and_ids(world: Any) -> None:
    headers = world.headers("alpha", "manage")
    assert world.client.post("/v1/analyses", json={"tenant": "beta"}, headers=headers).status_code == 422
    assert world.client.get("/v1/analyses/an-nope", headers=headers).status_code == 404
    assert world.client.get("/v1/analyses/an-nope/report", headers=headers).status_code == 404


def test_list_and_read_analyses(world: Any) -> None:
    headers = world.headers("alpha", "read")
    listed = world.client.get("/v1/analyses", headers=headers).json()["analyses"]
    assert [a["analysis_id"] for a in listed] == ["an-alpha-cur", "an-alpha-prev"]
    one = world.client.get("/v1/analyses/an-alpha-cur", headers=headers).json()
    assert one["result"]["frictions"][0]["title"].startswith("Renouvellements")
    assert one["links"]["report"] == "/v1/analyses/an-alpha-cur/report?format=html"


def test_report_in_three_formats(world: Any) -> None:
    headers = world.headers("alpha", "read")
    html = world.client.get("/v1/analyses/an-alpha-cur/report?format=html", headers=headers)
    assert html.status_code == 200 and html.headers["content-type"].startswith("text/html")
    assert "<svg" in html.text and "71,3\u202f%" in html.text
    md = world.client.get("/v1/analyses/an-alpha-cur/report?format=md&language=en", headers=headers)
    assert md.headers["content-type"].startswith("text/markdown") and "# Weekly improvement report" in md.text
    data = json.loads(world.client.get("/v1/analyses/an-alpha-cur/report?format=json", headers=headers).text)
    assert data["result"]["analysis_id"] == "an-alpha-cur"
    assert data["report"]["previous_analysis_id"] == "an-alpha-prev"
    bad = world.client.get("/v1/analyses/an-alpha-cur/report?format=pdf", headers=headers)
    assert bad.status_code == 422


def test_themes_and_frictions(world: Any) -> None:
    headers = world.headers("alpha", "read")
    themes = world.client.get("/v1/themes", headers=headers).json()
    assert themes["analysis_id"] == "an-alpha-cur" and len(themes["themes"]) == 2
    assert "interaction_ids" not in themes["themes"][0]
    emerging = world.client.get("/v1/themes?emerging=true", headers=headers).json()["themes"]
    assert [t["theme_id"] for t in emerging] == ["alpha-th-portal"]
    older = world.client.get("/v1/frictions?analysis_id=an-alpha-prev", headers=headers).json()
    assert older["frictions"][0]["friction_id"] == "alpha-old-fr-renewal"
    frictions = world.client.get("/v1/frictions?limit=1", headers=headers).json()["frictions"]
    assert [f["rank"] for f in frictions] == [1]
    one = world.client.get("/v1/frictions/alpha-fr-portal", headers=headers).json()
    assert one["friction"]["emerging"] and [a["action_id"] for a in one["actions"]] == ["alpha-ac-portal-fix"]
    assert world.client.get("/v1/frictions/nope", headers=headers).status_code == 404
    assert world.client.get("/v1/frictions?limit=0", headers=headers).status_code == 422


def test_no_analysis_yet_gives_empty_lists(world: Any) -> None:
    from api.auth import create_key

    key = create_key(world.store, tenant="gamma", scopes=["read"]).secret
    headers = {"Authorization": f"Bearer {key}"}
    assert world.client.get("/v1/frictions", headers=headers).json() == {
        "analysis_id": None,
        "period": None,
        "frictions": [],
    }
    assert world.client.get("/v1/actions", headers=headers).json() == {"actions": []}


@pytest.mark.parametrize("world", BACKENDS, indirect=True)
def test_action_lifecycle_with_who_and_when(world: Any) -> None:
    headers = world.headers("alpha", "manage")
    action_id = world.seeds["alpha"]["action_id"]
    listed = world.client.get("/v1/actions?status=proposed", headers=headers).json()["actions"]
    assert action_id in {a["action_id"] for a in listed}
    accepted = world.client.patch(
        f"/v1/actions/{action_id}",
        json={"status": "accepted", "by": "Marie", "note": "pilote"},
        headers=headers,
    ).json()
    assert accepted["status"] == "accepted" and accepted["status_by"] == "Marie (key:alpha-manage)"
    assert accepted["status_at"].endswith("Z")
    for status in ("in_progress", "done"):
        assert (
            world.client.patch(
                f"/v1/actions/{action_id}", json={"status": status}, headers=headers
            ).status_code
            == 200
        )
    history = world.client.get(f"/v1/actions/{action_id}", headers=headers).json()["events"]
    assert [(e["from"], e["to"]) for e in history] == [
        ("proposed", "accepted"),
        ("accepted", "in_progress"),
        ("in_progress", "done"),
    ]
    assert history[0]["note"] == "pilote"
    final = world.client.patch(f"/v1/actions/{action_id}", json={"status": "rejected"}, headers=headers)
    assert final.status_code == 409 and "final state" in final.json()["message"]
    assert (
        world.client.get("/v1/actions?status=done", headers=headers).json()["actions"][0]["action_id"]
        == action_id
    )


def test_bad_action_changes_are_4xx(world: Any) -> None:
    headers = world.headers("alpha", "manage")
    other = world.seeds["alpha"]["other_action_id"]
    skip = world.client.patch(f"/v1/actions/{other}", json={"status": "done"}, headers=headers)
    assert skip.status_code == 409 and "'proposed' to 'done'" in skip.json()["message"]
    assert (
        world.client.patch(f"/v1/actions/{other}", json={"status": "maybe"}, headers=headers).status_code
        == 422
    )
    assert world.client.patch(f"/v1/actions/{other}", json={}, headers=headers).status_code == 422
    assert (
        world.client.patch("/v1/actions/ac-nope", json={"status": "accepted"}, headers=headers).status_code
        == 404
    )
    assert world.client.get("/v1/actions?status=maybe", headers=headers).status_code == 422
    rejected = world.client.patch(f"/v1/actions/{other}", json={"status": "rejected"}, headers=headers)
    assert rejected.json()["status"] == "rejected"
    reopened = world.client.patch(f"/v1/actions/{other}", json={"status": "proposed"}, headers=headers)
    assert reopened.json()["status"] == "proposed"


def test_default_period_is_the_last_week_of_the_data(world: Any) -> None:
    res = world.client.post("/v1/analyses", json={}, headers=world.headers("alpha", "manage"))
    assert res.status_code == 202 and res.json()["period"] == {"start": "2026-11-16", "end": "2026-11-22"}
    world.client.app.state.jobs.wait(res.json()["analysis_id"], timeout=30)


def test_tenant_without_data_cannot_start_an_analysis(world: Any) -> None:
    from api.auth import create_key

    key = create_key(world.store, tenant="gamma", scopes=["manage"]).secret
    res = world.client.post("/v1/analyses", json={}, headers={"Authorization": f"Bearer {key}"})
    assert res.status_code == 400 and "no interactions" in res.json()["message"]


def test_a_pipeline_that_picks_its_own_id_is_folded_into_the_polled_row(world: Any) -> None:
    from api.queries import list_analysis_rows
    from store.analyses import save as save_result

    def own_id_runner(*, store: Any, tenant: str, period: Any, **_: Any) -> Any:
        result = make_result(tenant=tenant, analysis_id="an-own", week_start=period.start, prefix="own-")
        save_result(store, result)
        return result

    world.client.app.state.jobs._runner = own_id_runner
    headers = world.headers("alpha", "manage")
    analysis_id = world.client.post("/v1/analyses", json={"week": "2026-W48"}, headers=headers).json()[
        "analysis_id"
    ]
    world.client.app.state.jobs.wait(analysis_id, timeout=30)
    ids = [r.id for r in list_analysis_rows(world.store, tenant="alpha")]
    assert analysis_id in ids and "an-own" not in ids
    actions = world.client.get(f"/v1/actions?analysis_id={analysis_id}", headers=headers).json()["actions"]
    assert {a["action_id"] for a in actions} == {"own-ac-renewal-online", "own-ac-portal-fix"}
    assert (
        world.client.get(f"/v1/analyses/{analysis_id}", headers=headers).json()["result"]["analysis_id"]
        == analysis_id
    )
