"""The texts the analytics embed for an interaction, so that an erasure also drops their cached vectors."""

from __future__ import annotations

from analytics.theme_registry import theme_text
from analytics.topic_text import english_gloss


def embedded_texts(patient_text: str, full_text: str, language: str | None) -> list[str]:
    """The theme text of an interaction and its English gloss (what theme discovery embeds and caches)."""
    text = theme_text(patient_text, full_text)
    return [t for t in (text, english_gloss(text, language)) if t]
