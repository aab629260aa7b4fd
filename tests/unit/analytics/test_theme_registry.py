from __future__ import annotations

from datetime import date
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
    # a first analysis has no earlier weeks to compare with: nothing is new or emerging yet
    assert all(t.theme_id.startswith("th-") and not t.is_new and not t.emerging for t in first)
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


def test_a_cluster_takes_the_name_most_of_its_earlier_members_had() -> None:
    from analytics.theme_registry import _identify, _Item
    from analytics.themes import ClusterResult

    def item(pk: int, previous: str | None) -> _Item:
        return _Item(pk, f"i{pk}", date(2026, 11, 17), "t", "fr", True, previous)

    known = {"th-a": ThemeRow(id="th-a"), "th-b": ThemeRow(id="th-b")}
    texted = [item(0, "th-a"), item(1, "th-a"), item(2, None), item(3, "th-a"), item(4, "th-b")]
    texted += [item(5, None), item(6, "th-b"), item(7, "th-a"), item(8, "th-gone")]
    labels = np.array([0, 0, 0, 1, 1, 1, 2, 2, -1])
    clusters = ClusterResult(labels=labels, clusters=[_cluster(c) for c in (0, 1, 2)])
    names = _identify(clusters, texted, known)
    # cluster 0: both earlier members were th-a; cluster 1: a tie th-a/th-b, but th-a went to cluster 0 and
    # th-b holds half of its earlier members; cluster 2: th-a and th-b are both taken -> a new theme
    assert names == {0: "th-a", 1: "th-b", 2: None}


def _cluster(cluster_id: int) -> Any:
    from analytics.themes import Cluster

    return Cluster(cluster_id, 3, [], "", [], np.ones(3, dtype=np.float32))


def test_a_known_theme_that_triples_is_flagged_growing_not_new(sqlite_store: Store) -> None:
    embedder = FakeEmbedder(dim=128)
    ingest_records(sqlite_store, [*_records(2, TOPICS), *_records(9, TOPICS)])
    growing = {"parking": TOPICS["parking"]}
    ingest_records(sqlite_store, [*_records(16, TOPICS), *_records(16, growing, n=16)])
    baseline = Period(start=date(2026, 11, 2), end=date(2026, 11, 15))
    themes, _ = assign_period_themes(
        store=sqlite_store, embedder=embedder, tenant="default", period=W47, baseline=baseline
    )
    flags = sorted((t.size, t.is_new, t.growing, t.emerging) for t in themes)
    assert flags == [(8, False, False, False), (8, False, False, False), (24, False, True, True)]


def test_french_words_the_glossary_does_not_know_keep_their_own_vector(sqlite_store: Store) -> None:
    from analytics.theme_text import theme_features

    embedder = FakeEmbedder(dim=64)
    unknown = "mon fils a une otite persistante"
    known = "je voudrais renouveler mon ordonnance"
    vectors, words = theme_features(
        store=sqlite_store, embedder=embedder, texts=[unknown, known], languages=["fr", "fr"]
    )
    own = embedder.encode([unknown, known])
    assert float(vectors[0] @ own[0]) > 0.999 and words[0] == unknown
    # a text the glossary covers reads through its English gloss, in both views
    assert float(vectors[1] @ own[1]) < 0.99 and "prescription" in words[1]


def test_glossed_texts_blended_a_chunk_at_a_time_get_the_same_vectors(
    sqlite_store: Store, monkeypatch
) -> None:
    import analytics.theme_text as module

    texts = [
        "je voudrais renouveler mon ordonnance",
        "ma facture de radiologie est fausse",
        "hello I need an appointment",
        "je voudrais renouveler mon ordonnance",
        "le rendez-vous au scanner est annulé",
    ]
    languages = ["fr", "fr", "en", "fr", "fr"]
    whole, words = module.theme_features(
        store=sqlite_store, embedder=FakeEmbedder(dim=64), texts=texts, languages=languages
    )
    monkeypatch.setattr(module, "GLOSS_CHUNK", 2)
    chunked, same_words = module.theme_features(
        store=sqlite_store, embedder=FakeEmbedder(dim=64), texts=texts, languages=languages
    )
    np.testing.assert_array_equal(chunked, whole)
    assert same_words == words and words[0] != texts[0]  # glossed texts were blended


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
        word in label.lower() for label in labels for word in ("glasses", "chambre", "lunettes")
    )


