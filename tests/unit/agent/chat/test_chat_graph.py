"""The offline assistant end to end: question → routed tools on a real store → sentence, table, quotes."""

from __future__ import annotations

import re
from typing import Any

import pytest

from agent.chat import answer, chat_context, stream_chat
from store.analyses import save as save_result
from store.db import Store
from store.ingest import ingest_records
from tests.factories import at, interaction
from tests.unit.api.sample import make_result
from tools.context import ParcoursContext
from tools.registry import all_tools

INTERNAL = ("<transcript", "Quotes are data", "instructions", "tool_result", "score=", "rule=")


def _said(text: str) -> list[dict[str, str]]:
    return [{"speaker": "patient", "text": text}, {"speaker": "agent", "text": "Je regarde votre dossier."}]


def seed_weeks(store: Store) -> None:
    """W46: every patient calls twice about a prescription (low FCR); W47: one call each, radiology waits."""
    records: list[dict[str, Any]] = []
    for i in range(20):
        for day in (9, 11):
            records.append(
                interaction(
                    started=at(day, 9, i),
                    patient_ref=f"p-old-{i}",
                    reason="ordonnance",
                    csat=3,
                    transcript=_said("Je rappelle pour le renouvellement de mon ordonnance."),
                )
            )
    for i in range(40):
        radiology = i < 12
        records.append(
            interaction(
                started=at(16 + i % 7, 10, i),
                patient_ref=f"p-new-{i}",
                reason="radiologie" if radiology else "ordonnance",
                queue="radiologie" if radiology else "cardiologie",
                wait_seconds=600 if radiology else 40,
                csat=4,
                transcript=_said(
                    "Le portail de réservation affiche une erreur quand je veux prendre rendez-vous."
                    if radiology
                    else "Je voudrais le renouvellement de mon ordonnance de Kardégic."
                ),
            )
        )
    summary = ingest_records(store, records)
    assert summary.rejected == 0, summary.errors
    save_result(store, make_result())  # the analysis of W47 with its ranked actions


@pytest.fixture
def ctx(sqlite_store: Store) -> Any:
    seed_weeks(sqlite_store)
    return chat_context(ParcoursContext(store=sqlite_store), model=None)


def ask(ctx: Any, question: str, thread: str = "t") -> Any:
    result = answer(question=question, thread_id=thread, context=ctx, tools=all_tools())
    assert result.mode == "offline" and result.reply is not None
    assert not any(marker in result.answer for marker in INTERNAL), result.answer
    return result


def test_top_actions_are_listed_with_owner_effort_and_impact(ctx) -> None:
    result = ask(ctx, "Quelles sont les 3 actions prioritaires ?")
    reply = result.reply
    assert reply.intent == "actions" and [t.name for t in result.tools] == ["list_actions"]
    assert reply.sentence.startswith("Les 2 actions prioritaires : 1. Renouvellement d'ordonnance en ligne")
    assert reply.table["columns"][:4] == ["#", "Action", "Responsable", "Effort"]
    assert reply.table["rows"][0][4] == "Résolution au premier contact +5,0\u202fpts · 180 patients concernés"
    assert "sans modèle de langue" in result.answer
    english = ask(ctx, "What are the top 3 actions?", "t-en").reply
    assert english.language == "en" and english.sentence.startswith("The 2 priority actions: 1.")
    assert english.table["columns"][2] == "Owner"


def test_a_false_premise_is_corrected_with_the_figures(ctx) -> None:
    reply = ask(ctx, "Pourquoi le FCR a-t-il baissé ?").reply
    assert reply.intent == "kpi_why"
    assert re.match(r"Résolution au premier contact n'a pas baissé : \+\d+,\d\u202fpts \(", reply.sentence)
    english = ask(ctx, "Why did first-contact resolution drop?", "t-en").reply
    assert english.sentence.startswith("First-contact resolution did not go down: +")


def test_a_kpi_now_and_which_queue_is_worst(ctx) -> None:
    now = ask(ctx, "Quel est le temps de réponse cette semaine ?").reply
    assert now.intent == "kpi_value" and now.sentence.startswith("Le temps d'attente moyen est de ")
    assert "du 16 nov. 2026 au 22 nov. 2026 (40 contacts)" in now.sentence
    worst = ask(ctx, "Which queue has the longest wait?", "t-en").reply
    assert (
        worst.intent == "kpi_breakdown"
        and "the highest is “radiologie” at 10\u202fmin\u202f00\u202fs" in worst.sentence
    )
    assert [row[0] for row in worst.table["rows"]] == ["radiologie", "cardiologie"]


def test_what_patients_say_cites_their_words(ctx) -> None:
    result = ask(ctx, "Que disent les patients du portail de réservation ?")
    reply = result.reply
    assert reply.intent == "search" and "« portail réservation »" in reply.sentence
    assert reply.evidence and all("portail" in e["quote"].lower() for e in reply.evidence)
    assert set(result.interaction_ids) >= {e["interaction_id"] for e in reply.evidence}


def test_greeting_gets_what_the_assistant_answers_and_suggestions(ctx) -> None:
    result = ask(ctx, "Bonjour, que sais-tu faire ?")
    assert result.tools == [] and result.reply.intent == "help"
    assert len(result.reply.suggestions) >= 5 and result.reply.suggestions[0] in result.answer


def test_thread_memory_keeps_earlier_turns(ctx, sqlite_store) -> None:
    first = ask(ctx, "Quel est le taux de satisfaction ?", "t-2")
    second = ask(ctx, "What is our CSAT by channel?", "t-2")
    assert [t.name for t in first.tools] == ["kpi_query"] and second.tools[0].args["by"] == "channel"
    from agent.chat.graph import build_chat_graph
    from agent.chat.threads import checkpoint_thread_id
    from agent.checkpoint import open_checkpointer

    thread = checkpoint_thread_id(tenant=ctx.tenant, thread_id="t-2")
    with open_checkpointer(sqlite_store) as saver:
        state = build_chat_graph(checkpointer=saver).get_state({"configurable": {"thread_id": thread}})
    humans = [m.content for m in state.values["messages"] if m.type == "human"]
    assert humans == ["Quel est le taux de satisfaction ?", "What is our CSAT by channel?"]


def test_offline_stream_yields_tool_steps_tokens_and_a_final_reply(ctx) -> None:
    events = list(
        stream_chat(question="Quel est le temps d'attente en radiologie ?", thread_id="t-3", context=ctx)
    )
    kinds = [e["type"] for e in events]
    assert (
        kinds[0] == "tool_call" and kinds.index("tool_result") < kinds.index("token") and kinds[-1] == "final"
    )
    assert events[0]["args"]["filters"] == {"queue": "radiologie"}
    text = "".join(e["text"] for e in events if e["type"] == "token")
    final = events[-1]["answer"]
    assert text == final["answer"] and final["reply"]["sentence"].startswith("Le temps d'attente moyen")
