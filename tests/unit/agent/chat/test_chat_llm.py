from __future__ import annotations

from agent.chat import answer, stream_chat
from agent.llm import make_chat_model
from tests.unit.agent.agent_fakes import search_transcripts, seed
from tests.unit.agent.llm_mock import Script, completion, sse, status, tool_call
from tools.context import ParcoursContext
from tools.kpi import compare_periods, kpi_query

TOOLS = [kpi_query, compare_periods, search_transcripts]


def test_llm_chat_calls_tools_and_answers_with_their_figures(sqlite_store, llm_settings, llm_http):
    groups = seed(sqlite_store)
    script = Script(
        [
            completion(
                tool_calls=[
                    tool_call("kpi_query", {"metric": "fcr", "filters": {"queue": "cardiologie"}}),
                    tool_call("search_transcripts", {"query": "ordonnance"}, "call_2"),
                ]
            ),
            completion(
                content=f"La FCR en cardiologie est de 66,7 % (n=12) ; exemple : {groups['presc'][0]}."
            ),
        ]
    )
    llm_http.post("/chat/completions").mock(side_effect=script)
    result = answer(
        question="Pourquoi la FCR baisse en cardiologie ?",
        thread_id="c1",
        context=ParcoursContext(store=sqlite_store),
        settings=llm_settings,
        model=make_chat_model(llm_settings),
        tools=TOOLS,
        retry_base_delay=0,
    )
    assert result.mode == "llm" and result.model == "scripted-model"
    assert [t.name for t in result.tools] == ["kpi_query", "search_transcripts"]
    assert "66,7 %" in result.answer and groups["presc"][0] in result.interaction_ids
    # the same answer format as offline: the model's sentence, then the table of its last tool with data
    # (the search's hits, read from its artifact)
    assert (
        result.reply is not None
        and result.reply.intent == "llm"
        and result.reply.sentence.startswith("La FCR")
    )
    assert result.reply.table and result.reply.table["columns"][0] == "Interaction"
    assert [row[0] for row in result.reply.table["rows"]] == groups["presc"][:5]
    assert any("Indicateur" in step for step in result.reply.details)
    tool_results = [m["content"] for m in script.requests[1]["messages"] if m["role"] == "tool"]
    assert "66.7%" in tool_results[0] and "<transcript" in tool_results[1]
    assert script.requests[0]["messages"][0]["role"] == "system"
    assert "ignore" not in script.requests[0]["messages"][-1]["content"].lower()


def test_llm_chat_streams_tokens_and_tool_steps_from_sse(sqlite_store, llm_settings, llm_http):
    seed(sqlite_store)
    script = Script(
        [
            sse(tool_calls=[tool_call("kpi_query", {"metric": "csat"})]),
            sse(content_parts=["La satis", "faction est ", "de 75 %."]),
        ]
    )
    llm_http.post("/chat/completions").mock(side_effect=script)
    events = list(
        stream_chat(
            question="Quelle est la satisfaction ?",
            thread_id="c2",
            context=ParcoursContext(store=sqlite_store),
            settings=llm_settings,
            model=make_chat_model(llm_settings),
            tools=TOOLS,
            retry_base_delay=0,
        )
    )
    assert all(body.get("stream") for body in script.requests)
    kinds = [e["type"] for e in events]
    assert kinds[0] == "tool_call" and events[0]["name"] == "kpi_query"
    assert kinds.index("tool_result") < kinds.index("token") and kinds[-1] == "final"
    # The model's chunks are checked (agent.chat.grounding) before they are shown: one checked text.
    assert "".join(e["text"] for e in events if e["type"] == "token") == "La satisfaction est de 75 %."
    assert (
        events[-1]["answer"]["answer"] == "La satisfaction est de 75 %."
        and events[-1]["answer"]["mode"] == "llm"
    )


def test_llm_chat_falls_back_to_the_router_when_the_model_fails(sqlite_store, llm_settings, llm_http):
    seed(sqlite_store)
    llm_http.post("/chat/completions").mock(side_effect=Script([status(500)] * 3))
    result = answer(
        question="Quel est le taux de satisfaction ?",
        thread_id="c3",
        context=ParcoursContext(store=sqlite_store),
        settings=llm_settings,
        model=make_chat_model(llm_settings),
        tools=TOOLS,
        retry_base_delay=0,
    )
    assert result.mode == "offline" and [t.name for t in result.tools] == ["kpi_query"]
    assert "le modèle de langue n'a pas répondu" in result.answer and result.notes
    assert result.reply is not None and result.reply.sentence.startswith("La satisfaction (CSAT) est de")
