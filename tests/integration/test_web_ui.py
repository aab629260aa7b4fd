"""The managers' web app in a real headless Chromium (Debian's), driven by Playwright.

Demo-like data: a small generated data set is ingested and an analysis result is seeded (a hand-built
AnalysisResult on the generated interactions, so the UI test does not depend on the analysis's speed).
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import uvicorn

from api.auth import create_key
from api.deps import get_embedder, get_index
from api.main import create_app
from api.queries import get_action
from core.settings import Settings
from store.analyses import save as save_result
from store.db import Store
from tests.unit.api.sample import make_result

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def site(settings: Settings, sqlite_store: Store) -> Iterator[dict[str, Any]]:
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail("CI must install Debian's chromium for the browser tests")
        pytest.skip("Debian's chromium is not installed (apt-get install chromium)")
    from evals.generator import generate
    from store.embedder import FakeEmbedder
    from store.ingest import ingest_records
    from store.vector_index import VectorIndex, make_client

    embedder = FakeEmbedder()
    index = VectorIndex(make_client(settings), embedder)
    records, _truth = generate(weeks=3, per_week=40, seed=5, tenant="default", language="fr")
    batch = list(records)
    summary = ingest_records(sqlite_store, batch, source="test", indexer=index)
    assert summary.rejected == 0
    last = max(r["started_at"][:10] for r in batch)
    from datetime import date

    last_day = date.fromisoformat(last)
    monday = last_day - timedelta(days=last_day.weekday())
    ids = [r["id"] for r in batch if r["started_at"][:10] >= monday.isoformat()][:3]
    result = make_result(tenant="default", analysis_id="an-demo", week_start=monday, ids=ids)
    third = result.actions[1].model_copy(
        update={
            "action_id": "ac-callback",
            "rank": 3,
            "title": "Rappel automatique quand l'attente est longue",
        }
    )
    save_result(sqlite_store, result.model_copy(update={"actions": [*result.actions, third]}))
    key = create_key(sqlite_store, tenant="default", scopes=["read", "manage"], name="manager").secret

    app = create_app(settings, store=sqlite_store)
    app.dependency_overrides[get_index] = lambda: index
    app.dependency_overrides[get_embedder] = lambda: embedder
    app.state.index, app.state.embedder = index, embedder
    with serving(app) as base:
        yield {"base": base, "key": key, "store": sqlite_store, "ids": ids}


@contextmanager
def serving(app: Any) -> Iterator[str]:
    """The app served by uvicorn on a free local port, in a thread; its base URL."""
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert time.monotonic() < deadline, "the server did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def _browser(pw: Any) -> Any:
    return pw.chromium.launch(
        executable_path=CHROMIUM,
        args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
    )


class Watch:
    """What a page did wrong: console errors, uncaught exceptions, requests to other sites."""

    def __init__(self, page: Any, base: str) -> None:
        self.errors: list[str] = []
        self.external: list[str] = []
        page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: self.errors.append(str(e)))
        page.on(
            "request", lambda r: None if r.url.startswith((base, "data:")) else self.external.append(r.url)
        )

    def check(self) -> None:
        assert self.errors == [], self.errors
        assert self.external == [], f"the UI fetched external resources: {self.external}"


def _sign_in(page: Any, site: dict[str, Any]) -> None:
    # Sign in with the link `parcours keys create --login-link` prints: the key is in the fragment.
    page.goto(f"{site['base']}/login#key={site['key']}")
    page.wait_for_url(f"{site['base']}/")


def _no_sideways_scroll(page: Any, what: str) -> None:
    width = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert width[0] <= width[1], f"{what} scrolls sideways: {width[0]} px wide in a {width[1]} px window"


def _shots() -> Path:
    shots = ARTIFACTS / "web-ui"
    shots.mkdir(parents=True, exist_ok=True)
    return shots


def test_dashboard_friction_action_and_report(site: dict[str, Any]) -> None:
    from playwright.sync_api import expect, sync_playwright

    base, shots = site["base"], _shots()
    with sync_playwright() as pw:
        browser = _browser(pw)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        watch = Watch(page, base)
        _sign_in(page, site)
        # The first screen: this week's three actions, with why, impact, owner and a link to the friction.
        cards = page.locator("#this-week .action")
        expect(cards).to_have_count(3)
        for i in range(3):
            box = cards.nth(i).bounding_box()
            assert box is not None and box["y"] + 40 < 900, f"action {i + 1} is below the first screen"
        expect(cards.first.locator(".why")).to_contain_text("Pourquoi :")
        expect(cards.first.locator("dl.facts")).to_contain_text("180 patients concernés")
        page.screenshot(path=str(shots / "1-dashboard-1280.png"))

        # The friction page: why, quotes, linked interactions; back to the dashboard.
        cards.first.locator("a.friction-link").click()
        expect(page.locator("#friction-title")).to_contain_text("Renouvellements d'ordonnance répétés")
        expect(page.locator("details.interaction")).to_have_count(2)
        page.screenshot(path=str(shots / "2-friction-1280.png"), full_page=True)
        page.locator(".crumbs a").click()
        page.wait_for_url(f"{base}/")

        # Decide: the name is asked once, then recorded with the decision; the status filter shows it.
        card = page.locator('.action-list .action[data-action="ac-renewal-online"]')
        card.locator('button[data-to="accepted"]').click()
        expect(page.locator("#decider-help")).to_be_visible()
        page.fill("#decider-name", "Marie Dupont")
        page.locator("#decider button[type=submit]").click()
        card.locator('button[data-to="accepted"]').click()
        page.wait_for_load_state("load")
        expect(card).to_have_attribute("data-status", "accepted")
        page.locator('.filters .filter[data-filter="accepted"]').click()
        expect(page.locator(".action-list .action:visible")).to_have_count(1)
        expect(card.locator(".status-line")).to_contain_text("Marie Dupont")
        stored = get_action(site["store"], tenant="default", action_id="ac-renewal-online")
        assert stored is not None and stored["events"][0]["by"].startswith("Marie Dupont (key:manager)")

        # The report, from the archive, with a way back.
        page.goto(f"{base}/reports")
        page.locator("a.report-link").first.click()
        expect(page.locator("h1")).to_contain_text("Rapport hebdomadaire")
        report_cards = page.locator("#actions .action")
        expect(report_cards).to_have_count(3)
        for i in range(3):
            box = report_cards.nth(i).bounding_box()
            assert box is not None and box["y"] + 40 < 900, f"report action {i + 1} is below the first screen"
        page.screenshot(path=str(shots / "3-report-1280.png"))
        page.locator(".back a").click()
        page.wait_for_url(f"{base}/")

        watch.check()
        # A missing friction is a real 404 page with a way home (the browser logs the 404 itself).
        response = page.goto(f"{base}/frictions/fr-does-not-exist")
        assert response is not None and response.status == 404
        expect(page.locator("h1")).to_contain_text("Page introuvable")
        expect(page.locator("main a[href='/']")).to_be_visible()
        browser.close()


@pytest.mark.parametrize("width", [1280, 390, 360])
def test_every_page_fits_the_screen(site: dict[str, Any], width: int) -> None:
    from playwright.sync_api import expect, sync_playwright

    base, shots = site["base"], _shots()
    with sync_playwright() as pw:
        browser = _browser(pw)
        page = browser.new_page(viewport={"width": width, "height": 800})
        watch = Watch(page, base)
        page.goto(f"{base}/login")
        _no_sideways_scroll(page, "/login")
        _sign_in(page, site)
        pages = ["/", "/frictions/fr-renewal", "/reports", "/reports/an-demo", "/chat"]
        for path in pages:
            page.goto(base + path)
            _no_sideways_scroll(page, path)
            name = path.strip("/").replace("/", "-") or "dashboard"
            page.screenshot(path=str(shots / f"{name}-{width}.png"), full_page=True)
        # the first screen of the dashboard opens on this week's actions, before anything else
        page.goto(base + "/")
        first = page.locator("#this-week .action").first
        box = first.bounding_box()
        assert box is not None and box["y"] < 800
        expect(page.locator("main section").first).to_have_attribute("id", "this-week")
        watch.check()
        page.goto(base + "/nowhere")  # the 404 page fits too
        _no_sideways_scroll(page, "/nowhere")
        browser.close()


QUESTIONS = [
    ("Quelles sont les 3 actions prioritaires ?", "Les 3 actions prioritaires : 1."),
    ("Quel est le temps de réponse cette semaine ?", "Le temps d'attente moyen est de"),
    ("Quelle file a le plus d'abandons ?", "Abandons par file"),
    ("Pourquoi le FCR a-t-il baissé ?", "Résolution au premier contact"),
    ("What are the top 3 actions?", "The 3 priority actions: 1."),
]


def test_the_assistant_answers_managers_questions(site: dict[str, Any]) -> None:
    from playwright.sync_api import expect, sync_playwright

    base, shots = site["base"], _shots()
    with sync_playwright() as pw:
        browser = _browser(pw)
        page = browser.new_page(viewport={"width": 390, "height": 800})
        watch = Watch(page, base)
        _sign_in(page, site)
        page.goto(f"{base}/chat")
        expect(page.locator("#suggestions .suggestion")).to_have_count(6)  # an empty page suggests questions
        for n, (question, start) in enumerate(QUESTIONS, start=1):
            page.fill("#question", question)
            page.click("#ask")
            answer = page.locator(".msg.bot").nth(n - 1)
            expect(answer).to_have_attribute("data-done", "1", timeout=60_000)
            expect(answer.locator(".sentence")).to_contain_text(start)
            expect(answer.locator("details.stats summary")).to_have_text("Détails")
            assert answer.locator(".error").count() == 0
            text = answer.inner_text()
            assert "<transcript" not in text and "instructions" not in text and "tool_result" not in text
        expect(page.locator(".msg.bot").first.locator("table tr")).to_have_count(4)  # header + 3 actions
        _no_sideways_scroll(page, "/chat with answers")
        page.screenshot(path=str(shots / "chat-answers-390.png"), full_page=True)
        # a suggestion asks its question
        page.locator("#new-thread").click()
        page.locator("#suggestions .suggestion").nth(4).click()
        expect(page.locator(".msg.bot").last).to_have_attribute("data-done", "1", timeout=60_000)
        expect(page.locator(".msg.user").last).to_have_text(
            "Que disent les patients du portail de rendez-vous ?"
        )
        browser.close()
    watch.check()


def test_a_sign_in_link_works_in_a_tab_already_on_the_login_page(site: dict[str, Any]) -> None:
    from playwright.sync_api import sync_playwright

    base = site["base"]
    with sync_playwright() as pw:
        browser = _browser(pw)
        page = browser.new_page()
        page.goto(f"{base}/login")
        page.goto(f"{base}/login#key={site['key']}")  # same document: only the fragment changes
        page.wait_for_url(f"{base}/")
        assert "key=" not in page.url
        browser.close()
