from __future__ import annotations

from datetime import date, datetime
from typing import Any

import numpy as np

from analytics.theme_registry import assign_period_themes
from core.results import Period
from store.db import Store
from store.embedder import FakeEmbedder
from store.ingest import ingest_records
from store.schema import InteractionRow, ThemeAssignmentRow, ThemeRow
from tests.factories import at, interaction

W46 = Period(start=date(2026, 11, 9), end=date(2026, 11, 15))
W47 = Period(start=date(2026, 11, 16), end=date(2026, 11, 22))

TOPICS = {
    "prescription": "je voudrais renouveler mon ordonnance de traitement {i}",
    "billing": "I received a bill invoice with a wrong amount, billing error {i}",
    "parking": "le parking de l'hôpital est payant, où se garer {i}",
}
PORTAL = "the online booking portal is broken since the update, the website shows an error {i}"


def _records(day: int, topics: dict[str, str], n: int = 8) -> list[dict[str, Any]]:
    out = []
    for t, template in enumerate(topics.values()):
        for i in range(n):
            out.append(
                interaction(
                    started=at(day + i % 5, 9 + t, i),
                    transcript=[{"speaker": "patient", "text": template.format(i=f"cas {i % 3}")}],
                )
            )
    return out


def _ids(store: Store, period: Period) -> set[str]:
    with store.session() as session:
        rows = session.query(InteractionRow.ext_id).filter(
            InteractionRow.local_date.between(period.start, period.end)
        )
        return {r[0] for r in rows}


def test_themes_keep_their_ids_across_weeks_and_a_new_topic_becomes_a_candidate(store: Store) -> None:
    sqlite_store = store
    embedder = FakeEmbedder(dim=128)
    ingest_records(sqlite_store, _records(9, TOPICS))
    first, unassigned = assign_period_themes(
        store=sqlite_store, embedder=embedder, tenant="default", period=W46
    )
    assert len(first) == 3 and not unassigned
    assert all(t.theme_id.startswith("th-") and t.is_new for t in first)
    by_label = {t.theme_id: t for t in first}

    abandoned = interaction(started=at(18, 10), abandoned=True, transcript=None)
    ingest_records(sqlite_store, [*_records(16, TOPICS), *_records(16, {"portal": PORTAL}, n=10), abandoned])
    second, unassigned = assign_period_themes(
        store=sqlite_store, embedder=embedder, tenant="default", period=W47, baseline=W46
    )
    old = [t for t in second if t.theme_id in by_label]
    new = [t for t in second if t.theme_id not in by_label]
    assert len(old) == 3 and all(t.size == 8 and not t.is_new for t in old)
    assert len(new) == 1 and new[0].is_new and new[0].emerging and new[0].size == 10
    assert any("portal" in k or "booking" in k for k in new[0].keywords)
    assert abandoned["id"] in unassigned

    # partition: every interaction of the period exactly once
    assigned = [i for t in second for i in t.interaction_ids]
    assert len(assigned) == len(set(assigned))
    assert set(assigned) | set(unassigned) == _ids(sqlite_store, W47)
    assert not set(assigned) & set(unassigned)

    with sqlite_store.session() as session:
        rows = {r.id: r for r in session.query(ThemeRow)}
        kept = rows[old[0].theme_id]
        assert kept.size == 16 and kept.last_seen is not None and kept.last_seen >= W47.start
        assert kept.centroid is not None
        centroid = np.frombuffer(kept.centroid, dtype=np.float32)
        assert abs(float(np.linalg.norm(centroid)) - 1.0) < 1e-4
        stored = session.query(InteractionRow.theme_id).filter(InteractionRow.ext_id == assigned[0]).scalar()
        assert stored is not None
        assert session.query(ThemeAssignmentRow).count() == len(
            _ids(sqlite_store, W46) | _ids(sqlite_store, W47)
        )


