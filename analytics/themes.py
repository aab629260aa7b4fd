"""Theme discovery: group texts by what they are about, without being told how many groups there are.

Method (pure, no store):
1. **Two views.** Each text is the concatenation of its sentence embedding (weight `EMBEDDING_WEIGHT`) and a
   lexical vector (word 1–2-gram + character 3–5-gram TF-IDF, French/English stop words and redaction
   placeholders removed, reduced by truncated SVD). Cosine in this space = 0.7 × embedding cosine + 0.3 ×
   lexical cosine. The lexical view makes French work with an English-centric model.
2. **Over-cluster.** Louvain communities of the k-nearest-neighbour similarity graph (k = `GRAPH_NEIGHBOURS`):
   no number of clusters to give, unequal sizes are natural.
3. **Merge.** Greedily merge the two clusters whose centroids are most similar while that similarity is at
   least `MERGE_SIMILARITY` (communities of one theme split by wording come back together).
4. **Noise.** Clusters smaller than `min_size` are dissolved; their members (and, for large inputs, texts
   outside the fitted sample) join the nearest centroid when their similarity is at least `JOIN_SIMILARITY`,
   else stay unassigned (label -1).
5. **Scale.** At most `SAMPLE_SIZE` texts are clustered; the rest are assigned to the centroids in chunks,
   so 100 k texts take seconds and bounded memory.
6. **Description.** c-TF-IDF keywords, a label made of them, and 3–5 quotes chosen by maximal marginal
   relevance (close to the centroid, not repeating each other).

The constants were chosen on the DSTC11 insurance intents and checked on Banking77 and the synthetic
French/English generator (`parcours eval --suite all`); they are properties of the bundled model's feature
space (cosines), not of a data set's number of themes. Known limit: on Banking77 (77 fine intents of one
domain) Louvain's communities and the 0.5 merge are too coarse, and the finer rules measured there split
DSTC11's intents (README, "Known limit - fine-grained domains", the measured frontier).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from sklearn.preprocessing import normalize

from analytics.theme_lexical import LexicalView, class_keywords, label_from_keywords

EMBEDDING_WEIGHT = 0.7
"""Share of the embedding view in the combined cosine (the rest is lexical); 0.5 and 0.85 were no better on
DSTC11, Banking77 or the generated weeks."""
GRAPH_NEIGHBOURS = 10
"""Neighbours per text in the similarity graph (checked on DSTC11 and the generated weeks)."""
RESOLUTION = 1.0
"""Louvain resolution (higher = smaller communities before merging). Checked on DSTC11 (same 30 communities at
1 to 4, ACC 0.858 at 8), Banking77 (ACC 0.340 at 1, 0.384 at 4, 0.419 at 8, with the 0.5 merge) and the
generated weeks (an earlier rule, resolution scaled with n and a silhouette merge, lost 0.07-0.16 there): kept
at 1 (README, "Known limit - fine-grained domains")."""
MERGE_SIMILARITY = 0.5
"""Two clusters whose centroids are at least this similar (combined cosine) are one theme. Checked on DSTC11
(joins the six product variants of "get a quote", centres 0.45-0.59 apart: 0.869 at 0.5, 0.65 at 0.6) and the
generated weeks; too low for Banking77, whose different intents' centres reach 0.75 (0.636 at 0.8)."""
GRANULARITIES = {"standard": (RESOLUTION, MERGE_SIMILARITY), "fine": (8.0, 0.8)}
"""Louvain resolution and merge similarity of each `PARCOURS_THEME_GRANULARITY`. Standard: a request that
differs only by the object it names is one theme (DSTC11's "get a quote" for a car, a home, a pet). Fine:
each object its own theme, as Banking77 labels "pending card payment" and "pending transfer" (resolution 8,
merge 0.8: 82 themes for its 77 intents; the same geometry in both sets, README "Known limit")."""
JOIN_SIMILARITY = 0.35
"""A text belongs to its nearest cluster when its combined cosine to the centre reaches this, or the
cluster's own outlier bound (members' median - 3 robust SDs) when that is lower (DSTC11, generated weeks)."""
SAMPLE_SIZE = 4000
"""At most this many texts are clustered; the others are assigned to the resulting centroids. A bound on time
and memory, not a quality knob: DSTC11 (913) and Banking77 (3,080) are clustered whole, the generated weeks'
windows (a week and its 4 baseline weeks, 10,000) through the sample."""
COMMON_DIRECTIONS = 1
"""At most this many principal directions shared by all texts (e.g. their language) are removed (one on the
bilingual generated weeks; none on DSTC11 or Banking77, see `DOMINANCE`)."""
DOMINANCE = 3.0
"""A principal direction is removed when its variance is at least this multiple of the next one's (set on the
bilingual generated weeks; on DSTC11 and Banking77, English only, no direction is removed)."""
MAX_COMMON_SHARE = 0.3
"""...but kept when it carries this share of the variance or more: then it is the topic structure (e.g. two
themes); set on the generated weeks, never reached on DSTC11 or Banking77."""
CHUNK = 20_000
"""Texts assigned to centres at a time (memory only)."""
OUTLIER_SDS = 3.0
"""A cluster's outlier bound is its members' median cosine to the centre minus this many robust SDs (the usual
3-sigma rule, robust form); with `JOIN_SIMILARITY` as its cap, checked on DSTC11 and the generated weeks."""
MIN_SIZE_SHARE = 0.005
"""Smallest theme, as a share of the texts (at least 3): below the smallest real intent of DSTC11 (3.1 %) and
Banking77 (1.3 %), and of the generated weeks' planted themes."""