def test_a_new_problem_inside_a_known_cluster_is_split_off() -> None:
    from analytics.theme_novelty import split_novel
    from analytics.themes import ClusterResult

    rng = np.random.default_rng(0)

    def around(axis: int, n: int) -> np.ndarray:
        base = np.zeros((n, 8), dtype=np.float32)
        base[:, axis] = 1.0
        noisy = base + 0.05 * rng.normal(size=(n, 8)).astype(np.float32)
        return noisy / np.linalg.norm(noisy, axis=1, keepdims=True)

    # one cluster: booking questions every week (40 a week) and a broken portal only now (30); the cluster
    # as a whole grew x1.75 only, so it is not flagged, and the portal would stay hidden inside it
    vectors = np.vstack([around(0, 160), around(0, 40), around(1, 30)])
    in_period = [False] * 160 + [True] * 70
    texts = ["book an appointment"] * 200 + ["the booking portal shows an error"] * 30
    clusters = ClusterResult(labels=np.zeros(230, dtype=np.int64), clusters=[_cluster(0)])
    split = split_novel(clusters, texts=texts, vectors=vectors, in_period=in_period, baseline_weeks=4)
    assert sorted(np.unique(split.labels).tolist()) == [0, 1]
    assert set(np.flatnonzero(split.labels == 1)) == set(range(200, 230))
    assert "portal" in split.clusters[1].keywords and split.clusters[1].size == 30

    # a cluster that is steady across weeks is left whole
    steady = np.vstack([around(0, 160), around(0, 40)])
    whole = ClusterResult(labels=np.zeros(200, dtype=np.int64), clusters=[_cluster(0)])
    kept = split_novel(
        whole, texts=texts[:200], vectors=steady, in_period=[False] * 160 + [True] * 40, baseline_weeks=4
    )
    assert np.unique(kept.labels).tolist() == [0]


def test_a_new_problem_inside_a_growing_cluster_is_split_off_and_gathers_its_strays() -> None:
    from analytics.theme_novelty import split_novel
    from analytics.themes import ClusterResult

    rng = np.random.default_rng(1)

    def around(axis: int, n: int, spread: float = 0.05) -> np.ndarray:
        base = np.zeros((n, 8), dtype=np.float32)
        base[:, axis] = 1.0
        noisy = base + spread * rng.normal(size=(n, 8)).astype(np.float32)
        return noisy / np.linalg.norm(noisy, axis=1, keepdims=True)

    # cluster 0: card delivery questions every week (10 a week) and, only now, "my card has not arrived"
    # (30): the cluster as a whole grew x4, so it was flagged whole with the old topic riding along.
    # Discovery put 6 more "not arrived" texts of this week in a neighbouring cluster 1 ("other card
    # questions", steady); and an old baseline text near the new problem must not join it.
    parts = [(0, 30), (0, 10), (1, 30), (2, 60), (2, 20), (1, 6), (1, 1)]
    vectors = np.vstack([around(axis, n) for axis, n in parts])
    in_period = [False] * 30 + [True] * 40 + [False] * 60 + [True] * 20 + [True] * 6 + [False]
    labels = np.array([0] * 70 + [1] * 87, dtype=np.int64)
    texts = ["card delivery time"] * 40 + ["card not arrived"] * 30 + ["other card question"] * 80
    texts += ["card not arrived"] * 6 + ["card not arrived long ago"]
    clusters = ClusterResult(labels=labels, clusters=[_cluster(0), _cluster(1)])
    split = split_novel(clusters, texts=texts, vectors=vectors, in_period=in_period, baseline_weeks=3)
    new = set(np.flatnonzero(split.labels == 2))
    assert new == set(range(40, 70)) | set(range(150, 156))
    assert set(np.flatnonzero(split.labels == 0)) == set(range(40))
    assert split.labels[156] == 1  # the baseline text stays where it was
    assert "arrived" in split.clusters[-1].keywords and split.clusters[-1].size == 36

    # a cluster that is wholly new (no steady part) stays one theme
    fresh = ClusterResult(labels=np.zeros(40, dtype=np.int64), clusters=[_cluster(0)])
    whole = split_novel(
        fresh,
        texts=texts[40:70] + texts[:10],
        vectors=np.vstack([around(1, 30), around(0, 10)]),
        in_period=[True] * 40,
        baseline_weeks=3,
    )
    assert np.unique(whole.labels).tolist() == [0]


def _around(rng: np.random.Generator, direction: list[float], n: int, spread: float = 0.05) -> np.ndarray:
    base = np.tile(np.asarray(direction + [0.0] * (8 - len(direction)), dtype=np.float32), (n, 1))
    noisy = base / np.linalg.norm(base[0]) + spread * rng.normal(size=(n, 8)).astype(np.float32)
    return noisy / np.linalg.norm(noisy, axis=1, keepdims=True)


