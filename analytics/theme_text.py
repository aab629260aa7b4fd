"""What a theme is read from, and its vector: the topic text of the patient's side, embedded.

The text is the *topic text* of the patient's side (`topic_text`: greetings, identity answers and
complaints about reaching the centre left out), else the whole text. Its vector is the embedding of that text.
For a French text the glossary's English gloss may help an English-centric model put both languages of a topic
together, but a glossary lists only some words: the text's own vector and its gloss's vector are blended by
the glossary's
**coverage** of the text (the share of its topic words the glossary knows). A French text the glossary knows
well reads mostly through its gloss; real patients' words the glossary does not list keep their own vector, so
French never depends on the glossary.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from analytics.glossary import load_glossary
from analytics.topic_text import is_french, topic_text
from core.settings import get_settings
from store.db import Store
from store.embedder import Embedder, embed_with_cache

GLOSS_CHUNK = 8192
"""Glossed texts blended at a time (the same vectors as all at once, row by row)."""


def theme_text(patient_text: str | None, full_text: str | None) -> str:
    """What a theme is read from: the topic sentences of the patient's side (else the whole text)."""
    return topic_text(patient_text or "").strip() or (full_text or "").strip()


def theme_features(
    *, store: Store, embedder: Embedder, texts: Sequence[str], languages: Sequence[str | None]
) -> tuple[np.ndarray, list[str]]:
    """Per text: its vector and the words the lexical view reads.

    The vector is the text's embedding blended with its gloss's by glossary coverage; the words are the text,
    followed by its gloss for a French text the glossary knows.
    """
    vectors = embed_with_cache(store=store, embedder=embedder, texts=list(texts))
    words = list(texts)
    glossary = load_glossary(get_settings().glossary_path)
    rows, glosses, weights = [], [], []
    read: dict[str, tuple[str, float]] = {}  # each distinct text read once
    for r, (text, language) in enumerate(zip(texts, languages, strict=True)):
        if not text or not is_french(text, language):
            continue
        if text not in read:
            read[text] = glossary.read(text)
        gloss, coverage = read[text]
        if gloss and coverage > 0:
            rows.append(r)
            glosses.append(gloss)
            weights.append(coverage)
            words[r] = f"{text} {gloss}"
    for start in range(0, len(rows), GLOSS_CHUNK):  # a chunk at a time: no copy of every glossed row at once
        part = rows[start : start + GLOSS_CHUNK]
        glossed = embed_with_cache(store=store, embedder=embedder, texts=glosses[start : start + GLOSS_CHUNK])
        w = np.asarray(weights[start : start + GLOSS_CHUNK], dtype=np.float32)[:, None]
        mixed = (1 - w) * vectors[part] + w * glossed
        vectors[part] = mixed / np.maximum(np.linalg.norm(mixed, axis=1, keepdims=True), 1e-12)
    return vectors, words