@dataclass
class Cluster:
    """One discovered group of texts."""

    cluster_id: int
    size: int
    keywords: list[str]
    label: str
    quote_indices: list[int]
    centroid: np.ndarray
    """L2-normalized mean of the members' sentence embeddings."""


@dataclass
class ClusterResult:
    """Labels (-1 = unassigned) and a description of each cluster."""

    labels: np.ndarray
    clusters: list[Cluster] = field(default_factory=list)

    @property
    def unassigned_share(self) -> float:
        """Share of texts left without a cluster."""
        n = len(self.labels)
        return float((self.labels < 0).sum()) / n if n else 0.0


@dataclass
class Common:
    """What all texts share in embedding space (their mean and top principal directions), taken out."""

    mean: np.ndarray
    directions: np.ndarray

    @classmethod
    def fit(cls, embeddings: np.ndarray) -> Common:
        """Mean and the top `COMMON_DIRECTIONS` principal directions of the embeddings."""
        mean = embeddings.mean(axis=0)
        k = min(COMMON_DIRECTIONS, max(len(embeddings) - 2, 0))
        if k == 0:
            return cls(mean, np.zeros((0, embeddings.shape[1]), dtype=np.float32))
        _, singular, vt = np.linalg.svd(embeddings - mean, full_matrices=False)
        # A direction is "common" only when it dominates the next one (e.g. the language of a bilingual
        # set) without being most of the variance; otherwise it is a real topic axis and stays.
        variance = singular**2
        share = variance / max(float(variance.sum()), 1e-12)
        k = next(
            (i for i in range(k) if variance[i] < DOMINANCE * variance[i + 1] or share[i] > MAX_COMMON_SHARE),
            k,
        )
        return cls(mean, vt[:k].astype(np.float32))

    def remove(self, embeddings: np.ndarray) -> np.ndarray:
        """Embeddings centred with the common directions projected out."""
        centred = embeddings - self.mean
        return centred - (centred @ self.directions.T) @ self.directions


