"""The managers' web app over TestClient: sign-in, dashboard, friction page, archive, report, chat page."""

from __future__ import annotations

import re
from typing import Any


def _login(world: Any, scope: str = "manage") -> None:
    res = world.client.post("/login", data={"key": world.keys["alpha"][scope]}, follow_redirects=False)
    assert res.status_code == 303 and res.headers["location"] == "/"
    cookie = res.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie.replace("Strict", "strict")


def test_pages_redirect_to_login_without_a_key(world: Any) -> None:
    for path in ("/", "/reports", "/chat", "/frictions/alpha-fr-renewal", "/reports/an-alpha-cur"):
        res = world.client.get(path, follow_redirects=False)
        assert res.status_code == 303 and res.headers["location"] == "/login"
    page = world.client.get("/login")
    assert page.status_code == 200 and 'name="key"' in page.text


def test_bad_or_ingest_only_key_cannot_sign_in(world: Any) -> None:
    for key in ("pk_nope", world.keys["alpha"]["ingest"]):
        res = world.client.post("/login", data={"key": key}, follow_redirects=False)
        assert res.headers["location"] == "/login?error=1"
    assert 'role="alert"' in world.client.get("/login?error=1").text


def test_dashboard_shows_kpis_frictions_and_the_board(world: Any) -> None:
    _login(world)
    html = world.client.get("/").text
    assert 'data-metric="fcr"' in html and "71,3\u202f%" in html and "<svg" in html
    assert 'href="/frictions/alpha-fr-renewal"' in html
    assert 'data-action="alpha-ac-renewal-online"' in html and 'data-to="accepted"' in html
    assert "beta" not in html
    assert re.search(r'<script src="/static/app.js">', html)
    assert world.client.get("/static/app.js").status_code == 200
    assert "https://" not in html


def test_read_only_key_sees_no_buttons(world: Any) -> None:
    _login(world, "read")
    html = world.client.get("/").text
    assert 'data-to="accepted"' not in html and "lecture seule" in html


def test_friction_page_reports_archive_and_chat_page(world: Any) -> None:
    _login(world)
    friction = world.client.get("/frictions/alpha-fr-renewal").text
    assert "Renouvellements d&#39;ordonnance répétés" in friction
    assert 'id="i-alpha-call-1"' in friction and "troisième fois" in friction and "<svg" in friction
    archive = world.client.get("/reports").text
    assert 'href="/reports/an-alpha-cur"' in archive and 'href="/reports/an-alpha-prev"' in archive
    report = world.client.get("/reports/an-alpha-cur").text
    assert "Rapport hebdomadaire" in report
    assert 'id="chat-form"' in world.client.get("/chat").text
    assert "beta-fr-renewal" not in world.client.get("/frictions/beta-fr-renewal").text.split("<main>")[0]


def test_logout_forgets_the_key(world: Any) -> None:
    _login(world)
    assert 'action="/logout"' in world.client.get("/logout").text  # a GET only shows the button
    assert world.client.get("/", follow_redirects=False).status_code == 200
    world.client.post("/logout", follow_redirects=False)
    assert world.client.get("/", follow_redirects=False).status_code == 303


def test_dashboard_without_an_analysis_offers_to_run_one(world: Any) -> None:
    from api.auth import create_key

    key = create_key(world.store, tenant="gamma", scopes=["manage"]).secret
    world.client.post("/login", data={"key": key})
    html = world.client.get("/").text
    assert 'id="run-analysis"' in html
