"""Live classification: the known themes (and their frictions) closest to one interaction's text.

Fast enough for an agent's screen: the tenant's centroid matrix and the theme → friction map are cached in
memory and reloaded only when a theme changes or a new analysis finishes; a call costs one embedding,
one matrix product and two indexed lookups.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

import numpy as np
from pydantic import BaseModel, Field
from sqlalchemy import func, select

from core.privacy import redact
from store.actions import latest_analysis_id
from store.db import Store
from store.embedder import Embedder
from store.schema import AnalysisRow, ThemeRow


class ThemeMatch(BaseModel):
    """A known theme close to the text, with the frictions of the latest analysis that concern it."""

    theme_id: str = Field(description="Stable theme id.")
    label: str = Field(description="Readable theme label.")
    similarity: float = Field(description="Cosine similarity between the text and the theme centre.")
    friction_ids: list[str] = Field(default_factory=list, description="Frictions of the latest analysis.")


@dataclass
class _Centroids:
    stamp: tuple[Any, int]
    ids: list[str]
    labels: list[str]
    matrix: np.ndarray


@dataclass
class _Frictions:
    analysis_id: str | None
    by_theme: dict[str, list[str]]


_centroids: dict[tuple[str, str, int], _Centroids] = {}
_frictions: dict[tuple[str, str], _Frictions] = {}
_lock = threading.Lock()


def _load_centroids(store: Store, tenant: str, dim: int) -> _Centroids:
    key = (str(store.engine.url), tenant, dim)
    with store.session() as session:
        stamp_row = session.execute(
            select(func.max(ThemeRow.updated_at), func.count()).where(ThemeRow.tenant == tenant)
        ).one()
        stamp = (stamp_row[0], int(stamp_row[1]))
        cached = _centroids.get(key)
        if cached is not None and cached.stamp == stamp:
            return cached
        rows = session.execute(
            select(ThemeRow.id, ThemeRow.label, ThemeRow.centroid)
            .where(ThemeRow.tenant == tenant, ThemeRow.centroid.is_not(None))
            .order_by(ThemeRow.id)
        ).all()
    ids, labels, vectors = [], [], []
    for theme_id, label, blob in rows:
        vector = np.frombuffer(blob or b"", dtype=np.float32)
        if vector.shape[0] != dim:  # a centre from another embedding model
            continue
        norm = float(np.linalg.norm(vector))
        ids.append(theme_id)
        labels.append(label)
        vectors.append(vector / norm if norm else vector)
    matrix = np.vstack(vectors).astype(np.float32) if vectors else np.zeros((0, dim), dtype=np.float32)
    loaded = _Centroids(stamp, ids, labels, matrix)
    with _lock:
        _centroids[key] = loaded
    return loaded


def _load_frictions(store: Store, tenant: str) -> _Frictions:
    key = (str(store.engine.url), tenant)
    # the latest week analysed (a re-run of an earlier week made later does not replace it), as the action
    # board and the report read it
    latest = latest_analysis_id(store, tenant=tenant)
    with store.session() as session:
        cached = _frictions.get(key)
        if cached is not None and cached.analysis_id == latest:
            return cached
        result = session.execute(select(AnalysisRow.result).where(AnalysisRow.id == latest)).scalar()
    by_theme: dict[str, list[str]] = {}
    for friction in (result or {}).get("frictions", []) or []:
        theme_id = friction.get("theme_id")
        if theme_id and friction.get("friction_id"):
            by_theme.setdefault(theme_id, []).append(friction["friction_id"])
    loaded = _Frictions(latest, by_theme)
    with _lock:
        _frictions[key] = loaded
    return loaded


def classify_text(
    *, store: Store, embedder: Embedder, tenant: str, text: str, k: int = 3
) -> list[ThemeMatch]:
    """The k known themes of the tenant closest to the text (redacted before embedding), best first."""
    centroids = _load_centroids(store, tenant, embedder.dim)
    if not centroids.ids or not text.strip():
        return []
    vector = embedder.encode([redact(text)])[0]  # only redacted text is ever embedded
    similarities = centroids.matrix @ vector
    order = np.argsort(-similarities)[: max(k, 0)]
    frictions = _load_frictions(store, tenant)
    return [
        ThemeMatch(
            theme_id=centroids.ids[i],
            label=centroids.labels[i],
            similarity=round(float(similarities[i]), 4),
            friction_ids=list(frictions.by_theme.get(centroids.ids[i], [])),
        )
        for i in order
    ]