def combine(embeddings: np.ndarray, lexical: np.ndarray, *, mean: Common) -> np.ndarray:
    """The combined feature space (rows L2-normalized), common embedding directions taken out."""
    parts = [np.sqrt(EMBEDDING_WEIGHT) * normalize(mean.remove(embeddings))]
    if lexical.shape[1]:
        parts.append(np.sqrt(1 - EMBEDDING_WEIGHT) * lexical)
    return normalize(np.hstack(parts)).astype(np.float32)


def _louvain(features: np.ndarray, *, seed: int, resolution: float = RESOLUTION) -> np.ndarray:
    """Communities of the texts' neighbour graph (Louvain); above `SAMPLE_SIZE` texts, of a sample's graph.

    A larger set (a cluster of a 100 k-interaction window cut again by `theme_novelty`) is read through an
    even sample of `SAMPLE_SIZE` texts, as discovery reads its texts: the graph of 40 000 texts took minutes
    and most of 4 GiB. Each other text joins the community its `GRAPH_NEIGHBOURS` nearest sampled texts
    weigh most (the edges it would have had in the full graph).
    """
    n = len(features)
    if n <= SAMPLE_SIZE:
        return _louvain_graph(features, seed=seed, resolution=resolution)
    sample = np.sort(np.random.default_rng(seed).choice(n, SAMPLE_SIZE, replace=False))
    communities = _louvain_graph(features[sample], seed=seed, resolution=resolution)
    labels = np.empty(n, dtype=np.int64)
    labels[sample] = communities
    rest = np.setdiff1d(np.arange(n), sample)
    k = min(GRAPH_NEIGHBOURS, len(sample))
    count = int(communities.max()) + 1
    for start in range(0, len(rest), 2000):
        part = rest[start : start + 2000]
        sims = features[part] @ features[sample].T
        nearest = np.argpartition(-sims, k - 1, axis=1)[:, :k]
        weights = np.maximum(np.take_along_axis(sims, nearest, axis=1), 0.0)
        # each text's votes summed in the order np.add.at sums them (bincount adds in input order too)
        cells = np.repeat(np.arange(len(part)) * count, k) + communities[nearest].ravel()
        votes = np.bincount(cells, weights=weights.ravel().astype(np.float64), minlength=len(part) * count)
        labels[part] = np.argmax(votes.reshape(len(part), count), axis=1)
    return labels


def _louvain_graph(features: np.ndarray, *, seed: int, resolution: float) -> np.ndarray:
    import networkx as nx

    n = len(features)
    k = min(GRAPH_NEIGHBOURS, n - 1)
    graph = nx.Graph()
    graph.add_nodes_from(range(n))
    graph.add_weighted_edges_from(_neighbour_edges(features, k))
    communities = nx.community.louvain_communities(graph, weight="weight", resolution=resolution, seed=seed)
    labels = np.empty(n, dtype=np.int64)
    for c, members in enumerate(sorted(communities, key=lambda m: min(m))):
        labels[list(members)] = c
    return labels


