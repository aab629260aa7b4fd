"""Readable theme names, once per theme: old keyword labels rewritten; with a model, new themes named.

The registry names a theme when it founds it (`analytics.theme_labels`). Themes founded before labels were
phrases still carry keyword triplets: they get a phrase once, from their typical quotes and members. When a
language model is configured, a theme new in the analysed period gets the model's name instead (once: a
theme keeps its name from week to week). A manager's renaming is never overwritten.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

from pydantic import BaseModel, Field
from sqlalchemy import select

from agent.analysis.policies import LlmUnavailable, call_with_retries
from analytics.actions import looks_like_instruction
from analytics.theme_labels import MAX_SENTENCES, theme_label
from analytics.theme_text import theme_text
from analytics.topic_text import is_french
from core.results import ThemeResult
from prompts.analysis import EVIDENCE_LINE, LANGUAGE_NAMES
from prompts.labels import THEME_LABEL_SYSTEM, THEME_LABEL_TASK
from store.db import Store
from store.schema import InteractionRow
from store.theme_labels import clean_label, theme_labels, write_generated_label
from tools.evidence import transcript_block

log = logging.getLogger("parcours.agent")


class ThemeName(BaseModel):
    """The model's name for one theme."""

    theme_id: str = Field(description="The theme's id, as given.")
    label: str = Field(description="A short noun phrase (2 to 6 words) in the theme's language.")


class ThemeNames(BaseModel):
    """The model's names for the new themes of the week."""

    names: list[ThemeName] = Field(default_factory=list, description="One name per theme given.")


MAX_MODEL_THEMES = 12
"""At most this many new themes are named by the model in one analysis (one call for all)."""


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


def _checked(label: str) -> str | None:
    """A model's name if it is one (short, one line, no instruction), else None."""
    try:
        text = clean_label(label.strip(" .\"'«»"))
    except ValueError:
        return None
    if len(text) > 80 or len(text.split()) > 10 or looks_like_instruction(text):
        return None
    return text


def model_labels(
    model: Any, themes: Mapping[str, tuple[list[str], Sequence[str]]], *, attempts: int, base_delay: float
) -> dict[str, str]:
    """Names for themes (id → (sentences, keywords)), in one model call; LlmUnavailable if it fails."""
    blocks = []
    for theme_id, (sentences, keywords) in themes.items():
        language = LANGUAGE_NAMES[_language(sentences)]
        lines = "\n".join(
            EVIDENCE_LINE.format(block=transcript_block(f"{theme_id}-{i}", s, limit=240))
            for i, s in enumerate(sentences[:6], start=1)
        )
        blocks.append(
            THEME_LABEL_TASK.format(
                theme_id=theme_id,
                language_name=language,
                keywords=", ".join(keywords[:8]) or "-",
                sentences=lines,
            )
        )
    messages = [("system", THEME_LABEL_SYSTEM), ("human", "\n\n".join(blocks))]
    structured = model.with_structured_output(ThemeNames, method="function_calling")

    def once() -> dict[str, str]:
        answer = structured.invoke(messages)
        if not isinstance(answer, ThemeNames):
            raise ValueError(f"unexpected structured answer {type(answer).__name__}")
        return {
            n.theme_id: text for n in answer.names if n.theme_id in themes and (text := _checked(n.label))
        }

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
    labels: dict[str, str] = {}
    for theme in themes:
        info = current.get(theme.theme_id)
        if info is not None and info.source is None:  # a keyword label from before phrase labels
            sentences = _sentences(store, tenant, theme)
            labels[theme.theme_id] = theme_label(
                sentences=sentences, keywords=theme.keywords, language=_language(sentences)
            )
            write_generated_label(
                store, tenant=tenant, theme_id=theme.theme_id, label=labels[theme.theme_id], source="auto"
            )
    fresh = [t for t in themes if t.is_new and (info := current.get(t.theme_id)) and info.source == "auto"]
    if model is not None and fresh:
        asked = {t.theme_id: (_sentences(store, tenant, t), t.keywords) for t in fresh[:MAX_MODEL_THEMES]}
        try:
            named = model_labels(model, asked, attempts=attempts, base_delay=base_delay)
        except LlmUnavailable as exc:
            named = {}
            notes.append(f"the model could not name the new themes ({str(exc)[:200]})")
        for theme_id, label in named.items():
            if write_generated_label(store, tenant=tenant, theme_id=theme_id, label=label, source="model"):
                labels[theme_id] = label
    out = []
    for theme in themes:
        info = current.get(theme.theme_id)
        label = labels.get(theme.theme_id) or (info.label if info else theme.label)
        out.append(theme.model_copy(update={"label": label}) if label != theme.label else theme)
    return out, notes
