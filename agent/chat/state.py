"""State, run context and answer of the managers' chat graph."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any, Literal

from langchain_core.messages import AnyMessage
from langgraph.graph.message import add_messages
from pydantic import BaseModel, Field
from typing_extensions import TypedDict

from core.settings import Settings
from tools.context import ParcoursContext


class ChatState(TypedDict, total=False):
    """One conversation (a checkpointer thread keeps it between questions)."""

    messages: Annotated[list[AnyMessage], add_messages]
    """Questions, tool calls, delimited tool results and answers, in order."""
    mode: str
    """How the last answer was produced: llm, offline, or offline after a model failure."""
    notes: list[str]
    """Remarks about the last answer (e.g. why the model was not used)."""
    grounding: dict[str, list[str]]
    """What the check of the last model answer found (agent.chat.grounding): cited, removed, unverified."""


@dataclass
class ChatContext(ParcoursContext):
    """Run-scoped dependencies of the chat graph (never checkpointed)."""

    settings: Settings | None = None
    """The settings (LLM limits)."""
    model: Any | None = None
    """The chat model; None answers through the offline router."""
    vocabulary: Any | None = None
    """Queue names, theme labels and latest day (agent.chat.router.Vocabulary), computed when missing."""
    max_rounds: int = 4
    """Rounds of tool calls the model may make per question."""
    retry_base_delay: float = 1.0
    """First back-off delay (seconds) between LLM retries."""


class ToolUse(BaseModel):
    """A tool the answer rests on."""

    name: str = Field(description="Tool name.")
    args: dict[str, Any] = Field(default_factory=dict, description="Arguments it was called with.")


class ChatReply(BaseModel):
    """What a manager sees: one sentence, a small table, quoted evidence, the tool steps (details fold)."""

    intent: str = Field(description="What the question asked for (router intent, or 'llm').")
    language: str = Field(description="fr or en: the language of the question and the answer.")
    slots: dict[str, Any] = Field(default_factory=dict, description="Metric, segment, period… read from it.")
    sentence: str = Field(description="The answer in one sentence.")
    table: dict[str, Any] | None = Field(
        default=None, description="{'columns': [...], 'rows': [[...]]}: the figures behind the sentence."
    )
    evidence: list[dict[str, str]] = Field(
        default_factory=list, description="Quotes [{interaction_id, quote}] the answer cites."
    )
    details: list[str] = Field(default_factory=list, description="The tool steps, in words.")
    suggestions: list[str] = Field(default_factory=list, description="Questions the manager may ask next.")
    text: str = Field(default="", description="The whole answer as plain text (sentence, table, quotes).")


class ChatAnswer(BaseModel):
    """The answer to one question, with what it rests on."""

    answer: str = Field(description="The answer text, citing figures and interaction ids.")
    thread_id: str = Field(description="The conversation it belongs to.")
    mode: Literal["offline", "llm"] = Field(description="Whether a language model wrote the answer.")
    model: str | None = Field(default=None, description="The model, if any.")
    tools: list[ToolUse] = Field(default_factory=list, description="Tools called for this answer.")
    interaction_ids: list[str] = Field(default_factory=list, description="Interactions cited as evidence.")
    removed_ids: list[str] = Field(
        default_factory=list, description="Interaction ids the model cited that no tool returned (removed)."
    )
    unverified_numbers: list[str] = Field(
        default_factory=list, description="Figures of the model's answer no tool returned (marked)."
    )
    notes: list[str] = Field(default_factory=list, description="Remarks (fallbacks, limits).")
    reply: ChatReply | None = Field(
        default=None, description="The answer in parts: sentence, table, evidence."
    )
