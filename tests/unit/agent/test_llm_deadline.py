"""PARCOURS_LLM_TIMEOUT bounds a whole model call, streamed or not, not the gap between chunks.

The streams below would last CHUNKS * GAP = 8 s; a call cut at its 1 s deadline has been served only a few
of their chunks. The tests count the chunks served rather than timing the call, so a busy machine (which
delays the cut but not the gaps) does not fail them.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
from langchain_core.messages import HumanMessage

from agent.chat import stream_chat
from agent.llm import CallDeadlineExceeded, make_chat_model
from core.settings import Settings
from tests.unit.agent.agent_fakes import search_transcripts, seed
from tests.unit.agent.llm_mock import MODEL
from tools.context import ParcoursContext
from tools.kpi import kpi_query

GAP = 0.2
CHUNKS = 40  # 8 s of dribble, each gap far below the timeout
CUT = CHUNKS // 2  # served fewer than this: the call stopped at its deadline, not at the stream's end


def _chunk(text: str) -> bytes:
    body = {
        "id": "chatcmpl-slow",
        "object": "chat.completion.chunk",
        "created": 0,
        "model": MODEL,
        "choices": [{"index": 0, "delta": {"content": text}, "finish_reason": None}],
    }
    return f"data: {json.dumps(body)}\n\n".encode()


def dribble(served: list[int]) -> Iterator[bytes]:
    for n in range(CHUNKS):
        time.sleep(GAP)
        served.append(n)
        yield _chunk(f"mot{n} ")
    yield b"data: [DONE]\n\n"


async def adribble(served: list[int]) -> AsyncIterator[bytes]:
    for n in range(CHUNKS):
        await asyncio.sleep(GAP)
        served.append(n)
        yield _chunk(f"mot{n} ")
    yield b"data: [DONE]\n\n"


@pytest.fixture
def slow_settings(llm_settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Settings:
    monkeypatch.setenv("PARCOURS_LLM_TIMEOUT", "1")
    monkeypatch.setenv("PARCOURS_LLM_MAX_RETRIES", "0")
    return Settings()


def _timed_out(exc: BaseException | None) -> bool:
    """Whether the error (or one it was raised from) is the call's deadline."""
    while exc is not None:
        if isinstance(exc, CallDeadlineExceeded):
            return True
        exc = exc.__cause__ or exc.__context__
    return False


def _sse(stream: Any) -> httpx.Response:
    return httpx.Response(200, headers={"content-type": "text/event-stream"}, content=stream)


def test_a_dribbling_stream_is_cut_at_the_deadline(slow_settings: Settings, llm_http: Any) -> None:
    served: list[int] = []
    llm_http.post("/chat/completions").mock(side_effect=lambda request: _sse(dribble(served)))
    model = make_chat_model(slow_settings)
    with pytest.raises(Exception) as failure:
        for _ in model.stream([HumanMessage("Bonjour")]):
            pass
    assert len(served) < CUT
    assert _timed_out(failure.value)


def test_a_dribbling_async_stream_is_cut_at_the_deadline(slow_settings: Settings, llm_http: Any) -> None:
    served: list[int] = []
    llm_http.post("/chat/completions").mock(side_effect=lambda request: _sse(adribble(served)))
    model = make_chat_model(slow_settings)

    async def consume() -> None:
        async for _ in model.astream([HumanMessage("Bonjour")]):
            pass

    with pytest.raises(Exception) as failure:
        asyncio.run(consume())
    assert len(served) < CUT
    assert _timed_out(failure.value)


def test_a_chat_turn_on_a_dribbling_model_falls_back_within_the_deadline(
    sqlite_store: Any, slow_settings: Settings, llm_http: Any
) -> None:
    seed(sqlite_store)
    served: list[int] = []
    route = llm_http.post("/chat/completions").mock(side_effect=lambda request: _sse(dribble(served)))
    events = list(
        stream_chat(
            question="Quelle est la satisfaction ?",
            thread_id="slow",
            context=ParcoursContext(store=sqlite_store),
            settings=slow_settings,
            model=make_chat_model(slow_settings),
            tools=[kpi_query, search_transcripts],
            retry_base_delay=0,
        )
    )
    final = events[-1]["answer"]
    assert route.call_count == 1 and len(served) < CUT  # one cut call, then the offline tools
    assert final["mode"] == "offline" and any("timed out" in note.lower() for note in final["notes"])
    assert not any("mot3" in e.get("text", "") for e in events if e["type"] == "token")


def test_a_quick_stream_is_untouched(slow_settings: Settings, llm_http: Any) -> None:
    body = _chunk("Bonjour ") + _chunk("à vous.") + b"data: [DONE]\n\n"
    llm_http.post("/chat/completions").mock(return_value=_sse(body))
    text = "".join(str(c.content) for c in make_chat_model(slow_settings).stream([HumanMessage("x")]))
    assert text == "Bonjour à vous."
