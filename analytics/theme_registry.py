"""Stable themes across weeks: the theme registry in the SQL store (`themes`, `theme_assignments`).

A new period's interactions join a known theme when their similarity to its centre reaches the theme's join
threshold; similarity = 0.7 × embedding cosine + 0.3 × lexical cosine (the text's words against the theme's
term profile). A theme's join threshold is the 5th percentile of its own members' similarity when it was
created, kept within [`JOIN_FLOOR`, `JOIN_CEILING`]. What joins no theme is clustered (`discover_clusters`)
into candidate new themes; a candidate whose centre is within `SAME_THEME` cosine of a known theme is folded
into it. Centres are running means, sizes are recounted from the assignments (re-running is idempotent).
On the first run (empty registry) the period founds the registry, then the baseline weeks join it like any
later week (what joins none is clustered into themes of their own): what is new in the period is then a
sizeable share of one week rather than a sliver of all the weeks, and stands out.
"""

from __future__ import annotations

import math
import secrets
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import numpy as np
from sqlalchemy import func, select, update

from analytics.quotes import clip_quote
from analytics.theme_labels import members_label
from analytics.theme_lexical import lexical_similarity, term_weights, words
from analytics.theme_trend import growth_test
from analytics.themes import EMBEDDING_WEIGHT, discover_clusters, mmr
from analytics.topic_text import english_gloss, topic_text
from core.results import Evidence, Period, ThemeResult
from store.db import Store
from store.embedder import Embedder, embed_with_cache
from store.schema import InteractionRow, ThemeAssignmentRow, ThemeRow

JOIN_FLOOR = 0.35
JOIN_CEILING = 0.6
SAME_THEME = 0.85
NEW_THEME_MERGE = 0.5
"""Themes new in the same period whose centres are this similar are one new theme."""
QUOTE_CHARS = 300


@dataclass
class _Item:
    pk: int
    ext_id: str
    day: date
    text: str
    in_period: bool
    gloss: str = ""

    @property
    def embed_text(self) -> str:
        """What is embedded: the English gloss of a French text (English-centric model), else the text."""
        return self.gloss or self.text

    @property
    def words_text(self) -> str:
        """What the lexical view reads: the text and its gloss, so both languages of a topic share words."""
        return f"{self.text} {self.gloss}" if self.gloss else self.text


@dataclass
class _Theme:
    row: ThemeRow
    centroid: np.ndarray
    terms: dict[str, float]
    join: float


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def _load_items(store: Store, tenant: str, start: date, end: date, in_period: bool) -> list[_Item]:
    with store.session() as session:
        rows = session.execute(
            select(
                InteractionRow.pk,
                InteractionRow.ext_id,
                InteractionRow.local_date,
                InteractionRow.patient_text,
                InteractionRow.full_text,
                InteractionRow.language,
            )
            .where(InteractionRow.tenant == tenant, InteractionRow.local_date.between(start, end))
            .order_by(InteractionRow.pk)
        ).all()
    items = []
    for pk, ext, day, pt, ft, language in rows:
        text = theme_text(pt, ft)
        items.append(_Item(pk, ext, day, text, in_period, english_gloss(text, language)))
    return items


def theme_text(patient_text: str | None, full_text: str | None) -> str:
    """What a theme is read from: the topic sentences of the patient's side (else the whole text)."""
    return topic_text(patient_text or "").strip() or (full_text or "").strip()


def _load_themes(store: Store, tenant: str, dim: int) -> list[_Theme]:
    with store.session() as session:
        rows = session.execute(select(ThemeRow).where(ThemeRow.tenant == tenant)).scalars().all()
    out = []
    for row in rows:
        vector = np.frombuffer(row.centroid or b"", dtype=np.float32)
        if vector.shape[0] != dim:
            continue
        lexical = row.lexical or {}
        out.append(
            _Theme(row, vector.copy(), dict(lexical.get("terms", {})), float(lexical.get("join", JOIN_FLOOR)))
        )
    return out


