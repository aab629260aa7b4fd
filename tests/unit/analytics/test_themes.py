from __future__ import annotations

import numpy as np
import pytest

from analytics.theme_lexical import STOP_WORDS, clean, label_from_keywords
from analytics.themes import discover_clusters, mmr
from store.embedder import FakeEmbedder

GROUPS = {
    "prescription": [
        "je voudrais renouveler mon ordonnance de traitement",
        "renouvellement d'ordonnance pour mon traitement svp <NAME>",
        "mon ordonnance est finie, il me faut un renouvellement du traitement",
        "ordonnance à renouveler pour le traitement de ma mère",
        "besoin du renouvellement de l'ordonnance, traitement cardiaque",
        "pouvez-vous renouveler l'ordonnance de mon traitement <PHONE>",
        "renouveler ordonnance traitement habituel",
        "l'ordonnance de mon traitement expire, renouvellement possible",
    ],
    "billing": [
        "I received a bill I do not understand, invoice amount wrong",
        "the invoice shows an amount I already paid, billing error",
        "question about my bill, the invoice amount is too high",
        "billing problem: invoice sent twice, amount charged twice",
        "why is the invoice amount different from my bill last month",
        "my bill invoice has a wrong amount, please correct billing",
        "invoice amount unclear on the bill <NAME>",
        "billing department: invoice amount disputed",
    ],
    "parking": [
        "où se garer, le parking de l'hôpital est-il payant",
        "tarif du parking pour les visiteurs de l'hôpital",
        "le parking de l'hôpital est complet, où se garer",
        "parking hôpital: places réservées et tarif",
        "y a-t-il un parking gratuit près de l'hôpital",
        "garer la voiture au parking de l'hôpital le soir",
        "badge du parking de l'hôpital perdu",
        "prix du parking de l'hôpital à la journée",
    ],
}


def _data(extra: list[str] | None = None) -> tuple[list[str], list[str], np.ndarray]:
    texts, truth = [], []
    for key, items in GROUPS.items():
        texts += items
        truth += [key] * len(items)
    texts += extra or []
    truth += ["noise"] * len(extra or [])
    return texts, truth, FakeEmbedder(dim=128).encode(texts)


def test_finds_the_groups_without_being_told_how_many() -> None:
    texts, truth, vectors = _data()
    result = discover_clusters(texts=texts, embeddings=vectors, min_size=3)
    assert len(result.clusters) == 3
    for key in GROUPS:
        labels = {int(result.labels[i]) for i, t in enumerate(truth) if t == key}
        assert len(labels) == 1 and -1 not in labels, key
    assert result.unassigned_share == 0.0


def test_unrelated_texts_stay_unassigned_or_small_groups_are_dropped() -> None:
    noise = ["zzz qwerty", "xylophone kumquat", "astronomie quasar nébuleuse"]
    texts, truth, vectors = _data(noise)
    result = discover_clusters(texts=texts, embeddings=vectors, min_size=4)
    assert len(result.clusters) == 3
    assert all(result.labels[i] == -1 for i, t in enumerate(truth) if t == "noise")
    assert result.unassigned_share == pytest.approx(3 / len(texts))


def test_keywords_and_labels_have_no_placeholders_or_stop_words() -> None:
    texts, truth, vectors = _data()
    result = discover_clusters(texts=texts, embeddings=vectors, min_size=3)
    by_key = {}
    for cluster in result.clusters:
        member = truth[int(np.flatnonzero(result.labels == cluster.cluster_id)[0])]
        by_key[member] = cluster
        for keyword in cluster.keywords:
            assert "<" not in keyword and "name" not in keyword and "phone" not in keyword
            assert not set(keyword.split()) & STOP_WORDS
        assert cluster.label and "<" not in cluster.label
    assert any("ordonnance" in k for k in by_key["prescription"].keywords)
    assert any("invoice" in k or "bill" in k for k in by_key["billing"].keywords)
    assert "parking" in by_key["parking"].label


def test_quotes_are_members_and_distinct_and_centroids_normalized() -> None:
    texts, truth, vectors = _data()
    result = discover_clusters(texts=texts, embeddings=vectors, min_size=3)
    for cluster in result.clusters:
        assert 3 <= len(cluster.quote_indices) <= 5
        assert len(set(cluster.quote_indices)) == len(cluster.quote_indices)
        assert all(result.labels[i] == cluster.cluster_id for i in cluster.quote_indices)
        assert np.linalg.norm(cluster.centroid) == pytest.approx(1.0, abs=1e-4)


