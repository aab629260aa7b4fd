"""Web sessions: a random server-side id in the cookie, never the key; expiring, revocable, Secure."""

from __future__ import annotations

from datetime import timedelta
from http.cookies import SimpleCookie
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from api.auth import create_key, revoke_key
from api.main import create_app
from api.sessions import SESSION_COOKIE
from core.settings import Settings
from store.schema import WebSessionRow
from tests.unit.api.conftest import BACKENDS


def _cookie(response: Any) -> SimpleCookie:
    jar: SimpleCookie = SimpleCookie()
    for header in response.headers.get_list("set-cookie"):
        jar.load(header)
    return jar


def _sign_in(client: TestClient, key: str, **kwargs: Any) -> Any:
    response = client.post("/login", data={"key": key}, follow_redirects=False, **kwargs)
    assert response.status_code == 303 and response.headers["location"] == "/", response.text
    return response


@pytest.mark.parametrize("world", BACKENDS, indirect=True)
def test_the_cookie_holds_a_session_id_stored_hashed_never_the_key(world: Any) -> None:
    key = world.keys["alpha"]["manage"]
    response = _sign_in(world.client, key)
    value = _cookie(response)[SESSION_COOKIE].value
    assert key not in response.headers["set-cookie"] and value.startswith("ps_") and len(value) > 40
    with world.store.session() as session:
        stored = [row.id_hash for row in session.execute(select(WebSessionRow)).scalars()]
    assert stored and value not in stored and all(len(h) == 64 for h in stored)
    assert world.client.get("/v1/actions").status_code == 200
    # The session id is not an API key: as a Bearer or X-API-Key it opens nothing.
    bare = TestClient(world.client.app)
    assert bare.get("/v1/actions", headers={"Authorization": f"Bearer {value}"}).status_code == 401
    assert bare.get("/v1/actions", headers={"X-API-Key": value}).status_code == 401


def test_an_old_cookie_holding_the_raw_key_is_not_accepted(world: Any) -> None:
    client = TestClient(world.client.app)
    client.cookies.set("parcours_key", world.keys["alpha"]["admin"])
    assert client.get("/v1/actions").status_code == 401
    assert client.get("/", follow_redirects=False).status_code == 303


@pytest.mark.parametrize("world", BACKENDS, indirect=True)
def test_post_logout_revokes_the_session_server_side(world: Any) -> None:
    response = _sign_in(world.client, world.keys["alpha"]["manage"])
    value = _cookie(response)[SESSION_COOKIE].value
    page = world.client.get("/logout")
    assert page.status_code == 200 and 'method="post" action="/logout"' in page.text
    assert world.client.get("/v1/actions").status_code == 200  # GET /logout signed nobody out
    out = world.client.post("/logout", follow_redirects=False)
    assert out.status_code == 303 and out.headers["location"] == "/login"
    assert _cookie(out)[SESSION_COOKIE]["max-age"] == "0"
    replay = TestClient(world.client.app)  # someone who copied the cookie before the sign-out
    replay.cookies.set(SESSION_COOKIE, value)
    refused = replay.get("/v1/actions")
    assert refused.status_code == 401 and "signed out" in refused.json()["message"]


@pytest.mark.parametrize("world", BACKENDS, indirect=True)
def test_revoking_the_key_ends_its_sessions(world: Any) -> None:
    created = create_key(world.store, tenant="alpha", scopes=["manage"])
    _sign_in(world.client, created.secret)
    assert world.client.get("/v1/actions").status_code == 200
    assert revoke_key(world.store, created.id)
    assert world.client.get("/v1/actions").status_code == 401
    assert world.client.get("/", follow_redirects=False).status_code == 303
    with world.store.session() as session:
        rows = session.execute(select(WebSessionRow).where(WebSessionRow.key_id == created.id)).scalars()
        assert all(row.revoked_at is not None for row in rows)


def test_an_expired_session_is_refused(world: Any) -> None:
    _sign_in(world.client, world.keys["alpha"]["manage"])
    assert world.client.get("/v1/actions").status_code == 200
    with world.store.session() as session:
        session.execute(
            update(WebSessionRow).values(expires_at=WebSessionRow.created_at - timedelta(seconds=1))
        )
    assert world.client.get("/v1/actions").status_code == 401


def test_the_cookie_lifetime_follows_the_setting(world: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    world.client.app.state.settings = Settings(session_hours=2)
    response = _sign_in(world.client, world.keys["alpha"]["read"])
    assert _cookie(response)[SESSION_COOKIE]["max-age"] == "7200"


def test_cookie_changes_still_need_the_ui_header(world: Any) -> None:
    _sign_in(world.client, world.keys["alpha"]["manage"])
    action_id = world.seeds["alpha"]["action_id"]
    refused = world.client.patch(f"/v1/actions/{action_id}", json={"status": "accepted"})
    assert refused.status_code == 403
    ok = world.client.patch(
        f"/v1/actions/{action_id}", json={"status": "accepted"}, headers={"X-Parcours-UI": "1"}
    )
    assert ok.status_code == 200


def _secure(settings: Settings, store: Any, key: str, *, peer: str, headers: dict[str, str]) -> bool:
    app = create_app(settings, store=store)
    with TestClient(app, client=(peer, 40000)) as client:
        response = _sign_in(client, key, headers=headers)
    return bool(_cookie(response)[SESSION_COOKIE]["secure"])


@pytest.mark.parametrize(
    ("public_url", "proxies", "peer", "proto", "secure"),
    [
        (None, "", "10.0.0.5", None, False),  # plain HTTP, no proxy
        ("https://parcours.chu.example", "", "10.0.0.5", None, True),  # public URL is HTTPS
        (None, "10.0.0.0/8", "10.0.0.5", "https", True),  # a trusted proxy says HTTPS
        (None, "10.0.0.5", "10.0.0.5", "https", True),  # one trusted address
        (None, "", "10.0.0.5", "https", False),  # nobody trusted: the header is ignored
        (None, "10.0.0.0/8", "192.168.1.9", "https", False),  # untrusted peer
        (None, "10.0.0.0/8", "10.0.0.5", "http", False),  # the proxy says plain HTTP
    ],
)
def test_secure_behind_https(
    world: Any,
    public_url: str | None,
    proxies: str,
    peer: str,
    proto: str | None,
    secure: bool,
) -> None:
    settings = Settings(public_url=public_url, trusted_proxies=proxies)
    headers = {"X-Forwarded-Proto": proto} if proto else {}
    assert _secure(settings, world.store, world.keys["alpha"]["read"], peer=peer, headers=headers) is secure
