"""API keys: hashed storage, headers, scopes, revocation, the web UI cookie."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from api.auth import create_key, hash_secret, list_keys, revoke_key, verify_key
from store.schema import ApiKeyRow


def test_key_is_stored_as_a_hash_and_verified(sqlite_store: Any) -> None:
    created = create_key(sqlite_store, tenant="t1", scopes=["read", "ingest"], name="crm")
    assert created.secret.startswith("pk_") and len(created.secret) > 40
    with sqlite_store.session() as session:
        row = session.execute(select(ApiKeyRow)).scalar_one()
    assert row.key_hash == hash_secret(created.secret) and created.secret not in row.key_hash
    key = verify_key(sqlite_store, created.secret)
    assert key is not None and key.tenant == "t1" and key.scopes == {"ingest", "read"}
    assert verify_key(sqlite_store, created.secret + "x") is None
    assert list_keys(sqlite_store)[0]["scopes"] == ["ingest", "read"]
    assert "secret" not in list_keys(sqlite_store)[0]


def test_revoked_key_stops_working(sqlite_store: Any) -> None:
    created = create_key(sqlite_store, tenant="t1", scopes=["read"])
    assert revoke_key(sqlite_store, created.id)
    assert verify_key(sqlite_store, created.secret) is None
    assert not revoke_key(sqlite_store, created.id)


@pytest.mark.parametrize("scopes", [["owner"], []])
def test_unknown_or_missing_scope_is_refused(sqlite_store: Any, scopes: list[str]) -> None:
    with pytest.raises(ValueError):
        create_key(sqlite_store, tenant="t1", scopes=scopes)


def test_missing_and_bad_keys_are_401_json(world: Any) -> None:
    for headers in (
        {},
        {"Authorization": "Bearer pk_nope"},
        {"X-API-Key": "nope"},
        {"Authorization": "Basic x"},
    ):
        res = world.client.get("/v1/frictions", headers=headers)
        assert res.status_code == 401, headers
        assert res.json()["error"] == "unauthorized" and res.json()["message"]
        assert res.headers["www-authenticate"] == "Bearer"


def test_x_api_key_header_works(world: Any) -> None:
    res = world.client.get("/v1/frictions", headers={"X-API-Key": world.keys["alpha"]["read"]})
    assert res.status_code == 200


def test_revoked_key_gets_401(world: Any) -> None:
    key_id = next(k["id"] for k in list_keys(world.store, tenant="alpha") if k["name"] == "alpha-read")
    revoke_key(world.store, key_id)
    assert world.client.get("/v1/frictions", headers=world.headers("alpha", "read")).status_code == 401


@pytest.mark.parametrize(
    ("scope", "method", "url", "body"),
    [
        ("read", "POST", "/v1/interactions", {"interactions": []}),
        ("ingest", "GET", "/v1/frictions", None),
        ("ingest", "GET", "/v1/search?q=x", None),
        ("read", "PATCH", "/v1/actions/whatever", {"status": "accepted"}),
        ("read", "POST", "/v1/analyses", {}),
        ("ingest", "POST", "/v1/chat", {"question": "x"}),
        ("manage", "POST", "/v1/interactions", {"interactions": []}),
    ],
)
def test_wrong_scope_is_403(world: Any, scope: str, method: str, url: str, body: Any) -> None:
    res = world.client.request(method, url, headers=world.headers("alpha", scope), json=body)
    assert res.status_code == 403
    assert res.json()["error"] == "forbidden" and "scope" in res.json()["message"]


def test_admin_key_has_every_scope(world: Any) -> None:
    headers = world.headers("alpha", "admin")
    assert world.client.get("/v1/actions", headers=headers).status_code == 200
    action_id = world.seeds["alpha"]["action_id"]
    assert (
        world.client.patch(
            f"/v1/actions/{action_id}", json={"status": "accepted"}, headers=headers
        ).status_code
        == 200
    )


def test_cookie_changes_need_the_ui_header(world: Any) -> None:
    client = world.client
    client.post("/login", data={"key": world.keys["alpha"]["admin"]}, follow_redirects=False)
    try:
        assert client.get("/v1/actions").status_code == 200
        action_id = world.seeds["alpha"]["action_id"]
        refused = client.patch(f"/v1/actions/{action_id}", json={"status": "accepted"})
        assert refused.status_code == 403 and "X-Parcours-UI" in refused.json()["message"]
        ok = client.patch(
            f"/v1/actions/{action_id}", json={"status": "accepted"}, headers={"X-Parcours-UI": "1"}
        )
        assert ok.status_code == 200 and ok.json()["status"] == "accepted"
    finally:
        client.cookies.clear()
