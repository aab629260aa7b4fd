"""Nodes of the chat graph: the model (or the offline router) decides tool calls and writes the answer."""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from contextlib import suppress
from typing import Any, Literal

from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage, ToolMessage
from langchain_core.tools import BaseTool
from langgraph.runtime import Runtime

from agent.analysis.periods import baseline_for, default_period, week_label
from agent.analysis.policies import LlmUnavailable, llm_tool_step
from agent.chat.grounding import check_answer
from agent.chat.router import detect_language, route, vocabulary
from agent.chat.state import ChatContext, ChatState
from prompts.chat import CHAT_SYSTEM
from tools.evidence import parse_transcripts, readable_transcripts

HEADERS = {
    "fr": "Réponse sans modèle de langue (mode hors ligne, aucun LLM {why}) : voici ce que disent les "
    "données.",
    "en": "Answered without a language model (offline mode, no LLM {why}): here is what the data says.",
}
WHY = {
    "fr": {"none": "configuré", "failed": "disponible : le modèle a échoué"},
    "en": {"none": "configured", "failed": "available: the model failed"},
}
CITED = {"fr": "Interactions citées : {ids}", "en": "Interactions cited: {ids}"}
NO_TOOL = {
    "fr": "Je n'ai trouvé aucun outil pour répondre à cette question.",
    "en": "I found no tool to answer this question.",
}


def current_turn(messages: Sequence[BaseMessage]) -> list[BaseMessage]:
    """The messages since the last question (inclusive)."""
    for i in range(len(messages) - 1, -1, -1):
        if isinstance(messages[i], HumanMessage):
            return list(messages[i:])
    return list(messages)


def cited_ids(text: str) -> list[str]:
    """Interaction ids of the <transcript> blocks in a text, in order."""
    return list(dict.fromkeys(interaction_id for interaction_id, _ in parse_transcripts(text)))


def readable(content: str, language: str) -> str:
    """A tool result for a person: transcript blocks become quoted lines with their id."""
    open_q, close_q = ("« ", " »") if language == "fr" else ('"', '"')
    return readable_transcripts(content, open_quote=open_q, close_quote=close_q)


def compose_offline(turn: list[BaseMessage], *, failed: bool = False) -> str:
    """The offline answer: the tools' results, readable, with the interactions they cite."""
    question = turn[0].content if turn and isinstance(turn[0].content, str) else ""
    language = detect_language(question)
    lines = [HEADERS[language].format(why=WHY[language]["failed" if failed else "none"])]
    calls = {c["id"]: c for m in turn if isinstance(m, AIMessage) for c in m.tool_calls}
    ids: list[str] = []
    for message in turn:
        if not isinstance(message, ToolMessage):
            continue
        call: dict[str, Any] = dict(calls.get(message.tool_call_id) or {})
        args = {k: v for k, v in (call.get("args") or {}).items() if v not in (None, {}, "")}
        content = message.content if isinstance(message.content, str) else str(message.content)
        lines.append(f"\n▸ {call.get('name', message.name)}({json.dumps(args, ensure_ascii=False)})")
        lines.append(readable(content, language))
        ids += cited_ids(content)
    if len(lines) == 1:
        lines.append(NO_TOOL[language])
    if ids:
        lines.append("\n" + CITED[language].format(ids=", ".join(dict.fromkeys(ids))))
    return "\n".join(lines)


def _vocabulary(ctx: ChatContext) -> Any:
    if ctx.vocabulary is None:
        ctx.vocabulary = vocabulary(ctx.store, ctx.tenant)
    return ctx.vocabulary


def _accepted(tool: BaseTool, args: dict[str, Any]) -> dict[str, Any]:
    fields = getattr(tool.tool_call_schema, "model_fields", None) or {}
    return {k: v for k, v in args.items() if v is not None and (not fields or k in fields)}


