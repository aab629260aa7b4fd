"""The managers' chat: `answer` one question in a thread, or `stream_chat` its tokens and tool steps."""

from __future__ import annotations

from collections.abc import Generator, Iterator, Sequence
from contextlib import closing, suppress
from typing import Any

from langchain_core.messages import AIMessage, HumanMessage, ToolMessage
from langchain_core.tools import BaseTool

from agent.analysis.periods import default_period
from agent.chat.answers import reply_for_model
from agent.chat.entities import detect_language
from agent.chat.graph import build_chat_graph
from agent.chat.nodes import current_turn, tool_results
from agent.chat.state import ChatAnswer, ChatContext, ChatReply, ToolUse
from agent.chat.threads import checkpoint_thread_id
from agent.checkpoint import open_checkpointer
from agent.llm import model_name
from core.periods import baseline_for
from core.privacy import redact
from core.settings import Settings
from tools.context import ParcoursContext
from tools.evidence import artifact_quotes

__all__ = ["ChatAnswer", "ChatReply", "answer", "chat_context", "checkpoint_thread_id", "stream_chat"]

AUTO: Any = object()
"""Default of `model`: build the configured model (None when no LLM is configured)."""


def chat_context(
    context: ParcoursContext,
    *,
    settings: Settings | None = None,
    model: Any = AUTO,
    retry_base_delay: float = 1.0,
) -> ChatContext:
    """The chat's context: the caller's, with the last complete week as the default period."""
    settings = settings or context.store.settings
    if model is AUTO:
        from agent.llm import make_chat_model

        model = make_chat_model(settings)
    period, baseline = context.period, context.baseline
    if period is None:
        with suppress(ValueError):  # no data yet: tools will say so
            period, _ = default_period(context.store, context.tenant)
    if period is not None and baseline is None:
        baseline = baseline_for(period, settings.baseline_weeks)
    return ChatContext(
        store=context.store,
        tenant=context.tenant,
        index=context.index,
        embedder=context.embedder,
        period=period,
        baseline=baseline,
        settings=settings,
        model=model,
        retry_base_delay=retry_base_delay,
    )


def _reply(turn: list[Any], final: AIMessage | None, text: str) -> ChatReply | None:
    """The answer in parts: the offline composer's, or the model's words with its tools' table, quotes."""
    if final is None:
        return None
    stored = final.additional_kwargs.get("reply")
    if isinstance(stored, dict):
        return ChatReply.model_validate(stored)
    question = turn[0].content if turn and isinstance(turn[0].content, str) else ""
    return reply_for_model(text, tool_results(turn), detect_language(question))


def _answer_of(values: dict[str, Any], thread_id: str, ctx: ChatContext) -> ChatAnswer:
    turn = current_turn(values.get("messages", []))
    final = turn[-1] if turn and isinstance(turn[-1], AIMessage) else None
    text = final.content if final is not None and isinstance(final.content, str) else ""
    reply = _reply(turn, final, text)
    tools = [
        ToolUse(name=c["name"], args=c["args"])
        for m in turn
        if isinstance(m, AIMessage)
        for c in m.tool_calls
    ]
    ids: list[str] = [e["interaction_id"] for e in (reply.evidence if reply else [])]
    for message in turn:
        if isinstance(message, ToolMessage):
            ids += [i for i, _quote in artifact_quotes(message.artifact)]
    mode = values.get("mode", "offline")
    grounding = values.get("grounding") or {}
    if mode == "llm" and grounding.get("cited_ids"):  # the checked answer's own citations, when it has any
        ids = list(grounding["cited_ids"])
    return ChatAnswer(
        answer=text,
        thread_id=thread_id,
        mode="llm" if mode == "llm" else "offline",
        model=model_name(ctx.model) if mode == "llm" else None,
        tools=tools,
        interaction_ids=list(dict.fromkeys(ids)),
        removed_ids=list(grounding.get("removed_ids", [])) if mode == "llm" else [],
        unverified_numbers=list(grounding.get("unverified_numbers", [])) if mode == "llm" else [],
        notes=list(values.get("notes", [])),
        reply=reply,
    )


def _config(ctx: ChatContext, thread_id: str) -> Any:
    """The run config of a question: the tenant's own checkpoint thread for this conversation."""
    thread = checkpoint_thread_id(tenant=ctx.tenant, thread_id=thread_id)
    return {"configurable": {"thread_id": thread}, "recursion_limit": 40}


def answer(
    *,
    question: str,
    thread_id: str,
    context: ParcoursContext,
    settings: Settings | None = None,
    model: Any = AUTO,
    tools: Sequence[BaseTool] | None = None,
    retry_base_delay: float = 1.0,
) -> ChatAnswer:
    """Answer one question in a conversation (the thread keeps earlier questions and answers)."""
    ctx = (
        context
        if isinstance(context, ChatContext) and model is AUTO
        else chat_context(context, settings=settings, model=model, retry_base_delay=retry_base_delay)
    )
    config = _config(ctx, thread_id)
    with open_checkpointer(ctx.store, ctx.settings) as saver:
        graph = build_chat_graph(tools=tools, checkpointer=saver)
        # The question is redacted before it is checkpointed or sent to a model.
        values = graph.invoke({"messages": [HumanMessage(redact(question))]}, config, context=ctx)
    return _answer_of(values, thread_id, ctx)


def stream_chat(
    *,
    question: str,
    thread_id: str,
    context: ParcoursContext,
    settings: Settings | None = None,
    model: Any = AUTO,
    tools: Sequence[BaseTool] | None = None,
    retry_base_delay: float = 1.0,
) -> Generator[dict[str, Any], None, None]:
    """Answer a question as events: token, tool_call, tool_result, then final (the ChatAnswer)."""
    ctx = (
        context
        if isinstance(context, ChatContext) and model is AUTO
        else chat_context(context, settings=settings, model=model, retry_base_delay=retry_base_delay)
    )
    config = _config(ctx, thread_id)
    with open_checkpointer(ctx.store, ctx.settings) as saver:
        graph = build_chat_graph(tools=tools, checkpointer=saver)
        events: Any = graph.stream(
            {"messages": [HumanMessage(redact(question))]},  # redacted before checkpoint and model
            config,
            context=ctx,
            stream_mode=["messages", "updates"],
        )
        with closing(events):  # the graph's stream ends before its checkpointer closes, whatever happens
            yield from _stream_events(events)
        values = graph.get_state(config).values
    yield {"type": "final", "answer": _answer_of(values, thread_id, ctx).model_dump(mode="json")}


def _stream_events(events: Any) -> Iterator[dict[str, Any]]:
    """The API's events (tool_call, tool_result, token) of the graph's stream."""
    for kind, data in events:
        if kind == "messages":  # the model's raw tokens: shown only once the answer is checked
            continue
        for node, update in (data or {}).items():
            for message in (update or {}).get("messages", []) if isinstance(update, dict) else []:
                if isinstance(message, AIMessage) and message.tool_calls:
                    for call in message.tool_calls:
                        yield {"type": "tool_call", "name": call["name"], "args": call["args"]}
                elif isinstance(message, ToolMessage):
                    yield {"type": "tool_result", "name": message.name, "content": message.content}
                elif isinstance(message, AIMessage) and node == "respond":
                    for line in str(message.content).splitlines(keepends=True):
                        yield {"type": "token", "text": line}
