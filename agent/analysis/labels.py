"""Readable theme names, once per theme: old keyword labels rewritten; with a model, new themes named.

The registry names a theme when it founds it (`analytics.theme_labels`). Themes founded before labels were
phrases still carry keyword triplets: they get a phrase once, from their typical quotes and members. When a
language model is configured, a theme new in the analysed period gets the model's name instead (once: a
theme keeps its name from week to week). A manager's renaming is never overwritten.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel, Field
from sqlalchemy import select

from agent.analysis.policies import LlmUnavailable, call_with_retries
from analytics.actions import looks_like_instruction
from analytics.theme_labels import MAX_SENTENCES, theme_label
from analytics.theme_registry import theme_text
from analytics.topic_text import is_french
from core.results import ThemeResult
from prompts.analysis import EVIDENCE_LINE, LANGUAGE_NAMES
from prompts.labels import THEME_LABEL_SYSTEM, THEME_LABEL_TASK
from store.db import Store
from store.schema import InteractionRow
from store.theme_labels import clean_label, theme_labels, write_generated_label

log = logging.getLogger("parcours.agent")


class ThemeName(BaseModel):
    """The model's name for a theme."""

    label: str = Field(description="A short noun phrase (2 to 6 words) in the theme's language.")


def _sentences(store: Store, tenant: str, theme: ThemeResult) -> list[str]:
    """The theme's typical quotes first, then its other members' topic texts."""
    ids = [q.interaction_id for q in theme.quotes] + [
        i for i in theme.interaction_ids if i not in {q.interaction_id for q in theme.quotes}
    ]
    with store.session() as session:
        rows = session.execute(
            select(InteractionRow.ext_id, InteractionRow.patient_text, InteractionRow.full_text).where(
                InteractionRow.tenant == tenant, InteractionRow.ext_id.in_(ids[: MAX_SENTENCES * 2] or ["-"])
            )
        ).all()
    text = {ext: theme_text(pt, ft) for ext, pt, ft in rows}
    return [text[i] for i in ids if text.get(i)][:MAX_SENTENCES]


def _language(sentences: Sequence[str]) -> str:
    return "fr" if 2 * sum(is_french(s) for s in sentences) >= len(sentences) else "en"


def model_label(
    model: Any, *, sentences: Sequence[str], keywords: Sequence[str], attempts: int, base_delay: float
) -> str:
    """The model's name for a theme (validated: one short line, no instruction); LlmUnavailable on failure."""
    language = _language(sentences)
    lines = "\n".join(
        EVIDENCE_LINE.format(interaction_id=f"s{i}", quote=" ".join(s.split())[:240])
        for i, s in enumerate(sentences[:8], start=1)
    )
    messages = [
        ("system", THEME_LABEL_SYSTEM.format(language_name=LANGUAGE_NAMES[language])),
        ("human", THEME_LABEL_TASK.format(keywords=", ".join(keywords[:8]) or "-", sentences=lines)),
    ]
    structured = model.with_structured_output(ThemeName, method="function_calling")

    def once() -> str:
        answer = structured.invoke(messages)
        if not isinstance(answer, ThemeName):
            raise ValueError(f"unexpected structured answer {type(answer).__name__}")
        label = clean_label(answer.label.strip(" .\"'«»"))
        if len(label) > 80 or len(label.split()) > 10 or looks_like_instruction(label):
            raise ValueError(f"not a theme name: {label[:100]!r}")
        return label

    return call_with_retries(once, attempts=attempts, base_delay=base_delay)


def name_themes(
    *,
    store: Store,
    tenant: str,
    themes: Sequence[ThemeResult],
    model: Any = None,
    attempts: int = 1,
    base_delay: float = 1.0,
) -> tuple[list[ThemeResult], list[str]]:
    """The themes under their registry names after the one-time naming above; (themes, notes)."""
    current = theme_labels(store, tenant=tenant, ids=[t.theme_id for t in themes])
    notes: list[str] = []
    out = []
    for theme in themes:
        info = current.get(theme.theme_id)
        label = info.label if info else theme.label
        if info is not None and info.source is None:  # a keyword label from before phrase labels
            sentences = _sentences(store, tenant, theme)
            label = theme_label(sentences=sentences, keywords=theme.keywords, language=_language(sentences))
            write_generated_label(store, tenant=tenant, theme_id=theme.theme_id, label=label, source="auto")
        elif info is not None and info.source == "auto" and theme.is_new and model is not None:
            try:
                named = model_label(
                    model,
                    sentences=_sentences(store, tenant, theme),
                    keywords=theme.keywords,
                    attempts=attempts,
                    base_delay=base_delay,
                )
                write_generated_label(
                    store, tenant=tenant, theme_id=theme.theme_id, label=named, source="model"
                )
                label = named
            except LlmUnavailable as exc:
                notes.append(f"theme {theme.theme_id}: the model could not name it ({str(exc)[:200]})")
        out.append(theme.model_copy(update={"label": label}) if label != theme.label else theme)
    return out, notes
