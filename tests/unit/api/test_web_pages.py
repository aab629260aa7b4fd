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


def test_dashboard_opens_with_this_weeks_actions_then_frictions_then_kpis(world: Any) -> None:
    _login(world)
    html = world.client.get("/").text
    first, frictions, kpis, board = (
        html.index(x) for x in ('id="this-week"', 'id="frictions"', 'id="kpis"', 'id="board"')
    )
    assert first < frictions < kpis < board
    top = html[first:frictions]
    assert "Cette semaine : 2 actions" in top and "Pourquoi :" in top and "Impact attendu" in top
    assert "Résolution au premier contact +5,0\u202fpts · 180 patients concernés" in top
    assert 'href="/frictions/alpha-fr-renewal"' in top and "Responsable du centre" in top
    assert 'data-filter="in_progress"' in html and 'id="decider-name"' in html  # one list, a status filter


def test_missing_pages_are_real_404s_and_the_report_has_a_way_back(world: Any) -> None:
    _login(world)
    for path in ("/frictions/fr-nope", "/reports/an-nope", "/nowhere", "/frictions/beta-fr-renewal"):
        res = world.client.get(path)
        assert res.status_code == 404 and "Page introuvable" in res.text and 'href="/"' in res.text, path
    api = world.client.get("/v1/nowhere", headers=world.headers())
    assert api.status_code == 404 and api.json()["error"] == "not_found"
    report = world.client.get("/reports/an-alpha-cur").text
    assert '<a href="/">← Retour au tableau de bord</a>' in report


def test_friction_page_offers_renaming_its_theme_to_managers(world: Any) -> None:
    _login(world)
    html = world.client.get("/frictions/alpha-fr-renewal").text
    assert 'id="rename"' in html and 'data-theme="alpha-th-renewal"' in html and "Renommer" in html
    _login(world, "read")
    assert 'id="rename"' not in world.client.get("/frictions/alpha-fr-renewal").text


def test_chat_page_suggests_questions(world: Any) -> None:
    _login(world)
    html = world.client.get("/chat").text
    assert 'class="suggestion secondary">Quelles sont les 3 actions prioritaires ?' in html