def test_rerunning_a_period_is_idempotent(sqlite_store: Store) -> None:
    embedder = FakeEmbedder(dim=128)
    ingest_records(sqlite_store, _records(16, TOPICS))
    first, _ = assign_period_themes(store=sqlite_store, embedder=embedder, tenant="default", period=W47)
    again, _ = assign_period_themes(store=sqlite_store, embedder=embedder, tenant="default", period=W47)
    assert {(t.theme_id, t.size) for t in first} == {(t.theme_id, t.size) for t in again}
    with sqlite_store.session() as session:
        assert sorted(r.size for r in session.query(ThemeRow)) == [8, 8, 8]


def test_first_run_clusters_baseline_and_period_together(sqlite_store: Store) -> None:
    embedder = FakeEmbedder(dim=128)
    ingest_records(sqlite_store, [*_records(9, TOPICS), *_records(16, TOPICS)])
    themes, _ = assign_period_themes(
        store=sqlite_store, embedder=embedder, tenant="default", period=W47, baseline=W46
    )
    assert len(themes) == 3 and all(t.size == 8 and not t.is_new and not t.emerging for t in themes)
    with sqlite_store.session() as session:
        baseline_assigned = (
            session.query(InteractionRow)
            .filter(InteractionRow.local_date <= W46.end, InteractionRow.theme_id.is_not(None))
            .count()
        )
    assert baseline_assigned == 24


def _theme(theme_id: str, centre: list[float]) -> Any:
    from analytics.theme_registry import _Theme

    vector = np.asarray(centre, dtype=np.float32)
    row = ThemeRow(id=theme_id, tenant="default", label=theme_id, keywords=[], size=0)
    return _Theme(row, vector / np.linalg.norm(vector), {}, 0.4)


def test_themes_new_in_the_same_period_and_close_merge_into_one() -> None:
    from analytics.theme_registry import _Item, _merge_new

    now = datetime(2026, 11, 23)
    portal_a, portal_b = _theme("th-a", [1.0, 0.2, 0.0]), _theme("th-b", [0.9, 0.5, 0.0])
    other_new, older = _theme("th-c", [0.0, 0.0, 1.0]), _theme("th-d", [1.0, 0.25, 0.0])
    items = [_Item(pk, f"i{pk}", date(2026, 11, 17), f"text {pk}", in_period=pk != 9) for pk in range(10)]
    vectors = np.array(
        [[1, 0.2, 0]] * 4 + [[0.9, 0.5, 0]] * 2 + [[0, 0, 1]] * 2 + [[1, 0.25, 0]] * 2, dtype=np.float32
    )
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    owners = [portal_a] * 4 + [portal_b] * 2 + [other_new] * 2 + [older] * 2
    chosen = {item.pk: (theme, 0.9) for item, theme in zip(items, owners, strict=True)}
    # th-d has a member before the period (pk 9): not new in the period, never merged.
    _merge_new(items, vectors, [portal_a, portal_b, other_new, older], chosen, now)
    assert {pk for pk, (t, _) in chosen.items() if t is portal_a} == {0, 1, 2, 3, 4, 5}
    assert {pk for pk, (t, _) in chosen.items() if t is other_new} == {6, 7}
    assert {pk for pk, (t, _) in chosen.items() if t is older} == {8, 9}
    assert abs(float(np.linalg.norm(portal_a.centroid)) - 1.0) < 1e-5


def test_first_run_the_period_founds_the_themes_and_baseline_only_topics_get_their_own(
    sqlite_store: Store,
) -> None:
    embedder = FakeEmbedder(dim=128)
    ingest_records(
        sqlite_store,
        [*_records(9, TOPICS), *_records(9, {"lost": "j'ai perdu mes lunettes dans la chambre {i}"})],
    )
    ingest_records(sqlite_store, [*_records(16, TOPICS), *_records(16, {"portal": PORTAL}, n=10)])
    themes, _ = assign_period_themes(
        store=sqlite_store, embedder=embedder, tenant="default", period=W47, baseline=W46
    )
    by_size = sorted((t.size, t.is_new, t.emerging) for t in themes)
    assert by_size == [(8, False, False)] * 3 + [(10, True, True)]
    with sqlite_store.session() as session:
        labels = [r.label for r in session.query(ThemeRow)]
    assert len(labels) == 5 and any(
        "glasses" in label.lower() or "chambre" in label.lower() for label in labels
    )
