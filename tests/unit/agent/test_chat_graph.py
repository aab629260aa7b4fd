from __future__ import annotations

import re

from agent.chat import answer, chat_context, stream_chat
from tests.unit.agent.agent_fakes import search_transcripts, seed
from tools.context import ParcoursContext
from tools.kpi import compare_periods, find_anomalies, kpi_query

TOOLS = [kpi_query, compare_periods, find_anomalies, search_transcripts]
QUESTION = "Pourquoi la résolution au premier contact a baissé en cardiologie la semaine dernière ?"


def test_offline_answer_calls_the_routed_tools_and_cites_numbers_and_ids(sqlite_store):
    seed(sqlite_store)
    context = ParcoursContext(store=sqlite_store)
    result = answer(question=QUESTION, thread_id="t-1", context=context, model=None, tools=TOOLS)
    assert result.mode == "offline" and result.model is None
    assert [t.name for t in result.tools] == ["compare_periods", "kpi_query", "search_transcripts"]
    assert "sans modèle de langue" in result.answer
    assert re.search(r"\d+(\.\d+)?\s?%", result.answer)  # a KPI figure
    assert result.interaction_ids and all(i in result.answer for i in result.interaction_ids)
    assert "<transcript" not in result.answer


def test_thread_memory_keeps_earlier_turns(sqlite_store):
    seed(sqlite_store)
    context = chat_context(ParcoursContext(store=sqlite_store), model=None)
    first = answer(
        question="Quel est le taux de satisfaction ?", thread_id="t-2", context=context, tools=TOOLS
    )
    second = answer(question="What is our CSAT by channel?", thread_id="t-2", context=context, tools=TOOLS)
    assert [t.name for t in first.tools] == ["kpi_query"] and second.tools[0].args["by"] == "channel"
    assert "without a language model" in second.answer
    from agent.chat.graph import build_chat_graph
    from agent.chat.threads import checkpoint_thread_id
    from agent.checkpoint import open_checkpointer

    thread = checkpoint_thread_id(tenant=context.tenant, thread_id="t-2")
    with open_checkpointer(sqlite_store) as saver:
        state = build_chat_graph(tools=TOOLS, checkpointer=saver).get_state(
            {"configurable": {"thread_id": thread}}
        )
    humans = [m.content for m in state.values["messages"] if m.type == "human"]
    assert humans == ["Quel est le taux de satisfaction ?", "What is our CSAT by channel?"]


def test_offline_stream_yields_tool_steps_tokens_and_final(sqlite_store):
    seed(sqlite_store)
    events = list(
        stream_chat(
            question="Quel est le temps d'attente en radiologie ?",
            thread_id="t-3",
            context=ParcoursContext(store=sqlite_store),
            model=None,
            tools=TOOLS,
        )
    )
    kinds = [e["type"] for e in events]
    assert kinds[0] == "tool_call" and "tool_result" in kinds and kinds[-1] == "final"
    assert kinds.index("tool_result") < kinds.index("token")
    text = "".join(e["text"] for e in events if e["type"] == "token")
    assert text == events[-1]["answer"]["answer"]
    assert events[0]["args"]["filters"] == {"queue": "radiologie"}