def test_large_inputs_are_sampled_then_assigned(monkeypatch: pytest.MonkeyPatch) -> None:
    import analytics.themes as themes

    monkeypatch.setattr(themes, "SAMPLE_SIZE", 12)
    texts, truth, vectors = _data()
    result = discover_clusters(texts=texts * 3, embeddings=np.vstack([vectors] * 3), min_size=3)
    labels = result.labels.reshape(3, -1)
    assert (labels[0] == labels[1]).all() and (labels[1] == labels[2]).all()
    assert len(result.clusters) >= 2


def test_too_few_texts_are_all_unassigned() -> None:
    vectors = FakeEmbedder().encode(["a b", "c d"])
    result = discover_clusters(texts=["a b", "c d"], embeddings=vectors)
    assert list(result.labels) == [-1, -1]


def test_mmr_prefers_diverse_quotes() -> None:
    vectors = np.array([[1.0, 0.0], [0.99, 0.14], [0.99, 0.14], [0.8, -0.6]], dtype=np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    chosen = mmr(vectors, np.array([1.0, 0.0], dtype=np.float32), k=2, diversity=0.7)
    assert chosen[0] == 0 and chosen[1] == 3


def test_clean_and_label_helpers() -> None:
    assert clean("agent: bonjour <NAME>\npatient: mon <PHONE> ok") == "bonjour mon ok"
    assert label_from_keywords(["renouvellement ordonnance", "pharmacie", "traitement"]) == (
        "renouvellement ordonnance · pharmacie"
    )


def test_the_themes_depend_on_the_texts_not_their_order() -> None:
    # overlapping groups are where Louvain's communities follow the order nodes come in
    rng = np.random.default_rng(3)
    centres = rng.normal(size=(12, 16))
    vectors = (centres[np.arange(300) % 12] + 0.9 * rng.normal(size=(300, 16))).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    words = [f"mot{k}" for k in range(40)]
    texts = [" ".join(rng.choice(words, 4)) + f" n{i}" for i in range(300)]

    def groups(order: np.ndarray) -> set[frozenset[str]]:
        result = discover_clusters(texts=[texts[i] for i in order], embeddings=vectors[order], min_size=3)
        by_label: dict[int, set[str]] = {}
        for position, label in enumerate(result.labels):
            by_label.setdefault(int(label), set()).add(texts[order[position]])
        quotes = {texts[order[q]] for c in result.clusters for q in c.quote_indices}
        assert quotes <= {t for label, members in by_label.items() if label >= 0 for t in members}
        return {frozenset(m) for m in by_label.values()}

    first = groups(np.arange(300))
    assert len(first) > 2
    assert groups(rng.permutation(300)) == first
    assert groups(np.arange(300)[::-1]) == first


def _requests_by_object(share: float = 0.8, noise: float = 0.05) -> tuple[list[str], list[str], np.ndarray]:
    """Two requests (a quote, a claim) each about three objects: the request carries most of the meaning."""
    rng = np.random.default_rng(0)
    axes = np.linalg.qr(rng.standard_normal((64, 64)))[0]
    texts, truth, vectors = [], [], []
    for r, request in enumerate(["quote", "claim"]):
        for o, thing in enumerate(["car", "home", "pet"]):
            for _ in range(30):
                v = np.sqrt(share) * axes[r] + np.sqrt(1 - share) * axes[2 + 3 * r + o]
                v = v + noise * rng.standard_normal(64)
                vectors.append(v / np.linalg.norm(v))
                texts.append(f"{request} for the {thing}")
                truth.append(f"{request}-{thing}")
    return texts, truth, np.array(vectors, dtype=np.float32)


def _groups(labels: np.ndarray, truth: list[str]) -> list[set[str]]:
    found: dict[int, set[str]] = {}
    for label, key in zip(labels.tolist(), truth, strict=True):
        found.setdefault(label, set()).add(key)
    return [found[k] for k in sorted(found)]


def test_standard_granularity_keeps_a_request_whatever_its_object_and_fine_splits_it() -> None:
    texts, truth, vectors = _requests_by_object()
    standard = discover_clusters(texts=texts, embeddings=vectors, min_size=5)
    assert sorted(map(sorted, _groups(standard.labels, truth))) == [
        ["claim-car", "claim-home", "claim-pet"],
        ["quote-car", "quote-home", "quote-pet"],
    ]
    fine = discover_clusters(texts=texts, embeddings=vectors, min_size=5, granularity="fine")
    groups = _groups(fine.labels, truth)
    assert len(groups) == 6 and all(len(g) == 1 for g in groups)


def test_an_unknown_granularity_is_refused() -> None:
    texts, _, vectors = _requests_by_object()
    with pytest.raises(ValueError, match="granularity 'finest'"):
        discover_clusters(texts=texts, embeddings=vectors, granularity="finest")
