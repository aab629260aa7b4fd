"""Lexical view of themes: cleaning, French/English stop words, TF-IDF features, c-TF-IDF keywords, labels.

Sentence embeddings from an English-centric model separate French texts poorly; word and character n-grams
carry the topic in any language, so theme discovery mixes both views. Placeholders left by redaction
(`<NAME>`, `<PHONE>`, ...) are removed first: they say nothing about the topic.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable, Sequence
from itertools import chain

import numpy as np
from scipy.sparse import csr_matrix, hstack
from sklearn.decomposition import TruncatedSVD
from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer
from sklearn.preprocessing import normalize

from core.text import fold

_PLACEHOLDER = re.compile(r"<[A-Z][A-Z_]{1,20}>")
_SPEAKER = re.compile(r"^(patient|agent|bot|system)\s*:\s*", re.MULTILINE)
_TOKEN = r"(?u)\b[^\W\d_][^\W\d_'’]+\b"
_WORD = re.compile(_TOKEN)

STOP_WORDS: frozenset[str] = frozenset(
    """
    a à ai aie aient aies ait alors as au aucun aucune aujourd aujourdhui auprès aussi autre autres aux
    avais avait avant avec avez aviez avoir avons ayant bah bon bonjour bonne bonsoir c ça ca car ce
    ceci cela celle celles celui cependant certain ces cet cette ceux chez ci comme comment d dans de
    déjà des deux devrait dois doit donc dont du elle elles en encore est et étaient était étant été
    être eu eux fait faire fais faut il ils j je jusqu l la là le les leur leurs lui m ma madame mais me
    même merci mes moi mon monsieur n ne ni non nos notre nous on ont ou où oui par parce pas peu peut
    peux plus pour pourquoi pourrais pourriez pouvez puis qu quand que quel quelle quelles quels qui
    quoi s sa sans se ses si sien son sont sous suis sur t ta te tes toi ton tous tout toute toutes très
    tu un une vais veux voici voilà vos votre vous vraiment y avez-vous est-ce voudrais aimerais
    souhaite souhaiterais besoin svp stp cordialement bien about above after again against all am an and
    any are as at be because been before being below between both but by can could did do does doing don
    down during each few for from further had has have having he hello her here hers herself hi him
    himself his how i if in into is it its itself just me more most my myself no nor not now of off ok
    okay on once only or other our ours ourselves out over own please same she should so some such than
    thank thanks that the their theirs them themselves then there these they this those through to too
    under until up very was we were what when where which while who whom why will with would yes you
    your yours yourself yourselves yeah hey hi um uh like want wanted need needs get got im ive id dont
    cant would could also help know let really sure thats well going go much one
    """.split()
)
"""French and English words that carry no topic (greetings, pronouns, auxiliaries, politeness)."""


FOLDED_STOP_WORDS = frozenset(fold(w) for w in STOP_WORDS)
"""The stop words, accents folded (as texts are compared)."""


def clean(text: str) -> str:
    """The text without redaction placeholders and 'speaker:' prefixes, whitespace collapsed."""
    text = _PLACEHOLDER.sub(" ", text or "")
    text = _SPEAKER.sub("", text)
    return " ".join(text.split())


def words(text: str) -> list[str]:
    """Topic words of a text (folded, no stop words, no digits, at least 3 letters)."""
    return [w for w in _WORD.findall(fold(text)) if w not in FOLDED_STOP_WORDS and len(w) > 2]


def _analyzer_words(text: str) -> list[str]:
    unigrams = words(text)
    return unigrams + [f"{a} {b}" for a, b in zip(unigrams, unigrams[1:], strict=False)]


CHUNK = 20_000
"""Distinct texts projected at a time (memory only: a row depends on its text alone)."""


class LexicalView:
    """Word (1-2 gram) + character (3-5 gram) TF-IDF reduced by truncated SVD, fitted on a sample."""

    def __init__(self, dims: int = 100, seed: int = 0) -> None:
        self.dims = dims
        self.seed = seed
        self._word: TfidfVectorizer | None = None
        self._char: TfidfVectorizer | None = None
        self._svd: TruncatedSVD | None = None

    def fit_transform(self, texts: Sequence[str]) -> np.ndarray:
        """Fit on the texts; rows are L2-normalized (zeros when a text has no usable term)."""
        min_df = 2 if len(texts) >= 20 else 1
        self._word = TfidfVectorizer(analyzer=_analyzer_words, min_df=min_df, sublinear_tf=True)
        self._char = TfidfVectorizer(
            analyzer="char_wb", ngram_range=(3, 5), min_df=min_df, sublinear_tf=True, max_features=60_000
        )
        cleaned = [fold(clean(t)) for t in texts]
        matrix = self._stack(self._fit(self._word, cleaned), self._fit(self._char, cleaned))
        k = min(self.dims, matrix.shape[1] - 1, matrix.shape[0] - 1)
        if k < 2:
            self._svd = None
            return np.zeros((len(texts), 0), dtype=np.float32)
        self._svd = TruncatedSVD(k, random_state=self.seed)
        return normalize(self._svd.fit_transform(matrix)).astype(np.float32)

    def transform(self, texts: Sequence[str]) -> np.ndarray:
        """Project new texts into the fitted space (each distinct text once: a row depends on its text)."""
        if self._svd is None or self._word is None or self._char is None:
            return np.zeros((len(texts), 0), dtype=np.float32)
        position: dict[str, int] = {}
        rows = [position.setdefault(t, len(position)) for t in texts]
        distinct = list(position)
        out = np.empty((len(distinct), self._svd.n_components), dtype=np.float32)
        for start in range(0, len(distinct), CHUNK):  # the sparse matrices of 200 000 texts would not fit
            cleaned = [fold(clean(t)) for t in distinct[start : start + CHUNK]]
            word, char = _tfidf(self._word, cleaned, _word_ids), _tfidf(self._char, cleaned, _char_ids)
            out[start : start + CHUNK] = normalize(self._svd.transform(self._stack(word, char)))
        return out if len(position) == len(texts) else out[np.asarray(rows, dtype=np.int64)]

    @staticmethod
    def _fit(vectorizer: TfidfVectorizer, texts: list[str]) -> csr_matrix:
        try:
            return vectorizer.fit_transform(texts)
        except ValueError:  # empty vocabulary (texts made only of stop words or placeholders)
            return csr_matrix((len(texts), 0))

    @staticmethod
    def _stack(word: csr_matrix, char: csr_matrix) -> csr_matrix:
        return normalize(hstack([word, char]).tocsr())


_Counter = Callable[[TfidfVectorizer, list[str]], csr_matrix]
_SPACES = re.compile(r"\s\s+")


def _tfidf(vectorizer: TfidfVectorizer, texts: list[str], counts: _Counter) -> csr_matrix:
    """`vectorizer.transform(texts)` computed from counts made by `counts` (same matrix, value for value).

    The projection of a window's ~200 000 texts spent most of its time in scikit-learn's per-n-gram Python
    loop; the counts are built here from each distinct word's n-grams, then weighted as `TfidfTransformer`
    does (sublinear tf, idf, L2 rows), in its order of operations.
    """
    if not hasattr(vectorizer, "vocabulary_"):  # the fit found no vocabulary
        return csr_matrix((len(texts), 0))
    matrix = counts(vectorizer, texts)
    if vectorizer.sublinear_tf:
        np.log(matrix.data, matrix.data)
        matrix.data += 1.0
    if vectorizer.use_idf:
        matrix.data *= vectorizer.idf_[matrix.indices]
    return normalize(matrix, norm=vectorizer.norm, copy=False) if vectorizer.norm else matrix


def _count_matrix(rows: list[list[int]], width: int) -> csr_matrix:
    """Rows of feature ids (repeats counted) as a canonical count matrix."""
    indptr = np.zeros(len(rows) + 1, dtype=np.int64)
    np.cumsum([len(row) for row in rows], out=indptr[1:])
    ids = np.fromiter(chain.from_iterable(rows), dtype=np.int64, count=int(indptr[-1]))
    matrix = csr_matrix((np.ones(len(ids)), ids, indptr), shape=(len(rows), width))
    matrix.sum_duplicates()  # repeats summed, indices sorted: scikit-learn's layout
    return matrix


def _word_ids(vectorizer: TfidfVectorizer, texts: list[str]) -> csr_matrix:
    """Counts of the word view's terms (`_analyzer_words`) in each text."""
    get = vectorizer.vocabulary_.get
    rows = [[i for i in map(get, _analyzer_words(text)) if i is not None] for text in texts]
    return _count_matrix(rows, len(vectorizer.vocabulary_))


