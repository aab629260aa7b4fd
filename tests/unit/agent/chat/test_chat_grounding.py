"""A model's chat answer is checked against what the tools returned in that turn before anyone reads it."""

from __future__ import annotations

from langchain_core.messages import AIMessage, HumanMessage, ToolMessage

from agent.chat import answer, stream_chat
from agent.chat.grounding import check_answer
from agent.llm import make_chat_model
from tests.unit.agent.agent_fakes import search_transcripts, seed
from tests.unit.agent.llm_mock import Script, completion, sse, tool_call
from tools.context import ParcoursContext
from tools.evidence import transcript_block
from tools.kpi import compare_periods, kpi_query

TOOLS = [kpi_query, compare_periods, search_transcripts]
KPI = (
    "fcr (share) 2026-11-16..2026-11-22 by queue. '!' = fewer than 30 contacts, do not rank.\n"
    "queue | value | 95% CI | n | note\n"
    "cardiologie | 66.7% | [39.1%, 86.2%] | 12 | rule=repeat\n"
    "radiologie | 0.8125 | - | 1840 | wait p90=1260s"
)
SEARCH = "2 interactions match 'ordonnance'\n" + "\n".join(
    [
        transcript_block("call-000123", "Troisième appel pour mon ordonnance."),
        transcript_block("mail 7", "Bonjour"),
    ]
)

SEARCH_DATA = {
    "kind": "search",
    "rows": [
        {"interaction_id": "call-000123", "quote": "Troisième appel pour mon ordonnance."},
        {"interaction_id": "mail 7", "quote": "Bonjour"},
    ],
}


def _turn() -> list:
    call = {"name": "kpi_query", "args": {"metric": "fcr"}, "id": "c1", "type": "tool_call"}
    search = {"name": "search_transcripts", "args": {"query": "ordonnance"}, "id": "c2", "type": "tool_call"}
    return [
        HumanMessage("Pourquoi la FCR baisse en cardiologie en 2026-W47 ?"),
        AIMessage(content="", tool_calls=[call, search]),
        ToolMessage(content=KPI, tool_call_id="c1", name="kpi_query"),
        ToolMessage(content=SEARCH, artifact=SEARCH_DATA, tool_call_id="c2", name="search_transcripts"),
    ]


def test_grounded_ids_and_figures_pass_untouched() -> None:
    text = (
        "En 2026-W47, la FCR en cardiologie est de 66,7 % (IC 39,1 %–86,2 %, n = 12) contre 81 % en "
        "radiologie (1 840 contacts, p90 de 21 minutes). Exemples : call-000123 et mail 7. "
        "Les 3 files suivies et le COVID-19 n'y sont pour rien."
    )
    checked = check_answer(text, turn=_turn(), language="fr")
    assert checked.text == text and not checked.notes
    assert checked.cited_ids == ["call-000123", "mail 7"]


def test_unknown_ids_are_removed_and_unverified_figures_marked_with_notes() -> None:
    text = "La FCR est de 66,7 % ; voir call-000123, int-FAKE-0001 et call-999999. Elle était de 45 %."
    checked = check_answer(text, turn=_turn(), language="fr")
    assert "int-FAKE-0001" not in checked.text and "call-999999" not in checked.text
    assert checked.text.count("[id retiré]") == 2 and "45 % [non vérifié]" in checked.text
    assert "66,7 % [non" not in checked.text and "call-000123" in checked.text
    assert checked.removed_ids == ["int-FAKE-0001", "call-999999"]
    assert checked.unverified_numbers == ["45 %"] and len(checked.notes) == 2
    assert checked.cited_ids == ["call-000123"]


def test_english_formats_and_marks() -> None:
    text = (
        "FCR is 66.7% (n=12); radiology 81.3% over 1,840 contacts; 2,500 calls were lost (see ticket-4821)."
    )
    checked = check_answer(text, turn=_turn(), language="en")
    assert checked.unverified_numbers == ["2,500"] and checked.removed_ids == ["ticket-4821"]
    assert "[unverified]" in checked.text and "[id removed]" in checked.text


def test_an_llm_answer_with_made_up_ids_and_figures_is_checked_end_to_end(
    sqlite_store, llm_settings, llm_http
) -> None:
    groups = seed(sqlite_store)
    real = groups["presc"][0]
    script = Script(
        [
            sse(tool_calls=[tool_call("search_transcripts", {"query": "ordonnance"})]),
            sse(
                content_parts=[
                    f"Trois cas : {real}, int-FAKE",
                    "-0001 et call-999999 ; 87 % des ",
                    "patients.",
                ]
            ),
        ]
    )
    llm_http.post("/chat/completions").mock(side_effect=script)
    events = list(
        stream_chat(
            question="Que disent les patients des ordonnances ?",
            thread_id="g1",
            context=ParcoursContext(store=sqlite_store),
            settings=llm_settings,
            model=make_chat_model(llm_settings),
            tools=TOOLS,
            retry_base_delay=0,
        )
    )
    final = events[-1]["answer"]
    shown = "".join(e["text"] for e in events if e["type"] == "token")
    assert shown == final["answer"]
    assert "int-FAKE-0001" not in shown and "call-999999" not in shown and real in shown
    assert "87 % [non vérifié]" in shown
    assert final["removed_ids"] == ["int-FAKE-0001", "call-999999"] and final["interaction_ids"] == [real]
    assert final["unverified_numbers"] == ["87 %"] and len(final["notes"]) == 2
    # The conversation keeps the checked answer: the next question's request carries no fake id.
    script.steps.append(completion(content="Rien de plus."))
    again = answer(
        question="Et ensuite ?",
        thread_id="g1",
        context=ParcoursContext(store=sqlite_store),
        settings=llm_settings,
        model=make_chat_model(llm_settings),
        tools=TOOLS,
        retry_base_delay=0,
    )
    assert again.mode == "llm" and len(script.requests) == 3
    history = str(script.requests[-1]["messages"])
    assert real in history and "int-FAKE-0001" not in history and "[id retiré]" in history
