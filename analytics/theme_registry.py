"""Stable themes across weeks: the theme registry in the SQL store (`themes`, `theme_assignments`).

Each analysis clusters its **window** — the analysed period together with its baseline weeks — in one go
(`discover_clusters`), so what patients talk about is read from all the recent data at once, never from a
sliver of one week judged against fixed similarity thresholds. The registry then gives each cluster its
**identity**: a cluster is a known theme when most of its members that were assigned before (in earlier
analyses) belong to that theme (a one-to-one matching on those counts); otherwise it is a new theme. No
similarity threshold decides a merge or a split here: the partition is the clustering's, the registry only
names its parts. Re-running the analysis of a week gives the same clustering (same texts, same seed) and the
same names (its members carry them from the first run).

Interactions of the period get their theme written (replacing an earlier one); baseline interactions keep the
theme an earlier analysis gave them and only get one when they had none. A theme is *new* when it had
(almost) no member in the baseline weeks and *emerging* when its count in the period grew significantly
against them, the period's themes tested together (`theme_trend.growth_tests`); when the baseline weeks hold
no data (a first analysis), nothing is flagged.
"""

from __future__ import annotations

import secrets
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime

import numpy as np
from scipy.optimize import linear_sum_assignment
from sqlalchemy import delete, func, insert, select, update

from analytics.dataset import PeriodDataset, load_dataset
from analytics.quotes import clip_quote
from analytics.theme_labels import members_label
from analytics.theme_lexical import class_keywords, term_weights
from analytics.theme_novelty import split_novel
from analytics.theme_text import theme_features, theme_text
from analytics.theme_trend import growth_fields, growth_tests, weeks_spanned, weeks_with_data
from analytics.themes import ClusterResult, discover_clusters, mmr
from core.results import Evidence, Period, ThemeResult
from store.db import Store
from store.embedder import Embedder
from store.schema import InteractionRow, ThemeAssignmentRow, ThemeRow

QUOTE_CHARS = 300
"""A quote is cut (between words) at this many characters: display only."""
BASELINE_CAP = 40_000
"""At most this many baseline interactions are read into the window (an even sample beyond it): they give
the period its context and names, and the cap bounds time and memory on large centres (never reached on
DSTC11, Banking77 or the generated weeks)."""
_WRITE_CHUNK = 2000


@dataclass
class _Item:
    pk: int
    ext_id: str
    day: date
    text: str
    language: str | None
    in_period: bool
    previous: str | None
    """The theme an earlier analysis gave it (None when never assigned)."""


def _load_items(data: PeriodDataset, period: Period, in_period: bool, cap: int | None) -> list[_Item]:
    """The period's interactions with their theme text (the one the theme-vector job stored, else read)."""
    names = ("pk", "ext_id", "local_date", "patient_text", "full_text", "theme_text", "language", "assigned")
    rows = data.rows(data.between(period.start, period.end), names)
    if cap is not None and len(rows) > cap:
        step = len(rows) / cap
        rows = [rows[int(i * step)] for i in range(cap)]
    read: dict[tuple[str | None, str | None], str] = {}  # the same texts are read once (repeated messages)
    items = []
    for pk, ext, day, pt, ft, text, language, previous in rows:
        if text is None:
            text = read.get((pt, ft))
        if text is None:
            text = read[(pt, ft)] = theme_text(pt, ft)
        items.append(_Item(pk, ext, day, text, language, in_period, previous))
    return items


def _identify(
    clusters: ClusterResult, texted: list[_Item], known: dict[str, ThemeRow]
) -> dict[int, str | None]:
    """Cluster id → known theme id (majority of its previously assigned members, one-to-one), else None."""
    ids = [c.cluster_id for c in clusters.clusters]
    previous: dict[int, Counter[str]] = defaultdict(Counter)
    for item, label in zip(texted, clusters.labels, strict=True):
        if label >= 0 and item.previous in known:
            previous[int(label)][str(item.previous)] += 1
    themes = sorted({t for counts in previous.values() for t in counts})
    out: dict[int, str | None] = dict.fromkeys(ids)
    if not themes:
        return out
    table = np.array([[previous[c][t] for t in themes] for c in ids], dtype=np.int64)
    rows, cols = linear_sum_assignment(table, maximize=True)
    for r, c in zip(rows, cols, strict=True):
        seen = sum(previous[ids[r]].values())
        if table[r, c] > 0 and 2 * table[r, c] >= seen:
            out[ids[r]] = themes[c]
    return out


