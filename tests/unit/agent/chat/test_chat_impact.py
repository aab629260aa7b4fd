"""The offline assistant answers "did the action work?" from the measured impact of adopted actions."""

from __future__ import annotations

from typing import Any

import pytest

from agent.chat import answer, chat_context
from store.analyses import save as save_result
from store.db import Store
from tests.unit.analytics.test_impact import adopt
from tests.unit.api.sample import make_result
from tools.context import ParcoursContext
from tools.registry import all_tools


def _ask(store: Store, question: str) -> Any:
    ctx = chat_context(ParcoursContext(store=store), model=None)
    result = answer(question=question, thread_id="t", context=ctx, tools=all_tools())
    assert result.mode == "offline" and result.reply is not None
    return result.reply


def _adopt(store: Store) -> None:
    adopt(store)


def test_did_the_action_work_in_french_and_english(sqlite_store: Store) -> None:
    _adopt(sqlite_store)
    reply = _ask(sqlite_store, "L'action sur les rappels a-t-elle marché ?")
    assert reply.intent == "action_impact"
    assert (
        "amélioré" in reply.sentence
        and "IC 95 %" in reply.sentence
        and "playbook attendait" in reply.sentence
    )
    assert reply.table is not None and reply.table["rows"][0][-2] == "amélioré"
    reply = _ask(sqlite_store, "Did the callback action work?")
    assert reply.intent == "action_impact" and reply.language == "en"
    assert "improved" in reply.sentence and "95 % CI" in reply.sentence and "48 since" in reply.sentence


def test_no_action_started_says_there_is_nothing_to_measure(sqlite_store: Store) -> None:
    save_result(sqlite_store, make_result())
    reply = _ask(sqlite_store, "Did the callback action work?")
    assert reply.intent == "action_impact"
    assert "nothing to measure yet" in reply.sentence


def test_a_failing_measurement_is_said_not_taken_for_no_action(
    sqlite_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    import tools.impact

    _adopt(sqlite_store)

    def broken(**_: Any) -> Any:
        raise RuntimeError("statistics stack missing")

    monkeypatch.setattr(tools.impact, "measure_actions", broken)
    reply = _ask(sqlite_store, "Did the callback action work?")
    assert reply.intent == "action_impact" and "could not be measured" in reply.sentence
