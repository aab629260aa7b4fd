"""Agent test fixtures: a scripted LLM endpoint behind respx, and a guard against any unmocked HTTP call."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import respx

from core.settings import Settings
from tests.unit.agent.llm_mock import BASE_URL, MODEL


@pytest.fixture
def llm_http() -> Iterator[respx.MockRouter]:
    """respx router for the LLM endpoint; any request that no route matches fails the test."""
    with respx.mock(base_url=BASE_URL, assert_all_mocked=True, assert_all_called=False) as router:
        yield router


@pytest.fixture
def llm_settings(monkeypatch: pytest.MonkeyPatch, settings: Settings) -> Settings:
    """Settings pointing at the scripted endpoint (2 retries, short timeout)."""
    monkeypatch.setenv("PARCOURS_LLM_BASE_URL", BASE_URL)
    monkeypatch.setenv("PARCOURS_LLM_MODEL", MODEL)
    monkeypatch.setenv("PARCOURS_LLM_API_KEY", "test-key")
    monkeypatch.setenv("PARCOURS_LLM_TIMEOUT", "5")
    monkeypatch.setenv("PARCOURS_LLM_MAX_RETRIES", "2")
    return Settings()
