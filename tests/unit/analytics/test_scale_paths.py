"""The faster paths of a large analysis give what the plain ones give."""

from __future__ import annotations

import random
import unicodedata

import numpy as np

from analytics import themes
from analytics.glossary import load_glossary
from analytics.theme_lexical import LexicalView
from core.text import fold, strip_accents


def _reference(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def test_strip_accents_is_the_nfkd_filter() -> None:
    fixed = ["Hôpital Nord", "Ça fait trois fois", "œuvre naïve", "x\u034fy", "ﬁn ½", "Ǆ ẞ", "", "plain"]
    rng = random.Random(4)
    drawn = [
        "".join(
            chr(rng.choice([rng.randrange(32, 128), rng.randrange(0xC0, 0x250), rng.randrange(0x300, 0x370)]))
            for _ in range(30)
        )
        for _ in range(2000)
    ]
    wide = ["".join(chr(rng.randrange(0, 0x2FFFF)) for _ in range(30)) for _ in range(500)]
    for text in fixed + drawn + wide:
        assert strip_accents(text) == _reference(text), repr(text)
    assert fold("Rendez-Vous PRÉVU à l'hôpital") == "rendez-vous prevu a l'hopital"


def test_glossary_read_is_gloss_and_coverage() -> None:
    glossary = load_glossary()
    for text in [
        "Mon ordonnance est expirée, comment la renouveler ?",
        "rendez-vous d'IRM annulé, prise de sang demain",
        "le la les de",
        "hello there",
        "",
    ]:
        assert glossary.read(text) == (glossary.gloss(text), glossary.coverage(text))


def test_lexical_transform_reads_each_distinct_text_once() -> None:
    base = [f"prescription renewal {i} refused pharmacy" for i in range(30)]
    base += [f"parking fees {i} machine broken" for i in range(30)]
    view = LexicalView(dims=10)
    view.fit_transform(base)
    repeated = base[:5] + base[:5] + ["rendez-vous annulé"] + base[40:45] + base[:2]
    together = view.transform(repeated)
    one_by_one = np.vstack([view.transform([t]) for t in repeated])
    np.testing.assert_allclose(together, one_by_one, atol=1e-6)


def _blobs(per: int, centres: int, dim: int = 16, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    axes = np.eye(dim, dtype=np.float32)[:centres]
    truth = np.repeat(np.arange(centres), per)
    points = axes[truth] + 0.15 * rng.standard_normal((len(truth), dim)).astype(np.float32)
    return points / np.linalg.norm(points, axis=1, keepdims=True), truth


def test_louvain_above_the_sample_size_reads_a_sample(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(themes, "SAMPLE_SIZE", 300)
    features, truth = _blobs(250, 4)  # 1 000 texts: above the (lowered) bound
    seen: list[int] = []
    graph = themes._louvain_graph
    monkeypatch.setattr(
        themes,
        "_louvain_graph",
        lambda f, seed, resolution: seen.append(len(f)) or graph(f, seed=seed, resolution=resolution),
    )
    labels = themes._louvain(features, seed=0)
    assert seen == [300], "one graph, of the sample"
    assert len(labels) == 1000
    for community in np.unique(labels):  # every community is one blob, every blob one community
        assert len(np.unique(truth[labels == community])) == 1
    assert len(np.unique(labels)) == 4
    small, _ = _blobs(50, 4)
    seen.clear()
    themes._louvain(small, seed=0)
    assert seen == [200], "below the bound, the whole graph"


def _graph_edge_by_edge(features: np.ndarray, k: int):  # type: ignore[no-untyped-def]
    """The neighbour graph built one edge at a time (how it was built before `_neighbour_edges`)."""
    import networkx as nx

    graph = nx.Graph()
    graph.add_nodes_from(range(len(features)))
    for start in range(0, len(features), 2000):
        sims = features[start : start + 2000] @ features.T
        rows = np.arange(sims.shape[0])
        sims[rows, rows + start] = -1.0
        nearest = np.argpartition(-sims, k - 1, axis=1)[:, :k]
        for r, neighbours in enumerate(nearest):
            i = start + r
            for j in neighbours:
                weight = float(max(sims[r, j], 0.0))
                if graph.has_edge(i, int(j)):
                    graph[i][int(j)]["weight"] += weight
                else:
                    graph.add_edge(i, int(j), weight=weight)
    return graph


def test_neighbour_graph_is_the_edge_by_edge_one() -> None:
    import networkx as nx

    for seed, n in ((0, 60), (1, 700), (2, 2500)):
        features, _ = _blobs(n // 5, 5, seed=seed)
        features = features[np.random.default_rng(seed).permutation(len(features))]
        k = min(themes.GRAPH_NEIGHBOURS, len(features) - 1)
        reference = _graph_edge_by_edge(features, k)
        built = nx.Graph()
        built.add_nodes_from(range(len(features)))
        built.add_weighted_edges_from(themes._neighbour_edges(features, k))
        assert [list(built.adj[u].items()) for u in built] == [
            list(reference.adj[u].items()) for u in reference
        ]
        expected = nx.community.louvain_communities(reference, weight="weight", seed=0)
        assert nx.community.louvain_communities(built, weight="weight", seed=0) == expected


def test_sampled_louvain_places_the_rest_as_added_one_vote_at_a_time(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(themes, "SAMPLE_SIZE", 300)
    features, _ = _blobs(300, 4, seed=5)
    features = np.vstack([features, features[:200]])  # duplicates: tied neighbours
    labels = themes._louvain(features, seed=0)
    n, k = len(features), themes.GRAPH_NEIGHBOURS
    sample = np.sort(np.random.default_rng(0).choice(n, 300, replace=False))
    communities = labels[sample]
    rest = np.setdiff1d(np.arange(n), sample)
    sims = features[rest] @ features[sample].T
    nearest = np.argpartition(-sims, k - 1, axis=1)[:, :k]
    weights = np.maximum(np.take_along_axis(sims, nearest, axis=1), 0.0)
    votes = np.zeros((len(rest), int(communities.max()) + 1), dtype=np.float64)
    np.add.at(votes, (np.repeat(np.arange(len(rest)), k), communities[nearest].ravel()), weights.ravel())
    assert np.array_equal(labels[rest], np.argmax(votes, axis=1))


def test_fresh_answers_the_asked_texts_as_it_would_all_of_them() -> None:
    from analytics.theme_novelty import _fresh

    features, _ = _blobs(700, 4, seed=6)
    features = np.vstack([features, features[:900]])  # duplicates: tied neighbours
    rng = np.random.default_rng(6)
    period = rng.random(len(features)) < 0.5
    period[:350] = True  # a part of one blob is all this period's: new where it stands
    everyone = _fresh(features, period, float(period.mean()), np.ones(int(period.sum()), dtype=bool))
    assert everyone.any() and not everyone.all()
    asked = rng.random(int(period.sum())) < 0.3
    assert np.array_equal(_fresh(features, period, float(period.mean()), asked), everyone[asked])
