"""The managers' web app in a real headless Chromium (Debian's), driven by Playwright.

Demo-like data: a small generated data set is ingested and an analysis result is seeded (a hand-built
AnalysisResult on the generated interactions, so the UI test does not depend on the analysis's speed).
"""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import uvicorn

from api.auth import create_key
from api.deps import get_embedder, get_index
from api.main import create_app
from api.queries import get_action, save_result
from core.settings import Settings
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
    save_result(
        sqlite_store, make_result(tenant="default", analysis_id="an-demo", week_start=monday, ids=ids)
    )
    key = create_key(sqlite_store, tenant="default", scopes=["read", "manage"], name="manager").secret

    app = create_app(settings, store=sqlite_store)
    app.dependency_overrides[get_index] = lambda: index
    app.dependency_overrides[get_embedder] = lambda: embedder
    app.state.index, app.state.embedder = index, embedder
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert time.monotonic() < deadline, "the server did not start"
        time.sleep(0.05)
    try:
        yield {"base": f"http://127.0.0.1:{port}", "key": key, "store": sqlite_store, "ids": ids}
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def test_dashboard_friction_action_and_chat(site: dict[str, Any]) -> None:
    from playwright.sync_api import expect, sync_playwright

    if ARTIFACTS.exists():
        shutil.rmtree(ARTIFACTS / "web-ui", ignore_errors=True)
    shots = ARTIFACTS / "web-ui"
    shots.mkdir(parents=True, exist_ok=True)
    base = site["base"]
    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=CHROMIUM,
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        external: list[str] = []
        page.on("request", lambda r: None if r.url.startswith(base) else external.append(r.url))
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))

        # Sign in with the link `parcours keys create --login-link` prints: the key is in the fragment.
        page.goto(f"{base}/login#key={site['key']}")
        page.wait_for_url(f"{base}/")
        expect(page.locator('.tile[data-metric="fcr"] .value')).to_have_text("71,3\u202f%")
        expect(page.locator("#kpis svg.chart").first).to_be_visible()
        page.screenshot(path=str(shots / "1-dashboard.png"), full_page=True)

        # A friction page: signals, chart, quotes, linked interactions.
        page.locator("a.friction-link").first.click()
        expect(page.locator("#friction-title")).to_contain_text("Renouvellements d'ordonnance répétés")
        expect(page.locator("#signals table")).to_contain_text("Recontacts")
        expect(page.locator("details.interaction")).to_have_count(2)
        page.screenshot(path=str(shots / "2-friction.png"), full_page=True)

        # Accept an action; its status persists after a reload.
        page.goto(f"{base}/")
        card = page.locator('.action[data-action="ac-renewal-online"]')
        expect(card).to_have_attribute("data-status", "proposed")
        card.locator('button[data-to="accepted"]').click()
        accepted = page.locator('.column[data-status="accepted"] .action[data-action="ac-renewal-online"]')
        expect(accepted).to_be_visible()
        page.reload()
        expect(accepted).to_have_attribute("data-status", "accepted")
        expect(accepted.locator(".status-line")).to_contain_text("key:manager")
        page.screenshot(path=str(shots / "3-action-accepted.png"), full_page=True)
        stored = get_action(site["store"], tenant="default", action_id="ac-renewal-online")
        assert (
            stored is not None and stored["status"] == "accepted" and stored["events"][0]["to"] == "accepted"
        )

        # The report archive opens the HTML report.
        page.goto(f"{base}/reports")
        page.locator("a.report-link").first.click()
        expect(page.locator("h1")).to_contain_text("Rapport hebdomadaire")

        # Ask a question; the answer streams in (several chunks) with the tool steps.
        page.goto(f"{base}/chat")
        page.evaluate(
            """() => { window.__chunks = 0;
              new MutationObserver(() => { window.__chunks += 1; })
                .observe(document.getElementById('conversation'), {subtree: true, childList: true,
                                                                  characterData: true}); }"""
        )
        page.fill("#question", "Quelles sont les principales frictions cette semaine ?")
        page.click("#ask")
        answer = page.locator(".msg.bot").last
        expect(answer).to_have_attribute("data-done", "1", timeout=60_000)
        text = answer.locator(".answer").inner_text()
        assert len(text) > 20, text
        assert page.evaluate("window.__chunks") >= 3
        expect(page.locator("#thread-label")).to_contain_text("thread chat-")
        page.screenshot(path=str(shots / "4-chat.png"), full_page=True)
        browser.close()
    assert external == [], f"the UI fetched external resources: {external}"
    assert errors == [], errors