def _neighbour_edges(features: np.ndarray, k: int) -> list[tuple[int, int, float]]:
    """Each text's k nearest neighbours as undirected edges weighted by similarity (a pair both ways: summed).

    In the order each edge is first met, so the graph (and Louvain's result) is the one edge-by-edge
    insertion gives.
    """
    n = len(features)
    pairs, weights = [], []
    for start in range(0, n, 2000):
        sims = features[start : start + 2000] @ features.T
        rows = np.arange(sims.shape[0])
        sims[rows, rows + start] = -1.0
        nearest = np.argpartition(-sims, k - 1, axis=1)[:, :k]
        weights.append(np.maximum(np.take_along_axis(sims, nearest, axis=1), 0.0).astype(np.float64).ravel())
        i = np.repeat(rows + start, k)
        j = nearest.ravel().astype(np.int64)
        pairs.append(np.minimum(i, j) * n + np.maximum(i, j))
    keys, first, which = np.unique(np.concatenate(pairs), return_index=True, return_inverse=True)
    # a pair met from both ends: its two weights summed in the order met (0 + a + b is a + b, exactly)
    summed = np.bincount(which, weights=np.concatenate(weights), minlength=len(keys))
    order = np.argsort(first, kind="stable")  # each edge where it was first met
    met = zip(keys[order].tolist(), summed[order].tolist(), strict=True)
    return [(key // n, key % n, weight) for key, weight in met]


def _centroids(features: np.ndarray, labels: np.ndarray, ids: np.ndarray) -> np.ndarray:
    return normalize(np.vstack([features[labels == i].mean(axis=0) for i in ids]))


def _merge(features: np.ndarray, labels: np.ndarray, threshold: float) -> np.ndarray:
    labels = labels.copy()
    while True:
        ids = np.unique(labels)
        if len(ids) < 2:
            return labels
        centres = _centroids(features, labels, ids)
        sims = centres @ centres.T
        np.fill_diagonal(sims, -1.0)
        i, j = np.unravel_index(int(np.argmax(sims)), sims.shape)
        if sims[i, j] < threshold:
            return labels
        labels[labels == ids[j]] = ids[i]


def mmr(vectors: np.ndarray, centre: np.ndarray, *, k: int = 5, diversity: float = 0.3) -> list[int]:
    """Maximal marginal relevance: rows close to the centre and not too close to those already chosen."""
    if len(vectors) == 0:
        return []
    relevance = vectors @ centre
    chosen = [int(np.argmax(relevance))]
    while len(chosen) < min(k, len(vectors)):
        redundancy = (vectors @ vectors[chosen].T).max(axis=1)
        score = (1 - diversity) * relevance - diversity * redundancy
        score[chosen] = -np.inf
        chosen.append(int(np.argmax(score)))
    return chosen


def discover_clusters(
    *,
    texts: list[str],
    embeddings: np.ndarray,
    min_size: int | None = None,
    seed: int = 0,
    granularity: str = "standard",
) -> ClusterResult:
    """Cluster texts into themes without a given number of themes; labels -1 are unassigned.

    `granularity` is one of `GRANULARITIES` (how finely requests about different objects are told apart).

    The result depends on the set of texts, not on their order: they are clustered sorted by text (Louvain's
    communities and the sample depend on the order nodes come in; on Banking77, three orders of the same
    texts gave ACC 0.32-0.37), so a first run, a registry run and a re-run over the same texts agree.
    """
    n = len(texts)
    embeddings = np.asarray(embeddings, dtype=np.float32)
    if embeddings.shape[0] != n:
        raise ValueError("texts and embeddings must have the same length")
    order = np.array(sorted(range(n), key=lambda i: texts[i]), dtype=np.int64)
    if granularity not in GRANULARITIES:
        raise ValueError(f"unknown theme granularity {granularity!r}: one of {', '.join(GRANULARITIES)}")
    result = _discover(
        [texts[i] for i in order], embeddings[order], min_size, seed, GRANULARITIES[granularity]
    )
    labels = np.empty(n, dtype=np.int64)
    labels[order] = result.labels
    for cluster in result.clusters:
        cluster.quote_indices = [int(order[q]) for q in cluster.quote_indices]
    return ClusterResult(labels=labels, clusters=result.clusters)


def _discover(
    texts: list[str],
    embeddings: np.ndarray,
    min_size: int | None,
    seed: int,
    granularity: tuple[float, float],
) -> ClusterResult:
    n = len(texts)
    min_size = max(3, round(MIN_SIZE_SHARE * n)) if min_size is None else max(1, min_size)
    if n < max(2 * min_size, 3):
        return ClusterResult(labels=np.full(n, -1, dtype=np.int64))
    rng = np.random.default_rng(seed)
    sample = np.sort(rng.choice(n, SAMPLE_SIZE, replace=False)) if n > SAMPLE_SIZE else np.arange(n)
    view = LexicalView(seed=seed)
    mean = Common.fit(embeddings[sample])
    sample_features = combine(embeddings[sample], view.fit_transform([texts[i] for i in sample]), mean=mean)
    resolution, merge = granularity
    sample_labels = _merge(
        sample_features, _louvain(sample_features, seed=seed, resolution=resolution), merge
    )
    ids, counts = np.unique(sample_labels, return_counts=True)
    keep = ids[counts >= max(min_size * len(sample) / n, 2)]
    if len(keep) == 0:
        return ClusterResult(labels=np.full(n, -1, dtype=np.int64))
    centres = _centroids(sample_features, sample_labels, keep)
    labels = np.full(n, -1, dtype=np.int64)
    kept = np.isin(sample_labels, keep)
    labels[sample[kept]] = np.searchsorted(keep, sample_labels[kept])  # numbered 0, 1, ... in their order
    # A text the graph attached to a community but far from its centre is noise: it gets a second chance
    # below, like the texts outside the sample.
    own = np.einsum("ij,ij->i", sample_features, centres[np.maximum(labels[sample], 0)])
    floors = _join_floors(own, labels[sample], len(keep))
    labels[sample[own < floors[np.maximum(labels[sample], 0)]]] = -1
    todo = np.flatnonzero(labels < 0)
    # every text projected once (assignment and description read the same rows)
    lexical = view.transform(texts)
    for start in range(0, len(todo), CHUNK):
        part = todo[start : start + CHUNK]
        sims = combine(embeddings[part], lexical[part], mean=mean) @ centres.T
        best = sims.argmax(axis=1)
        labels[part] = np.where(sims.max(axis=1) >= floors[best], best, -1)
    labels = _drop_small(labels, min_size)
    return ClusterResult(labels=labels, clusters=_describe(texts, embeddings, labels, lexical, mean))


def _join_floors(own: np.ndarray, labels: np.ndarray, k: int) -> np.ndarray:
    """Per cluster, the similarity under which a text is an outlier (median - 3 robust SDs, capped).

    Never above JOIN_SIMILARITY, so loose clusters of long, chatty texts keep their members.
    """
    floors = np.full(k, JOIN_SIMILARITY, dtype=np.float32)
    for c in range(k):
        values = own[labels == c]
        if len(values) >= 3:
            median = float(np.median(values))
            spread = 1.4826 * float(np.median(np.abs(values - median)))
            floors[c] = min(JOIN_SIMILARITY, median - OUTLIER_SDS * spread)
    return floors


def _drop_small(labels: np.ndarray, min_size: int) -> np.ndarray:
    ids, counts = np.unique(labels[labels >= 0], return_counts=True)
    kept = ids[counts >= min_size]  # renumbered 0, 1, ... in their order
    return np.where(np.isin(labels, kept), np.searchsorted(kept, labels), -1)


def _describe(
    texts: Sequence[str], embeddings: np.ndarray, labels: np.ndarray, lexical: np.ndarray, mean: Common
) -> list[Cluster]:
    keywords = class_keywords(texts, labels)
    clusters = []
    rng = np.random.default_rng(0)
    for c in sorted(keywords):
        members = np.flatnonzero(labels == c)
        centroid = normalize(embeddings[members].mean(axis=0, keepdims=True))[0]
        pool = members if len(members) <= 500 else np.sort(rng.choice(members, 500, replace=False))
        pool = np.array([i for i in pool if texts[int(i)].strip()], dtype=np.int64)
        features = combine(embeddings[pool], lexical[pool], mean=mean)
        centre = normalize(features.mean(axis=0, keepdims=True))[0]
        quotes = [int(pool[i]) for i in mmr(features, centre, k=5)]
        words = [w for w, _ in keywords[c]]
        clusters.append(
            Cluster(
                cluster_id=c,
                size=len(members),
                keywords=words,
                label=label_from_keywords(words),
                quote_indices=quotes,
                centroid=centroid.astype(np.float32),
            )
        )
    return clusters
