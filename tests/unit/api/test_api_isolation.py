"""Tenant isolation: for every /v1 endpoint, a key of tenant alpha can neither read nor change beta's data."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from api.queries import get_action
from store.schema import ThemeRow
from tests.factories import at, interaction
from tests.unit.api.conftest import BACKENDS

BETA_TOKENS = ("beta-marker", "an-beta-", "beta-call-", "beta-fr-", "beta-ac-", "beta-th-", '"beta"')


def _seed_theme_centroids(world: Any) -> None:
    """Give both tenants a theme whose centre is the embedding of a shared sentence."""
    from store.analyses import now as now_utc

    vector = world.embedder.encode(["renouveler mon ordonnance"])[0].astype(np.float32).tobytes()
    with world.store.session() as session:
        for tenant in ("alpha", "beta"):
            session.add(
                ThemeRow(
                    id=f"{tenant}-th-renewal",
                    tenant=tenant,
                    label=f"ordonnance {tenant}-marker",
                    keywords=["ordonnance"],
                    centroid=vector,
                    size=2,
                    created_at=now_utc(),
                    updated_at=now_utc(),
                )
            )


def _beta_interaction_text(world: Any) -> str:
    res = world.client.get(f"/v1/interactions/{world.seeds['beta']['ids'][0]}", headers=world.headers("beta"))
    assert res.status_code == 200
    return json.dumps(res.json()["transcript"], ensure_ascii=False)


def _untenanted(record: dict[str, Any]) -> dict[str, Any]:
    record.pop("tenant")
    return record


Spec = Callable[[Any], tuple[dict[str, Any], Callable[[Any, Any], None]]]


def ingest_batch(world: Any) -> tuple[dict[str, Any], Callable[[Any, Any], None]]:
    beta_id = world.seeds["beta"]["ids"][0]
    body = {
        "interactions": [
            interaction(id=beta_id, tenant="beta", started=at(16, 9), text="overwritten by alpha"),
            _untenanted(
                interaction(id=beta_id, started=at(16, 9), text="alpha's own record with the same id")
            ),
        ]
    }

    def check(world: Any, res: Any) -> None:
        assert res.status_code == 200
        data = res.json()
        assert data["rejected"] == 1 and data["accepted"] == 1
        assert (
            "does not match" in data["errors"][0]["error"] or "not the tenant" in data["errors"][0]["error"]
        )
        assert "overwritten by alpha" not in _beta_interaction_text(world)
        mine = world.client.get(f"/v1/interactions/{beta_id}", headers=world.headers("alpha")).json()
        assert mine["tenant"] == "alpha"

    return {"method": "POST", "url": "/v1/interactions", "json": body, "echo": [beta_id, "'beta'"]}, check


def ingest_file(world: Any) -> tuple[dict[str, Any], Callable[[Any, Any], None]]:
    beta_id = world.seeds["beta"]["ids"][1]
    line = json.dumps(interaction(id=beta_id, tenant="beta", text="overwritten by alpha file"))

    def check(world: Any, res: Any) -> None:
        assert res.status_code == 200, res.text
        assert res.json()["rejected"] == 1 and res.json()["accepted"] == 0
        text = world.client.get(f"/v1/interactions/{beta_id}", headers=world.headers("beta")).text
        assert "overwritten" not in text

    return {
        "method": "POST",
        "url": "/v1/interactions:import",
        "files": {"file": ("x.jsonl", line + "\n")},
        "echo": [beta_id, "'beta'"],
    }, check


def _status(code: int) -> Callable[[Any, Any], None]:
    def check(_world: Any, res: Any) -> None:
        assert res.status_code == code, res.text

    return check


def get_interaction(world: Any) -> tuple[dict[str, Any], Callable[[Any, Any], None]]:
    return {"method": "GET", "url": f"/v1/interactions/{world.seeds['beta']['ids'][0]}"}, _status(404)


def kpis(world: Any) -> tuple[dict[str, Any], Callable[[Any, Any], None]]:
    def check(_world: Any, res: Any) -> None:
        assert res.status_code == 200, res.text
        rows = res.json()["rows"]
        assert sum(r["value"] for r in rows) == 3  # alpha's three interactions, not beta's

    return {
        "method": "GET",
        "url": "/v1/kpis?metric=volume&start=2026-11-16&end=2026-11-22&interval=week",
    }, check


def search(world: Any) -> tuple[dict[str, Any], Callable[[Any, Any], None]]:
    def check(_world: Any, res: Any) -> None:
        assert res.status_code == 200, res.text
        ids = {h["interaction_id"] for h in res.json()["hits"]}
        assert ids and ids <= set(world.seeds["alpha"]["ids"])

    return {
        "method": "GET",
        "url": "/v1/search?q=ordonnance%20beta-marker&k=10",
        "echo": ["beta-marker"],
    }, check


def classify(world: Any) -> tuple[dict[str, Any], Callable[[Any, Any], None]]:
    _seed_theme_centroids(world)

    def check(_world: Any, res: Any) -> None:
        assert res.status_code == 200, res.text
        assert [m["theme_id"] for m in res.json()["matches"]] == ["alpha-th-renewal"]

    return {"method": "POST", "url": "/v1/classify", "json": {"text": "renouveler mon ordonnance"}}, check


def start_analysis(world: Any) -> tuple[dict[str, Any], Callable[[Any, Any], None]]:
    def check(world: Any, res: Any) -> None:
        assert res.status_code == 202, res.text
        world.client.app.state.jobs.wait(res.json()["analysis_id"], timeout=30)
        done = world.client.get(
            f"/v1/analyses/{res.json()['analysis_id']}", headers=world.headers("alpha")
        ).json()
        assert done["tenant"] == "alpha" and done["result"]["tenant"] == "alpha"
        beta = world.client.get("/v1/analyses", headers=world.headers("beta")).json()["analyses"]
        assert res.json()["analysis_id"] not in {a["analysis_id"] for a in beta}

    return {"method": "POST", "url": "/v1/analyses", "json": {"week": "2026-W48"}}, check


def list_analyses(world: Any) -> tuple[dict[str, Any], Callable[[Any, Any], None]]:
    def check(_world: Any, res: Any) -> None:
        assert res.status_code == 200
        assert {a["tenant"] for a in res.json()["analyses"]} == {"alpha"}

    return {"method": "GET", "url": "/v1/analyses"}, check


def get_analysis(world: Any) -> tuple[dict[str, Any], Callable[[Any, Any], None]]:
    return {"method": "GET", "url": f"/v1/analyses/{world.seeds['beta']['analysis_id']}"}, _status(404)


def get_report(world: Any) -> tuple[dict[str, Any], Callable[[Any, Any], None]]:
    url = f"/v1/analyses/{world.seeds['beta']['analysis_id']}/report?format=md"
    return {"method": "GET", "url": url}, _status(404)


def themes(world: Any) -> tuple[dict[str, Any], Callable[[Any, Any], None]]:
    return {"method": "GET", "url": f"/v1/themes?analysis_id={world.seeds['beta']['analysis_id']}"}, _status(
        404
    )


def frictions(world: Any) -> tuple[dict[str, Any], Callable[[Any, Any], None]]:
    def check(_world: Any, res: Any) -> None:
        assert res.status_code == 200
        assert res.json()["analysis_id"] == world.seeds["alpha"]["analysis_id"]

    return {"method": "GET", "url": "/v1/frictions"}, check


def friction(world: Any) -> tuple[dict[str, Any], Callable[[Any, Any], None]]:
    return {"method": "GET", "url": f"/v1/frictions/{world.seeds['beta']['friction_id']}"}, _status(404)


def actions(world: Any) -> tuple[dict[str, Any], Callable[[Any, Any], None]]:
    def check(_world: Any, res: Any) -> None:
        assert res.status_code == 200
        assert res.json()["actions"] == []

    return {"method": "GET", "url": f"/v1/actions?analysis_id={world.seeds['beta']['analysis_id']}"}, check


def action(world: Any) -> tuple[dict[str, Any], Callable[[Any, Any], None]]:
    return {"method": "GET", "url": f"/v1/actions/{world.seeds['beta']['action_id']}"}, _status(404)


def patch_action(world: Any) -> tuple[dict[str, Any], Callable[[Any, Any], None]]:
    action_id = world.seeds["beta"]["action_id"]

    def check(world: Any, res: Any) -> None:
        assert res.status_code == 404
        assert get_action(world.store, tenant="beta", action_id=action_id)["status"] == "proposed"

    return {"method": "PATCH", "url": f"/v1/actions/{action_id}", "json": {"status": "accepted"}}, check


def action_impact(world: Any) -> tuple[dict[str, Any], Callable[[Any, Any], None]]:
    from api.queries import change_action_status

    action_id = world.seeds["beta"]["action_id"]
    for status in ("accepted", "in_progress"):  # beta's action has a target: alpha must still not see it
        change_action_status(world.store, tenant="beta", action_id=action_id, status=status, by="beta")
    return {"method": "GET", "url": f"/v1/actions/{action_id}/impact"}, _status(404)


def rename_theme(world: Any) -> tuple[dict[str, Any], Callable[[Any, Any], None]]:
    from datetime import datetime

    from store.schema import ThemeRow
    from store.theme_labels import theme_labels

    with world.store.session() as session:
        if session.get(ThemeRow, "th-beta-only") is None:
            now = datetime(2026, 11, 23)
            session.add(
                ThemeRow(
                    id="th-beta-only",
                    tenant="beta",
                    label="Beta",
                    keywords=[],
                    created_at=now,
                    updated_at=now,
                )
            )

    def check(world: Any, res: Any) -> None:
        assert res.status_code == 404
        assert theme_labels(world.store, tenant="beta")["th-beta-only"].label == "Beta"

    return {"method": "PATCH", "url": "/v1/themes/th-beta-only", "json": {"label": "Pris par alpha"}}, check


def chat(world: Any) -> tuple[dict[str, Any], Callable[[Any, Any], None]]:
    def check(_world: Any, res: Any) -> None:
        assert res.status_code == 200
        assert "event: done" in res.text or "event: error" in res.text

    body = {"question": "Quels verbatims mentionnent beta-marker ?", "thread_id": "shared-thread"}
    return {"method": "POST", "url": "/v1/chat", "json": body}, check


def erase_interaction(world: Any) -> tuple[dict[str, Any], Callable[[Any, Any], None]]:
    beta_id = world.seeds["beta"]["ids"][0]

    def check(world: Any, res: Any) -> None:
        assert res.status_code == 404, res.text
        assert (
            world.client.get(f"/v1/interactions/{beta_id}", headers=world.headers("beta")).status_code == 200
        )

    return {"method": "DELETE", "url": f"/v1/interactions/{beta_id}"}, check


def erase_patient(world: Any) -> tuple[dict[str, Any], Callable[[Any, Any], None]]:
    beta_id = world.seeds["beta"]["ids"][0]
    beta = world.client.get(f"/v1/interactions/{beta_id}", headers=world.headers("beta")).json()

    def check(world: Any, res: Any) -> None:
        assert res.status_code == 404, res.text
        assert (
            world.client.get(f"/v1/interactions/{beta_id}", headers=world.headers("beta")).status_code == 200
        )

    return {
        "method": "DELETE",
        "url": f"/v1/patients/{beta['patient_ref']}",
        "echo": [beta["patient_ref"]],
    }, check


SPECS: dict[tuple[str, str], Spec] = {
    ("DELETE", "/v1/interactions/{interaction_id}"): erase_interaction,
    ("DELETE", "/v1/patients/{patient_ref}"): erase_patient,
    ("POST", "/v1/interactions"): ingest_batch,
    ("POST", "/v1/interactions:import"): ingest_file,
    ("GET", "/v1/interactions/{interaction_id}"): get_interaction,
    ("GET", "/v1/kpis"): kpis,
    ("GET", "/v1/search"): search,
    ("POST", "/v1/classify"): classify,
    ("POST", "/v1/analyses"): start_analysis,
    ("GET", "/v1/analyses"): list_analyses,
    ("GET", "/v1/analyses/{analysis_id}"): get_analysis,
    ("GET", "/v1/analyses/{analysis_id}/report"): get_report,
    ("GET", "/v1/themes"): themes,
    ("GET", "/v1/frictions"): frictions,
    ("GET", "/v1/frictions/{friction_id}"): friction,
    ("PATCH", "/v1/themes/{theme_id}"): rename_theme,
    ("GET", "/v1/actions"): actions,
    ("GET", "/v1/actions/{action_id}"): action,
    ("PATCH", "/v1/actions/{action_id}"): patch_action,
    ("GET", "/v1/actions/{action_id}/impact"): action_impact,
    ("POST", "/v1/chat"): chat,
}


def v1_routes(app: Any) -> set[tuple[str, str]]:
    """Every /v1 operation of the app (from its OpenAPI schema, which lists every API route)."""
    return {
        (method.upper(), path)
        for path, operations in app.openapi()["paths"].items()
        if path.startswith("/v1")
        for method in operations
    }


def test_every_v1_route_has_an_isolation_case(world: Any) -> None:
    assert v1_routes(world.client.app) == set(SPECS)


@pytest.mark.parametrize("world", BACKENDS, indirect=True)
@pytest.mark.parametrize("route", sorted(SPECS), ids=lambda r: f"{r[0]} {r[1]}")
def test_tenant_alpha_cannot_reach_beta(world: Any, route: tuple[str, str]) -> None:
    request, check = SPECS[route](world)
    method, url = request.pop("method"), request.pop("url")
    echo = request.pop("echo", [])
    res = world.client.request(method, url, headers=world.headers("alpha", "admin"), **request)
    check(world, res)
    text = res.text
    for echoed in re.split(r"[/?&=]", url):  # an id the caller sent may be echoed in a 404 message
        if echoed.startswith(("beta-", "an-beta-")):
            text = text.replace(echoed, "")
    for echoed in echo:  # what the caller itself sent (a query, a rejected record's id)
        text = text.replace(echoed, "")
    for token in BETA_TOKENS:
        assert token not in text, f"{method} {url} leaked {token!r}"


@pytest.mark.parametrize("route", sorted(SPECS), ids=lambda r: f"{r[0]} {r[1]}")
def test_every_v1_route_needs_a_key(world: Any, route: tuple[str, str]) -> None:
    method, path = route
    url = path.format(
        interaction_id="x", analysis_id="x", friction_id="x", action_id="x", theme_id="x", patient_ref="x"
    )
    res = world.client.request(method, url)
    assert res.status_code == 401
    assert res.json()["error"] == "unauthorized"