def assign_period_themes(
    *,
    store: Store,
    embedder: Embedder,
    tenant: str,
    period: Period,
    baseline: Period | None = None,
    data: PeriodDataset | None = None,
) -> tuple[list[ThemeResult], list[str]]:
    """Assign each interaction of the period to a stable theme (or leave it unassigned); themes + ids.

    The interactions are read from the analysis's dataset (loaded here without one), and the themes written
    are recorded in it.
    """
    if data is None or not (
        data.tenant == tenant
        and data.answers(period.start, period.end)
        and (baseline is None or data.answers(baseline.start, baseline.end))
    ):
        data = load_dataset(store=store, tenant=tenant, period=period, baseline=baseline)
    items = _load_items(data, period, True, None)
    base_total = 0
    if baseline is not None:
        items += _load_items(data, baseline, False, max(BASELINE_CAP, len(items)))
        base_total = int(data.between(baseline.start, baseline.end).sum())
    texted = [i for i in items if i.text]
    vectors, words = theme_features(
        store=store, embedder=embedder, texts=[i.text for i in texted], languages=[i.language for i in texted]
    )
    clusters = discover_clusters(
        texts=words, embeddings=vectors, granularity=store.settings.theme_granularity
    )
    weeks = weeks_with_data(i.day for i in items if not i.in_period)
    if baseline is not None:
        clusters = split_novel(
            clusters,
            texts=words,
            vectors=vectors,
            in_period=[i.in_period for i in texted],
            baseline_weeks=weeks,
        )
    with store.session() as session:
        known = {
            t.id: t for t in session.execute(select(ThemeRow).where(ThemeRow.tenant == tenant)).scalars()
        }
        session.expunge_all()
    names = _identify(clusters, texted, known)
    now = datetime.now(UTC).replace(tzinfo=None)
    # Keywords and labels read the patients' own words: the gloss helps the model group French texts, but a
    # French theme is named and described in French.
    own = class_keywords([i.text for i in texted], clusters.labels)
    rows: dict[int, ThemeRow] = {}
    for cluster in clusters.clusters:
        cluster.keywords = [w for w, _ in own.get(cluster.cluster_id, [])] or cluster.keywords
        theme_id = names[cluster.cluster_id]
        members = np.flatnonzero(clusters.labels == cluster.cluster_id)
        if theme_id:
            row = known[theme_id]
        else:  # a phrase in the theme's language, from its most typical sentences; kept for good
            row = ThemeRow(
                id=f"th-{secrets.token_hex(5)}",
                tenant=tenant,
                label=members_label(
                    texts=[texted[int(m)].text for m in members],
                    vectors=vectors[members],
                    centroid=cluster.centroid,
                    keywords=cluster.keywords,
                ),
                size=0,
                created_at=now,
                updated_at=now,
            )
        row.keywords = row.keywords if row.keywords and theme_id else cluster.keywords  # a new theme's too
        row.centroid = cluster.centroid.astype(np.float32).tobytes()
        row.lexical = {"terms": term_weights([words[int(m)] for m in members])}
        rows[cluster.cluster_id] = row
    theme_of: dict[int, ThemeRow] = {}
    similarity: dict[int, float] = {}
    for r, (item, label) in enumerate(zip(texted, clusters.labels, strict=True)):
        if label >= 0:
            row = theme_of[item.pk] = rows[int(label)]
            similarity[item.pk] = float(vectors[r] @ np.frombuffer(row.centroid or b"", np.float32))
    data.assign_themes(_write(store, tenant, items, theme_of, similarity, list(rows.values()), now))
    scale = base_total / max(1, sum(1 for i in items if not i.in_period))
    return _results(period, items, texted, vectors, clusters, rows, base_total > 0, weeks, scale)


