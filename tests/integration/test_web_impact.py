"""The dashboard's action board shows the measured impact of adopted actions, in a real headless Chromium."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from api.auth import create_key
from api.deps import get_embedder, get_index
from api.main import create_app
from core.settings import Settings
from store.db import Store
from tests.integration.test_web_ui import CHROMIUM, Watch, _browser, _shots, _sign_in, serving
from tests.unit.analytics.test_impact import adopt
from tests.unit.api.sample import make_result

pytestmark = pytest.mark.browser


@pytest.fixture
def board(settings: Settings, sqlite_store: Store) -> Iterator[dict[str, Any]]:
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail("CI must install Debian's chromium for the browser tests")
        pytest.skip("Debian's chromium is not installed (apt-get install chromium)")
    from store.embedder import FakeEmbedder
    from store.vector_index import VectorIndex, make_client

    embedder = FakeEmbedder()
    index = VectorIndex(make_client(settings), embedder)
    adopted = adopt(sqlite_store, by="Marie", analysis_id="an-board")
    key = create_key(sqlite_store, tenant="default", scopes=["read", "manage"], name="manager").secret
    app = create_app(settings, store=sqlite_store)
    app.dependency_overrides[get_index] = lambda: index
    app.dependency_overrides[get_embedder] = lambda: embedder
    app.state.index, app.state.embedder = index, embedder
    with serving(app) as base:
        yield {
            "base": base,
            "key": key,
            "adopted": adopted,
            "other": make_result(analysis_id="an-board").actions[1].action_id,
        }


def test_the_action_board_shows_measured_beside_expected_impact(board: dict[str, Any]) -> None:
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as pw:
        browser = _browser(pw)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        watch = Watch(page, board["base"])
        _sign_in(page, board)
        card = page.locator(f'.action-list .action[data-action="{board["adopted"]}"]')
        expect(card).to_have_attribute("data-status", "in_progress")
        measured = card.locator(".measured-impact")
        expect(measured).to_have_attribute("data-impact-state", "improved")
        expect(measured).to_contain_text("amélioré")
        expect(measured).to_contain_text("IC 95 %")
        expect(measured).to_contain_text("48 → 48")
        expect(card.locator("dl.facts")).to_contain_text("Impact attendu")  # the playbook's, beside it
        page.screenshot(path=str(_shots() / "impact-board-1280.png"))

        # Starting another action from the board: its impact is measured from today, too early to tell.
        other = page.locator(f'.action-list .action[data-action="{board["other"]}"]')
        expect(other.locator(".measured-impact")).to_have_count(0)
        page.fill("#decider-name", "Marie Dupont")
        page.locator("#decider button[type=submit]").click()
        other.locator('button[data-to="accepted"]').click()
        page.wait_for_load_state("load")
        expect(other).to_have_attribute("data-status", "accepted")
        other.locator('button[data-to="in_progress"]').click()
        page.wait_for_load_state("load")
        expect(other).to_have_attribute("data-status", "in_progress")
        page.reload()
        expect(other.locator(".measured-impact")).to_have_attribute("data-impact-state", "too_early")
        expect(other.locator(".measured-impact")).to_contain_text("trop tôt")
        watch.check()
        browser.close()