def _similarity(vectors: np.ndarray, texts: list[str], themes: list[_Theme]) -> np.ndarray:
    dense = vectors @ np.vstack([t.centroid for t in themes]).T
    lexical = np.zeros(dense.shape, dtype=np.float32)
    for row, text in enumerate(texts):
        counts = Counter(words(text))
        norm = math.sqrt(sum(v * v for v in counts.values())) or 1.0
        for col, theme in enumerate(themes):
            lexical[row, col] = sum(v * theme.terms.get(w, 0.0) for w, v in counts.items()) / norm
    return EMBEDDING_WEIGHT * dense + (1 - EMBEDDING_WEIGHT) * lexical.reshape(dense.shape)


def _new_theme(tenant: str, keywords: list[str], label: str, now: datetime) -> ThemeRow:
    return ThemeRow(
        id=f"th-{secrets.token_hex(5)}",
        tenant=tenant,
        label=label,
        keywords=keywords,
        size=0,
        created_at=now,
        updated_at=now,
    )


def assign_period_themes(
    *, store: Store, embedder: Embedder, tenant: str, period: Period, baseline: Period | None = None
) -> tuple[list[ThemeResult], list[str]]:
    """Assign each interaction of the period to a stable theme (or leave it unassigned); themes + ids."""
    items = _load_items(store, tenant, period.start, period.end, True)
    if baseline is not None:
        with store.session() as session:
            done = set(
                session.execute(
                    select(ThemeAssignmentRow.interaction_pk).where(ThemeAssignmentRow.tenant == tenant)
                ).scalars()
            )
        items += [
            i for i in _load_items(store, tenant, baseline.start, baseline.end, False) if i.pk not in done
        ]
    texted = [i for i in items if i.text]
    vectors = embed_with_cache(store=store, embedder=embedder, texts=[i.embed_text for i in texted])
    themes = _load_themes(store, tenant, embedder.dim)
    chosen: dict[int, tuple[_Theme, float]] = {}
    now = _now()
    rows = list(range(len(texted)))
    known = {t.row.id for t in themes}
    if not themes and baseline is not None:
        # First run: the period founds the registry (what is new in it is a sizeable share of one week, not
        # a sliver of all the weeks), then the baseline weeks join it like any later week would.
        _place(tenant, texted, vectors, [r for r in rows if texted[r].in_period], themes, chosen, now)
        rows = [r for r in rows if not texted[r].in_period]
    _place(tenant, texted, vectors, rows, themes, chosen, now)
    _merge_new(texted, vectors, [t for t in themes if t.row.id not in known], chosen, now)
    _write(store, tenant, items, vectors, texted, chosen, themes, now)
    return _results(store, tenant, period, baseline, items, texted, vectors, chosen)


def _place(
    tenant: str,
    texted: list[_Item],
    vectors: np.ndarray,
    rows: list[int],
    themes: list[_Theme],
    chosen: dict[int, tuple[_Theme, float]],
    now: datetime,
) -> None:
    """Join `rows` to known themes; cluster what joins none into new themes (appended to `themes`)."""
    if themes and rows:
        sims = _similarity(vectors[rows], [texted[r].words_text for r in rows], themes)
        best = sims.argmax(axis=1)
        for j, r in enumerate(rows):
            candidate = themes[int(best[j])]
            if sims[j, best[j]] >= candidate.join:
                chosen[texted[r].pk] = (candidate, float(sims[j, best[j]]))
    left = [r for r in rows if texted[r].pk not in chosen]
    if not left:
        return
    result = discover_clusters(texts=[texted[r].words_text for r in left], embeddings=vectors[left])
    before = list(themes)  # clusters of this one clustering are distinct by construction: never fold them
    for cluster in result.clusters:
        members = [left[j] for j in np.flatnonzero(result.labels == cluster.cluster_id)]
        known = [t for t in before if float(t.centroid @ cluster.centroid) >= SAME_THEME]
        if known:
            theme = max(known, key=lambda t: float(t.centroid @ cluster.centroid))
        else:
            theme = _found_theme(
                tenant, cluster, [texted[r].words_text for r in members], vectors[members], now
            )
            theme.row.label = members_label(  # a phrase in the theme's language, kept for good
                texts=[texted[r].text for r in members],
                vectors=vectors[members],
                centroid=cluster.centroid,
                keywords=cluster.keywords,
            )
            themes.append(theme)
        for r in members:
            chosen[texted[r].pk] = (theme, float(vectors[r] @ theme.centroid))


