"""Chat: ask a question about the tenant's data; the answer streams as server-sent events."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import AsyncIterator, Iterator
from typing import Any

from fastapi import APIRouter
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, Field
from starlette.concurrency import iterate_in_threadpool

from api.deps import EmbedderDep, IndexDep, ReadKey, SettingsDep, StoreDep
from api.errors import ERROR_RESPONSES
from api.queries import latest_result
from api.serialize import to_jsonable

router = APIRouter(prefix="/v1", tags=["chat"], responses=ERROR_RESPONSES)


class ChatRequest(BaseModel):
    """A question, in a thread (new thread when omitted)."""

    question: str = Field(min_length=1, max_length=4000, description="The manager's question.")
    thread_id: str | None = Field(
        default=None, max_length=100, pattern=r"^[A-Za-z0-9_.:-]+$", description="Continue this conversation."
    )

    model_config = {
        "extra": "forbid",
        "json_schema_extra": {
            "examples": [
                {
                    "question": "Pourquoi le FCR a-t-il baissé en cardiologie ?",
                    "thread_id": "chat-3f2a",
                }
            ]
        },
    }


def sse(event: str, data: Any) -> str:
    """One server-sent event."""
    return f"event: {event}\ndata: {json.dumps(to_jsonable(data), ensure_ascii=False)}\n\n"


def _words(text: str, size: int = 24) -> Iterator[str]:
    """Split a finished answer into small pieces (losslessly) so clients render it progressively."""
    piece = ""
    for word in re.findall(r"\S+\s*|\s+", text):
        piece += word
        if len(piece) >= size:
            yield piece
            piece = ""
    if piece:
        yield piece


def _quotes(store: Any, tenant: str, ids: list[str]) -> list[dict[str, str]]:
    """Evidence for cited interaction ids: the first patient words of each (redacted, the tenant's own)."""
    from api.routes.interactions import load_interactions

    evidence = []
    for view in load_interactions(store, tenant=tenant, ids=ids[:10]):
        said = next((t["text"] for t in view.transcript if t["speaker"] == "patient"), "")
        evidence.append({"interaction_id": view.id, "quote": said[:280]})
    return evidence


def _context(*, store: Any, tenant: str, index: Any, embedder: Any) -> Any:
    from tools.context import ParcoursContext

    latest = latest_result(store, tenant=tenant)
    return ParcoursContext(
        store=store,
        tenant=tenant,
        index=index,
        embedder=embedder,
        period=latest.period if latest else None,
        baseline=latest.baseline if latest else None,
    )


def _from_stream(
    events: Iterator[dict[str, Any]], *, store: Any, tenant: str, thread_id: str
) -> Iterator[str]:
    """Translate the agent's events (token, tool_call, tool_result, final) into the API's SSE events."""
    final: dict[str, Any] = {}
    streamed = False
    for event in events:
        kind = event.get("type", "token")
        if kind == "token":
            streamed = True
            text = str(event.get("text", ""))
            for piece in (
                _words(text) if len(text) > 80 else [text]
            ):  # a whole offline line: show it progressively
                yield sse("token", {"text": piece})
        elif kind == "tool_call":
            yield sse("step", {"tool": event.get("name"), "args": event.get("args", {})})
        elif kind == "tool_result":
            content = str(event.get("content", ""))
            yield sse("step", {"tool": event.get("name"), "result": content[:2000]})
        elif kind == "final":
            final = event.get("answer") or {}
    text = str(final.get("answer") or "")
    if text and not streamed:
        for piece in _words(text):
            yield sse("token", {"text": piece})
    reply = final.get("reply") or None
    if reply:  # the answer in parts: sentence, table, evidence, steps in words, suggestions
        yield sse("answer", reply)
    evidence = (reply or {}).get("evidence") or _quotes(
        store, tenant, list(final.get("interaction_ids") or [])
    )
    if evidence:
        yield sse("evidence", evidence)
    yield sse(
        "done",
        {
            "thread_id": thread_id,
            "mode": final.get("mode"),
            "model": final.get("model"),
            "notes": final.get("notes", []),
            "removed_ids": final.get("removed_ids", []),
            "unverified_numbers": final.get("unverified_numbers", []),
            "answer": text,
        },
    )


def chat_events(
    *, question: str, thread_id: str, tenant: str, store: Any, index: Any, embedder: Any, settings: Any
) -> Iterator[str]:
    """The SSE stream of one answer: thread, step*, token*, evidence, done (or error)."""
    yield sse("thread", {"thread_id": thread_id})
    try:
        from agent.chat import stream_chat  # imported when first asked: it pulls in LangGraph

        context = _context(store=store, tenant=tenant, index=index, embedder=embedder)
        # The agent keys its memory by tenant and thread (agent.chat.threads): no cross-tenant thread.
        events = stream_chat(question=question, thread_id=thread_id, context=context, settings=settings)
        try:  # closed here, in this thread, even when the client leaves or a step fails
            yield from _from_stream(events, store=store, tenant=tenant, thread_id=thread_id)
        finally:
            events.close()
    except Exception as exc:  # the stream has started: report the error as an event, not a 500
        import logging

        logging.getLogger("parcours.api").exception("chat failed")
        yield sse("error", {"message": str(exc) or type(exc).__name__})


ERROR_SCHEMA = {"$ref": "#/components/schemas/ErrorBody"}


class EventStream(StreamingResponse):
    """A server-sent event stream (so the OpenAPI document names text/event-stream, not JSON)."""

    media_type = "text/event-stream"


@router.post(
    "/chat",
    response_class=EventStream,
    summary="Ask a question (streamed)",
    description=(
        "Answers a question about the tenant's data with the chat agent (tools over KPIs, themes, "
        "frictions and "
        "transcripts). The response is `text/event-stream` with events `thread` {thread_id}, `step` (a tool "
        "call), `token` {text}, `answer` {sentence, table, evidence, details, suggestions} (the answer in "
        "parts), `evidence` [{interaction_id, quote}], `done` and `error` {message}. Send the "
        "`thread_id` back to continue the conversation. `done` carries the mode (offline or llm), the model, "
        "notes, and what the check of a model's answer removed (`removed_ids`: interaction ids no tool "
        "returned) or marked (`unverified_numbers`); tokens come once the answer is checked. Needs `read`."
    ),
    responses={
        **{  # errors before the stream starts are JSON, like everywhere else
            code: {
                "description": spec["description"],
                "content": {"application/json": {"schema": ERROR_SCHEMA}},
            }
            for code, spec in ERROR_RESPONSES.items()
        },
        200: {
            "content": {
                "text/event-stream": {
                    "example": (
                        'event: thread\ndata: {"thread_id": "chat-3f2a"}\n\n'
                        'event: step\ndata: {"tool": "kpi_query", '
                        '"args": {"metric": "fcr", "by": "queue"}}\n\n'
                        'event: token\ndata: {"text": "Le FCR a baissé "}\n\n'
                        'event: done\ndata: {"thread_id": "chat-3f2a"}\n\n'
                    )
                }
            }
        },
    },
)
async def chat(
    body: ChatRequest,
    key: ReadKey,
    store: StoreDep,
    index: IndexDep,
    embedder: EmbedderDep,
    settings: SettingsDep,
) -> StreamingResponse:
    """Stream the answer to a question."""
    thread_id = body.thread_id or "chat-" + uuid.uuid4().hex[:12]
    events = chat_events(
        question=body.question,
        thread_id=thread_id,
        tenant=key.tenant,
        store=store,
        index=index,
        embedder=embedder,
        settings=settings,
    )

    async def stream() -> AsyncIterator[str]:
        async for chunk in iterate_in_threadpool(events):
            yield chunk

    return EventStream(
        stream(),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )
