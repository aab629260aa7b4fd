"""Chat memory: checkpoint threads never cross tenants; the question is redacted before it is kept or sent."""

from __future__ import annotations

from pathlib import Path

from agent.chat import answer
from agent.chat.threads import checkpoint_thread_id
from agent.checkpoint import open_checkpointer
from agent.llm import make_chat_model
from tests.unit.agent.agent_fakes import search_transcripts, seed
from tests.unit.agent.llm_mock import Script, completion
from tools.context import ParcoursContext
from tools.kpi import compare_periods, kpi_query

TOOLS = [kpi_query, compare_periods, search_transcripts]
PHONE = "06 12 34 56 78"
QUESTION = f"Le patient qui a laissé le {PHONE} a-t-il été rappelé ?"


def test_thread_ids_cannot_collide_across_tenants() -> None:
    ids = {
        checkpoint_thread_id(tenant="a:b", thread_id="c"),
        checkpoint_thread_id(tenant="a", thread_id="b:c"),
        checkpoint_thread_id(tenant="a", thread_id="b\x00c"),
        checkpoint_thread_id(tenant="b", thread_id="c"),
    }
    assert len(ids) == 4
    assert checkpoint_thread_id(tenant="a", thread_id="x") == checkpoint_thread_id(tenant="a", thread_id="x")
    assert all(i.startswith("chat-") and len(i) == 5 + 64 for i in ids)


def _home_bytes(home: Path) -> bytes:
    return b"".join(p.read_bytes() for p in home.rglob("*") if p.is_file())


def test_each_tenant_keeps_its_own_memory_of_a_shared_thread_id(sqlite_store, settings) -> None:
    seed(sqlite_store)
    for tenant, question in (("alpha", "Quel est le volume ?"), ("beta", "Quelle est la satisfaction ?")):
        answer(
            question=question,
            thread_id="same",
            context=ParcoursContext(store=sqlite_store, tenant=tenant),
            settings=settings,
            model=None,
            tools=TOOLS,
        )
    with open_checkpointer(sqlite_store, settings) as saver:
        asked = {}
        for tenant in ("alpha", "beta"):
            config = {"configurable": {"thread_id": checkpoint_thread_id(tenant=tenant, thread_id="same")}}
            state = saver.get_tuple(config)  # type: ignore[arg-type]
            assert state is not None
            messages = state.checkpoint["channel_values"]["messages"]
            asked[tenant] = [m.content for m in messages if m.type == "human"]
    assert asked == {"alpha": ["Quel est le volume ?"], "beta": ["Quelle est la satisfaction ?"]}


def test_the_question_is_redacted_before_the_checkpoint_and_the_offline_answer(
    sqlite_store, settings
) -> None:
    seed(sqlite_store)
    result = answer(
        question=QUESTION,
        thread_id="t-phone",
        context=ParcoursContext(store=sqlite_store),
        settings=settings,
        model=None,
        tools=TOOLS,
    )
    home = settings.home_dir
    assert (home / "checkpoints.sqlite").exists()
    data = _home_bytes(home)
    assert PHONE.encode() not in data and b"0612345678" not in data
    assert PHONE not in result.answer


def test_the_question_is_redacted_before_it_is_sent_to_the_model(
    sqlite_store, llm_settings, llm_http
) -> None:
    seed(sqlite_store)
    script = Script([completion(content="Je ne trouve pas cette information dans les outils.")])
    llm_http.post("/chat/completions").mock(side_effect=script)
    answer(
        question=QUESTION,
        thread_id="t-phone-llm",
        context=ParcoursContext(store=sqlite_store),
        settings=llm_settings,
        model=make_chat_model(llm_settings),
        tools=TOOLS,
        retry_base_delay=0,
    )
    sent = str(script.requests)
    assert script.requests and PHONE not in sent and "0612345678" not in sent and "<PHONE>" in sent
    data = _home_bytes(llm_settings.home_dir)
    assert PHONE.encode() not in data