def _write(
    store: Store,
    tenant: str,
    items: list[_Item],
    theme_of: dict[int, ThemeRow],
    similarity: dict[int, float],
    themes: list[ThemeRow],
    now: datetime,
) -> dict[int, str | None]:
    """Period interactions get their theme (replacing an earlier one); baseline ones only if they had none.

    Returns the themes written (interaction pk → theme id or None).
    """
    todo = [i for i in items if i.in_period or i.previous is None]
    days: dict[str, list[date]] = defaultdict(list)
    for item in todo:
        if item.pk in theme_of:
            days[theme_of[item.pk].id].append(item.day)
    values = [
        {
            "interaction_pk": i.pk,
            "tenant": tenant,
            "theme_id": theme_of[i.pk].id if i.pk in theme_of else None,
            "similarity": round(similarity[i.pk], 4) if i.pk in similarity else None,
            "assigned_at": now,
        }
        for i in todo
    ]
    with store.session() as session:
        stored = []
        for theme in themes:
            row = session.get(ThemeRow, theme.id)
            if row is None:  # a new theme
                session.add(theme)
                row = theme
            else:
                row.keywords, row.centroid, row.lexical = theme.keywords, theme.centroid, theme.lexical
                row.updated_at = now
            seen = days.get(theme.id, [])
            if seen:
                row.first_seen = min(d for d in [row.first_seen, *seen] if d is not None)
                row.last_seen = max(d for d in [row.last_seen, *seen] if d is not None)
            stored.append(row)
        session.flush()
        for start in range(0, len(values), _WRITE_CHUNK):
            part = values[start : start + _WRITE_CHUNK]
            pks = [v["interaction_pk"] for v in part]
            session.execute(delete(ThemeAssignmentRow).where(ThemeAssignmentRow.interaction_pk.in_(pks)))
            session.execute(insert(ThemeAssignmentRow), part)
            session.execute(
                update(InteractionRow),
                [{"pk": v["interaction_pk"], "theme_id": v["theme_id"]} for v in part],
            )
        counts = dict(
            session.execute(
                select(ThemeAssignmentRow.theme_id, func.count())
                .where(ThemeAssignmentRow.tenant == tenant, ThemeAssignmentRow.theme_id.is_not(None))
                .group_by(ThemeAssignmentRow.theme_id)
            )
            .tuples()
            .all()
        )
        for row in stored:
            row.size = int(counts.get(row.id, 0))
    return {i.pk: theme_of[i.pk].id if i.pk in theme_of else None for i in todo}


def _results(
    period: Period,
    items: list[_Item],
    texted: list[_Item],
    vectors: np.ndarray,
    clusters: ClusterResult,
    rows: dict[int, ThemeRow],
    history: bool,
    weeks: int,
    scale: float,
) -> tuple[list[ThemeResult], list[str]]:
    """The period's themes (members, quotes, new / emerging / growing flags) and its unassigned ids."""
    row_of = {item.pk: r for r, item in enumerate(texted)}
    members: dict[int, list[int]] = defaultdict(list)
    before: Counter[int] = Counter()
    unassigned: list[str] = []
    for item in items:
        r = row_of.get(item.pk)
        label = int(clusters.labels[r]) if r is not None else -1
        if not item.in_period:
            if label >= 0:
                before[label] += 1
            continue
        if label >= 0:
            members[label].append(r)  # type: ignore[arg-type]
        else:
            unassigned.append(item.ext_id)
    counts = {k: (len(group), round(before[k] * scale)) for k, group in members.items()}
    growths = growth_tests(counts, weeks, period_weeks=weeks_spanned(period))
    out = []
    for label, group in members.items():
        row = rows[label]
        centre = np.frombuffer(row.centroid or b"", dtype=np.float32)
        order = mmr(vectors[group], centre, k=5) if len(centre) == vectors.shape[1] else list(range(5))
        is_new = history and bool(growths[label]["new"])
        emerging = history and bool(growths[label]["emerging"])  # new and in volume, or sharply growing
        out.append(
            ThemeResult(
                theme_id=row.id,
                label=row.label,
                keywords=list(row.keywords or []),
                size=len(group),
                interaction_ids=[texted[r].ext_id for r in group],
                quotes=[_quote(texted[group[j]]) for j in order if j < len(group)],
                emerging=emerging,
                is_new=is_new,
                growing=emerging and not is_new,
                **(growth_fields(growths[label]) if history else {}),
            )
        )
    out.sort(key=lambda t: -t.size)
    return out, unassigned


def _quote(item: _Item) -> Evidence:
    return Evidence(interaction_id=item.ext_id, quote=clip_quote(item.text, QUOTE_CHARS))