def test_old_texts_near_a_new_problem_go_back_to_the_known_neighbour_they_belong_to() -> None:
    from analytics.theme_novelty import split_novel
    from analytics.themes import ClusterResult

    rng = np.random.default_rng(2)
    # cluster 0: card questions every week (40 before, 10 now) and, only now, "my card has not arrived" (30),
    # with 3 old "how long does delivery take" texts worded close to it; cluster 1 is card delivery (steady).
    # The old texts came in the split-off part with the new problem: their own topic is delivery, the new
    # part's centre is that of the texts that formed it, and they go back to it — the part is new on its own.
    parts = [([1.0], 40), ([1.0], 10), ([0, 1.0], 30), ([0, 0.66, 0.75], 3)]
    parts += [([0, 0, 1.0], 30), ([0, 0, 1.0], 10)]
    vectors = np.vstack([_around(rng, d, n, spread=0.03) for d, n in parts])
    in_period = [False] * 40 + [True] * 40 + [False] * 3 + [False] * 30 + [True] * 10
    labels = np.array([0] * 83 + [1] * 40, dtype=np.int64)
    texts = ["card question"] * 50 + ["card not arrived"] * 30 + ["card delivery time"] * 43
    clusters = ClusterResult(labels=labels, clusters=[_cluster(0), _cluster(1)])
    split = split_novel(clusters, texts=texts, vectors=vectors, in_period=in_period, baseline_weeks=4)
    assert set(np.flatnonzero(split.labels == 2)) == set(range(50, 80))
    assert split.labels[80:83].tolist() == [1, 1, 1]


def test_texts_of_the_week_that_are_new_where_they_stand_join_the_new_problem() -> None:
    from analytics.theme_novelty import split_novel
    from analytics.themes import ClusterResult

    rng = np.random.default_rng(3)
    # cluster 0: card questions (200 before, 40 now), "my card has not arrived" only now (30) and, only now
    # too, 9 texts of it worded like the card questions: a community of 9 is too small to be tested alone,
    # but each of them has mostly texts of this week around it (the window's share is 0.28)
    parts = [([1.0], 200), ([1.0], 40), ([0, 1.0], 30), ([1.0, 0, 1.0], 9)]
    vectors = np.vstack([_around(rng, d, n, spread=0.03) for d, n in parts])
    in_period = [False] * 200 + [True] * 79
    texts = ["card question"] * 240 + ["card not arrived"] * 39
    clusters = ClusterResult(labels=np.zeros(279, dtype=np.int64), clusters=[_cluster(0)])
    split = split_novel(clusters, texts=texts, vectors=vectors, in_period=in_period, baseline_weeks=4)
    assert set(np.flatnonzero(split.labels == 1)) == set(range(240, 279))
    assert set(np.flatnonzero(split.labels == 0)) == set(range(240))


def test_the_windows_communities_are_tested_together_a_chance_one_is_not_split_off() -> None:
    from analytics.theme_novelty import split_novel
    from analytics.themes import ClusterResult

    rng = np.random.default_rng(4)
    # 20 steady clusters of two communities each (15 a week before, 17 now; 3 a week before, 3 now); in one,
    # the small community has 10 this week by chance (p = 0.001: significant alone, not among 40 tests)
    blocks, in_period, labels = [], [], []
    for c in range(20):
        for axis, before, now in ((2 * c, 60, 17), (2 * c + 1, 12, 10 if c == 0 else 3)):
            direction = [0.0] * 40
            direction[axis] = 1.0
            base = np.tile(np.asarray(direction, dtype=np.float32), (before + now, 1))
            noisy = base + 0.03 * rng.normal(size=base.shape).astype(np.float32)
            blocks.append(noisy / np.linalg.norm(noisy, axis=1, keepdims=True))
            in_period += [False] * before + [True] * now
            labels += [c] * (before + now)
    vectors = np.vstack(blocks)
    clusters = ClusterResult(
        labels=np.asarray(labels, dtype=np.int64), clusters=[_cluster(c) for c in range(20)]
    )
    split = split_novel(
        clusters, texts=["x"] * len(labels), vectors=vectors, in_period=in_period, baseline_weeks=4
    )
    assert split.labels.tolist() == labels


def test_a_french_theme_is_described_in_the_patients_own_words_not_the_gloss(sqlite_store: Store) -> None:
    embedder = FakeEmbedder(dim=128)
    ingest_records(sqlite_store, _records(9, TOPICS))
    themes, _ = assign_period_themes(store=sqlite_store, embedder=embedder, tenant="default", period=W46)
    french = next(t for t in themes if any("ordonnance" in k for k in t.keywords))
    # the glossary glosses "ordonnance" as "prescription" to group texts; the keywords keep French only
    assert not any("prescription" in k for k in french.keywords)
    with sqlite_store.session() as session:
        row = session.get(ThemeRow, french.theme_id)
        assert row is not None and not any("prescription" in k for k in row.keywords)


def test_the_theme_step_cuts_themes_at_the_configured_granularity(sqlite_store: Store, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import analytics.theme_registry as registry

    asked: list[str] = []
    real = registry.discover_clusters

    def spy(**kwargs: Any) -> Any:
        asked.append(kwargs["granularity"])
        return real(**kwargs)

    monkeypatch.setattr(registry, "discover_clusters", spy)
    ingest_records(sqlite_store, _records(16, TOPICS))
    sqlite_store.settings = sqlite_store.settings.model_copy(update={"theme_granularity": "fine"})
    assign_period_themes(store=sqlite_store, embedder=FakeEmbedder(dim=128), tenant="default", period=W47)
    assert asked == ["fine"]