def _merge_new(
    texted: list[_Item],
    vectors: np.ndarray,
    new: list[_Theme],
    chosen: dict[int, tuple[_Theme, float]],
    now: datetime,
) -> None:
    """Merge the themes new in this period that speak of the same thing (centres >= `NEW_THEME_MERGE`).

    A new problem is phrased many ways in its first week ("the portal shows an error", "the app crashes when
    I book"), and the clustering may cut it into several small themes. Themes that appeared together, with no
    member before the period, and whose centres are close are one new theme: the largest absorbs the others.
    """
    members: dict[str, list[int]] = defaultdict(list)
    for r, item in enumerate(texted):
        pick = chosen.get(item.pk)
        if pick:
            members[pick[0].row.id].append(r)
    fresh = [t for t in new if members[t.row.id] and all(texted[r].in_period for r in members[t.row.id])]
    fresh.sort(key=lambda t: -len(members[t.row.id]))
    parent = {t.row.id: t for t in fresh}
    for i, big in enumerate(fresh):
        if parent[big.row.id] is not big:
            continue
        for small in fresh[i + 1 :]:
            if parent[small.row.id] is small and float(big.centroid @ small.centroid) >= NEW_THEME_MERGE:
                parent[small.row.id] = big
    for theme in fresh:
        if parent[theme.row.id] is theme:
            continue
        target = parent[theme.row.id]
        rows = members.pop(theme.row.id)
        members[target.row.id] += rows
        for r in rows:
            chosen[texted[r].pk] = (target, float(vectors[r] @ target.centroid))
    for theme in fresh:
        if parent[theme.row.id] is theme and len(members[theme.row.id]) > 0:
            rows = members[theme.row.id]
            centre = vectors[rows].mean(axis=0)
            theme.centroid = (centre / (np.linalg.norm(centre) or 1.0)).astype(np.float32)
            theme.terms = term_weights([texted[r].words_text for r in rows])
            theme.row.centroid = theme.centroid.tobytes()
            theme.row.lexical = {"terms": theme.terms, "join": round(theme.join, 4)}
            theme.row.updated_at = now


def _found_theme(tenant: str, cluster: Any, texts: list[str], vectors: np.ndarray, now: datetime) -> _Theme:
    """A new theme from a cluster: centre, term profile, join threshold (5th percentile of members)."""
    row = _new_theme(tenant, cluster.keywords, cluster.label, now)
    terms = term_weights(texts)
    member_sims = EMBEDDING_WEIGHT * (vectors @ cluster.centroid) + (1 - EMBEDDING_WEIGHT) * np.array(
        [lexical_similarity(t, terms) for t in texts]
    )
    join = float(np.clip(np.percentile(member_sims, 5), JOIN_FLOOR, JOIN_CEILING))
    theme = _Theme(row, cluster.centroid.astype(np.float32), terms, join)
    row.centroid = theme.centroid.tobytes()
    row.lexical = {"terms": terms, "join": round(join, 4)}
    return theme


