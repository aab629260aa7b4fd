"""The lexical view's projection: the fast counts give scikit-learn's TF-IDF matrix, value for value."""

from __future__ import annotations

from datetime import date

import numpy as np
from scipy.sparse import csr_matrix

from analytics.theme_lexical import LexicalView, _char_ids, _tfidf, _word_ids, clean
from analytics.theme_text import theme_text
from core.text import fold
from evals.generator import generate

ODD = [
    "",
    "   ",
    "bonjour merci",  # stop words only
    "aaaaaaa aaaa aa a",  # repeated n-grams inside a word, short words
    "ℌôpital ＲＤＶ\u00a0annulé\u2003 deux  espaces\tet\nlignes",  # folding makes capitals; Unicode spaces
    "rendez-vous d'IRM l'ordonnance prescription-renewal 2026",
    "x" * 40,
]


def _texts() -> list[str]:
    records, _ = generate(weeks=1, per_week=400, seed=3, end=date(2026, 11, 30))
    out = []
    for record in records:
        turns = record.get("transcript") or []
        patient = "\n".join(t["text"] for t in turns if t["speaker"] == "patient")
        full = "\n".join(f"{t['speaker']}: {t['text']}" for t in turns)
        out.append(theme_text(patient, full or record.get("text") or ""))
    return out


def _same(fast: csr_matrix, slow: csr_matrix) -> None:
    slow = csr_matrix(slow)
    assert fast.shape == slow.shape
    assert np.array_equal(fast.indptr, slow.indptr) and np.array_equal(fast.indices, slow.indices)
    assert np.array_equal(fast.data, slow.data), "not the same floats"


def test_fast_counts_give_scikit_learns_tfidf_exactly() -> None:
    texts = _texts()
    view = LexicalView()
    view.fit_transform(texts[:200])
    assert view._word is not None and view._char is not None
    cleaned = [fold(clean(t)) for t in texts[200:] + ODD]
    _same(_tfidf(view._word, cleaned, _word_ids), view._word.transform(cleaned))
    _same(_tfidf(view._char, cleaned, _char_ids), view._char.transform(cleaned))


def test_projection_is_the_same_row_by_row_and_in_one_go() -> None:
    texts = _texts()
    view = LexicalView()
    view.fit_transform(texts[:200])
    together = view.transform(texts + ODD)
    alone = np.vstack([view.transform([t]) for t in texts[:50] + ODD])
    assert np.array_equal(together[:50], alone[:50]) and np.array_equal(together[-len(ODD) :], alone[50:])
