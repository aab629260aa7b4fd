"""Words only erased texts used: found so they can leave theme keywords, labels and term profiles."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import select, text

from core.text import fold
from store.db import Store
from store.lexical import ROWID_STRIDE, ensure_lexical
from store.schema import AnalysisRow, InteractionRow, ThemeRow

_WORD = re.compile(r"\w+")
_SAMPLE = 200


def _words(value: str) -> set[str]:
    return {w for w in _WORD.findall(fold(value)) if len(w) > 2 and not w.isdigit()}


def unique_terms(*, store: Store, tenants: set[str], texts: list[str]) -> set[str]:
    """Words of the erased texts that the tenants' theme registry uses and no remaining turn holds."""
    words = {w for t in texts for w in _words(t)}
    if not words:
        return set()
    used: set[str] = set()
    with store.session() as session:
        for keywords, lexical, label in session.execute(
            select(ThemeRow.keywords, ThemeRow.lexical, ThemeRow.label).where(
                ThemeRow.tenant.in_(sorted(tenants))
            )
        ):
            used.update(fold(k) for k in keywords or [])
            used.update(fold(k) for k in ((lexical or {}).get("terms") or {}))
            used.update(_words(label or ""))
        results = select(AnalysisRow.result).where(AnalysisRow.tenant.in_(sorted(tenants)))
        for (result,) in session.execute(results):
            used.update(_labels_and_keywords(result))
    candidates = words & used
    if not candidates:
        return set()
    ensure_lexical(store)
    return {word for word in candidates if not _still_used(store, tenants, word)}


def _labels_and_keywords(document: Any) -> set[str]:
    """The words of every `keywords` list and `label` of a JSON document."""
    found: set[str] = set()
    stack = [document]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "keywords" and isinstance(value, list):
                    found.update(fold(v) for v in value if isinstance(v, str))
                elif key == "label" and isinstance(value, str):
                    found.update(_words(value))
                else:
                    stack.append(value)
        elif isinstance(node, list):
            stack.extend(node)
    return found


def _still_used(store: Store, tenants: set[str], word: str) -> bool:
    with store.engine.connect() as conn:
        if store.dialect == "postgresql":
            sql = (
                "SELECT 1 FROM turns t JOIN interactions i ON i.pk = t.interaction_pk "
                "WHERE i.tenant = ANY(:t) AND to_tsvector('simple'::regconfig, parcours_fold(t.text)) "
                "@@ to_tsquery('simple'::regconfig, :w) LIMIT 1"
            )
            return conn.execute(text(sql), {"t": sorted(tenants), "w": word}).first() is not None
        sql = f"SELECT rowid FROM turns_fts WHERE turns_fts MATCH :w LIMIT {_SAMPLE}"
        rowids = [r[0] // ROWID_STRIDE for r in conn.execute(text(sql), {"w": f'"{word}"'})]
        if not rowids:
            return False
        found = conn.execute(
            select(InteractionRow.pk).where(
                InteractionRow.pk.in_(rowids), InteractionRow.tenant.in_(sorted(tenants))
            )
        ).first()
        return found is not None or len(rowids) == _SAMPLE
