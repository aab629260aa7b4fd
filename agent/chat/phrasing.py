"""Small helpers to write answers in the question's language (French or English)."""

from __future__ import annotations

from typing import Any

from agent.chat.tables import ToolResult
from core import wording as nf


def fr(language: str) -> bool:
    """Whether the answer is in French."""
    return nf.lang(language) == "fr"


def say(language: str, french: str, english: str) -> str:
    """The French or the English text."""
    return french if fr(language) else english


def quoted(text: str, language: str) -> str:
    """« text » in French, “text” in English."""
    return f"« {text} »" if fr(language) else f"“{text}”"


def cap(text: str) -> str:
    """The text with its first letter in upper case."""
    return text[:1].upper() + text[1:]


def join(items: list[str], language: str) -> str:
    """'a, b et c' / 'a, b and c'."""
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + say(language, " et ", " and ") + items[-1]


def plural(count: int, word: str, language: str) -> str:
    """'1 action', '3 actions' (a final s in both languages)."""
    return f"{count} {word}{'s' if count > 1 else ''}"


def artifacts(results: list[ToolResult], kind: str) -> list[dict[str, Any]]:
    """The artifacts of one kind among the turn's tool results, in order."""
    return [r.artifact for r in results if r.artifact and r.artifact.get("kind") == kind]


def scope(filters: dict[str, Any] | None, language: str) -> str:
    """' (radiologie · lundi)' for a question restricted to a segment."""
    return f" ({nf.segment_text(filters, language)})" if filters else ""


Answer = tuple[str, dict[str, Any] | None]
"""A sentence and its table."""