def _char_ids(vectorizer: TfidfVectorizer, texts: list[str]) -> csr_matrix:
    """Counts of the character view's n-grams (`char_wb`: inside words, space-padded) in each text.

    A word's n-grams are looked up once per distinct word; a text's counts are its words' counts summed.
    """
    vocabulary = vectorizer.vocabulary_
    preprocess = vectorizer.build_preprocessor()
    low, high = vectorizer.ngram_range
    word_of: dict[str, int] = {}
    doc_words = [
        [word_of.setdefault(w, len(word_of)) for w in _SPACES.sub(" ", preprocess(text)).split()]
        for text in texts
    ]
    per_word = []
    for word in word_of:
        padded = f" {word} "
        size = len(padded)
        grams = []
        for n in range(low, high + 1):  # as scikit-learn's `_char_wb_ngrams`
            grams += [padded[i : i + n] for i in range(max(size - n, 0) + 1)]
            if size <= n:  # a short word is counted once
                break
        per_word.append([i for i in map(vocabulary.get, grams) if i is not None])
    matrix = (_count_matrix(doc_words, len(word_of)) @ _count_matrix(per_word, len(vocabulary))).tocsr()
    matrix.sort_indices()
    return matrix


def class_keywords(
    texts: Sequence[str], labels: np.ndarray, *, top: int = 8, max_docs: int = 400
) -> dict[int, list[tuple[str, float]]]:
    """c-TF-IDF keywords of each cluster (label >= 0): frequent in the cluster, rare elsewhere.

    Weight of term t in class c = tf(t, c) / |c| × log(1 + A / f(t)), A = average words per class.
    At most `max_docs` texts per class are read (keywords are stable long before that).
    """
    classes = sorted(int(c) for c in set(labels.tolist()) if c >= 0)
    if not classes:
        return {}
    docs = []
    for c in classes:
        members = np.flatnonzero(labels == c)[:max_docs]
        docs.append(" ".join(clean(texts[i]) for i in members))
    vectorizer = CountVectorizer(analyzer=_analyzer_words)
    try:
        counts = vectorizer.fit_transform(docs).astype(np.float64)
    except ValueError:
        return {c: [] for c in classes}
    terms = vectorizer.get_feature_names_out()
    per_class = np.asarray(counts.sum(axis=1)).ravel()
    per_class[per_class == 0] = 1
    freq = np.asarray(counts.sum(axis=0)).ravel()
    average = float(per_class.mean())
    idf = np.log1p(average / np.maximum(freq, 1))
    weights = csr_matrix(counts.multiply(1 / per_class[:, None]).multiply(idf[None, :]))
    out: dict[int, list[tuple[str, float]]] = {}
    for row, c in enumerate(classes):
        dense = weights.getrow(row).toarray().ravel()
        order = np.argsort(-dense)[: top * 3]
        picked: list[tuple[str, float]] = []
        for j in order:
            if dense[j] <= 0:
                break
            term = str(terms[j])
            if any(term in kept or kept in term for kept, _ in picked):
                continue  # "ordonnance" next to "renouvellement ordonnance" adds nothing
            picked.append((term, float(dense[j])))
            if len(picked) >= top:
                break
        out[c] = picked
    return out


def label_from_keywords(keywords: Sequence[str], *, max_words: int = 4) -> str:
    """A short readable label: the leading keywords, joined, at most `max_words` words."""
    chosen: list[str] = []
    count = 0
    for keyword in keywords:
        n = len(keyword.split())
        if count + n > max_words:
            continue
        chosen.append(keyword)
        count += n
        if count >= max_words - 1:
            break
    return " · ".join(chosen) if chosen else "divers"


def term_weights(texts: Sequence[str], *, top: int = 60) -> dict[str, float]:
    """The unigram profile of a group of texts (L2-normalized counts of its top words)."""
    counter: Counter[str] = Counter()
    for text in texts:
        counter.update(words(clean(text)))
    common = counter.most_common(top)
    norm = math.sqrt(sum(v * v for _, v in common)) or 1.0
    return {w: round(v / norm, 5) for w, v in common}