def router_calls(question: str, ctx: ChatContext, tools: dict[str, BaseTool]) -> AIMessage:
    """The offline router's tool calls for a question (only tools that exist)."""
    routed = route(question, _vocabulary(ctx))
    calls = [
        {
            "name": c.tool,
            "args": _accepted(tools[c.tool], c.args),
            "id": f"route-{uuid.uuid4().hex[:8]}",
            "type": "tool_call",
        }
        for c in routed.calls
        if c.tool in tools
    ]
    if not calls and "search_transcripts" in tools:
        calls = [
            {
                "name": "search_transcripts",
                "args": {"query": question, "k": 8},
                "id": f"route-{uuid.uuid4().hex[:8]}",
                "type": "tool_call",
            }
        ]
    return AIMessage(content="", tool_calls=calls)


def system_message(ctx: ChatContext) -> SystemMessage:
    """The chat system prompt for this tenant and data."""
    vocab = _vocabulary(ctx)
    period = ctx.period
    latest = vocab.latest
    return SystemMessage(
        CHAT_SYSTEM.format(
            tenant=ctx.tenant,
            latest_day=latest or "unknown",
            last_week=week_label(period.start) if period else "?",
            last_week_start=period.start if period else "?",
            last_week_end=period.end if period else "?",
        )
    )


def make_respond(tools: dict[str, BaseTool]) -> Any:
    """The respond node over these tools."""

    def respond(state: ChatState, runtime: Runtime[ChatContext]) -> dict[str, Any]:
        """The model's next step (tool calls or answer), or the offline router's."""
        ctx = runtime.context
        if ctx.period is None:  # tools read the conversation's period: the last complete week
            with suppress(ValueError):
                ctx.period, _ = default_period(ctx.store, ctx.tenant)
                ctx.baseline = baseline_for(ctx.period, (ctx.settings or ctx.store.settings).baseline_weeks)
        messages = list(state.get("messages", []))
        turn = current_turn(messages)
        rounds = sum(isinstance(m, AIMessage) for m in turn)
        failed = state.get("mode") == "offline-fallback" and rounds > 0
        if ctx.model is not None and not failed:
            if rounds < ctx.max_rounds:
                try:
                    settings = ctx.settings or ctx.store.settings
                    reply = llm_tool_step(
                        ctx.model,
                        tools,
                        [system_message(ctx), *messages],
                        attempts=settings.llm_max_retries + 1,
                        base_delay=ctx.retry_base_delay,
                    )
                    if reply.tool_calls:
                        return {"messages": [reply], "mode": "llm", "notes": [], "grounding": {}}
                    question = str(turn[0].content) if turn else ""
                    checked = check_answer(reply.text, turn=turn, language=detect_language(question))
                    return {
                        "messages": [AIMessage(checked.text, id=reply.id)],
                        "mode": "llm",
                        "notes": checked.notes,
                        "grounding": {
                            "cited_ids": checked.cited_ids,
                            "removed_ids": checked.removed_ids,
                            "unverified_numbers": checked.unverified_numbers,
                        },
                    }
                except LlmUnavailable as exc:
                    note = f"the language model failed ({str(exc)[:200]}); answered offline"
                    if rounds == 0:
                        question = str(turn[0].content) if turn else ""
                        return {
                            "messages": [router_calls(question, ctx, tools)],
                            "mode": "offline-fallback",
                            "notes": [note],
                        }
                    return {
                        "messages": [AIMessage(compose_offline(turn, failed=True))],
                        "mode": "offline-fallback",
                        "notes": [note],
                    }
            return {
                "messages": [AIMessage(compose_offline(turn, failed=True))],
                "mode": "offline-fallback",
                "notes": [f"stopped after {ctx.max_rounds} rounds of tool calls"],
            }
        if rounds == 0:
            question = str(turn[0].content) if turn else ""
            return {"messages": [router_calls(question, ctx, tools)], "mode": "offline", "notes": []}
        return {"messages": [AIMessage(compose_offline(turn, failed=failed))]}

    return respond


def route_chat(state: ChatState) -> Literal["tools", "__end__"]:
    """Run the tool calls of the last message, or end the turn."""
    messages = state.get("messages", [])
    last = messages[-1] if messages else None
    return "tools" if isinstance(last, AIMessage) and last.tool_calls else "__end__"