def _write(
    store: Store,
    tenant: str,
    items: list[_Item],
    vectors: np.ndarray,
    texted: list[_Item],
    chosen: dict[int, tuple[_Theme, float]],
    themes: list[_Theme],
    now: datetime,
) -> None:
    row_of = {item.pk: r for r, item in enumerate(texted)}
    days: dict[str, list[date]] = defaultdict(list)
    with store.session() as session:
        previous = (
            dict(
                session.execute(
                    select(ThemeAssignmentRow.interaction_pk, ThemeAssignmentRow.theme_id).where(
                        ThemeAssignmentRow.interaction_pk.in_([i.pk for i in items] or [-1])
                    )
                )
                .tuples()
                .all()
            )
            if len(items) < 30_000
            else {}
        )
        added: dict[str, list[int]] = defaultdict(list)
        for item in items:
            pick = chosen.get(item.pk)
            theme_id = pick[0].row.id if pick else None
            if theme_id:
                days[theme_id].append(item.day)
                if previous.get(item.pk) != theme_id:
                    added[theme_id].append(row_of[item.pk])
            session.merge(
                ThemeAssignmentRow(
                    interaction_pk=item.pk,
                    tenant=tenant,
                    theme_id=theme_id,
                    similarity=round(pick[1], 4) if pick else None,
                    assigned_at=now,
                )
            )
            session.execute(
                update(InteractionRow).where(InteractionRow.pk == item.pk).values(theme_id=theme_id)
            )
        session.flush()
        counts = dict(
            session.execute(
                select(ThemeAssignmentRow.theme_id, func.count())
                .where(ThemeAssignmentRow.tenant == tenant)
                .group_by(ThemeAssignmentRow.theme_id)
            )
            .tuples()
            .all()
        )
        for theme in themes:
            if theme.row.id not in days and theme.row.id not in added:
                continue
            row = session.get(ThemeRow, theme.row.id) or session.merge(theme.row)
            old = int(row.size or 0)
            new_rows = added.get(row.id, [])
            if new_rows and old:
                total = theme.centroid * old + vectors[new_rows].sum(axis=0)
                theme.centroid = (total / (np.linalg.norm(total) or 1.0)).astype(np.float32)
            row.centroid = theme.centroid.tobytes()
            row.size = int(counts.get(row.id, 0))
            seen = days.get(row.id, [])
            if seen:
                row.first_seen = min([d for d in [row.first_seen, *seen] if d is not None])
                row.last_seen = max([d for d in [row.last_seen, *seen] if d is not None])
            row.updated_at = now


def _results(
    store: Store,
    tenant: str,
    period: Period,
    baseline: Period | None,
    items: list[_Item],
    texted: list[_Item],
    vectors: np.ndarray,
    chosen: dict[int, tuple[_Theme, float]],
) -> tuple[list[ThemeResult], list[str]]:
    row_of = {item.pk: r for r, item in enumerate(texted)}
    members: dict[str, list[_Item]] = defaultdict(list)
    unassigned: list[str] = []
    for item in items:
        if not item.in_period:
            continue
        pick = chosen.get(item.pk)
        if pick:
            members[pick[0].row.id].append(item)
        else:
            unassigned.append(item.ext_id)
    by_id = {theme.row.id: theme for theme, _ in chosen.values()}
    weekly = baseline_counts(store=store, tenant=tenant, baseline=baseline) if baseline else {}
    weeks = max(1, ((baseline.end - baseline.start).days + 1) // 7) if baseline else 1
    out = []
    for theme_id, group in members.items():
        theme = by_id[theme_id]
        rows = [row_of[i.pk] for i in group]
        order = mmr(vectors[rows], theme.centroid, k=5)
        growth = growth_test(current=len(group), baseline_total=weekly.get(theme_id, 0), baseline_weeks=weeks)
        first = theme.row.first_seen
        out.append(
            ThemeResult(
                theme_id=theme_id,
                label=theme.row.label,
                keywords=list(theme.row.keywords or []),
                size=len(group),
                interaction_ids=[i.ext_id for i in group],
                quotes=[
                    Evidence(interaction_id=group[j].ext_id, quote=clip_quote(group[j].text, QUOTE_CHARS))
                    for j in order
                ],
                emerging=bool(growth["emerging"]),
                is_new=bool(first is None or first >= period.start) and weekly.get(theme_id, 0) == 0,
            )
        )
    out.sort(key=lambda t: -t.size)
    return out, unassigned


def baseline_counts(*, store: Store, tenant: str, baseline: Period) -> dict[str, int]:
    """Interactions per theme in the baseline period (from the assignments)."""
    with store.session() as session:
        rows: Any = (
            session.execute(
                select(InteractionRow.theme_id, func.count())
                .where(
                    InteractionRow.tenant == tenant,
                    InteractionRow.local_date.between(baseline.start, baseline.end),
                    InteractionRow.theme_id.is_not(None),
                )
                .group_by(InteractionRow.theme_id)
            )
            .tuples()
            .all()
        )
    return {str(k): int(v) for k, v in rows}
