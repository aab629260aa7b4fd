"""The vector index: redacted turns, chunked by speaker, embedded and stored in Chroma (derived from SQL).

One Chroma collection per embedding model and tenant (cosine space): a query can only ever reach its
tenant's vectors, and needs no tenant filter. Search (`store.retrieval`) asks Chroma for an over-fetched list
of nearest chunk ids and distances only, and filters them in SQL; `query` hands conditions to Chroma itself.
Chunk ids are "{tenant}:{ext_id}:{chunk}"; metadata: tenant, interaction_id, pk, channel, queue,
date (YYYYMMDD int), language, speaker, csat (-1 if none), abandoned, seq_start, seq_end.
Embeddings are always computed here, never by Chroma.
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any
from urllib.parse import urlparse

import chromadb
import numpy as np
from chromadb.config import Settings as ChromaSettings
from sqlalchemy import select, text, update

from core.settings import Settings, get_settings
from store.db import Store
from store.embedder import Embedder, embed_with_cache
from store.lexical import ensure_lexical
from store.schema import InteractionRow, TurnRow

log = logging.getLogger(__name__)

MAX_CHUNK_CHARS = 1000
"""Turns longer than this are split (at sentence ends); shorter consecutive turns of a speaker merge."""
_SQL_CHUNK = 900
_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+")


@dataclass(frozen=True)
class Chunk:
    """A passage of one speaker: one turn, several consecutive turns, or a piece of a long turn."""

    number: int
    speaker: str
    text: str
    seq_start: int
    seq_end: int


@dataclass(frozen=True)
class DenseHit:
    """A chunk close to the query vector."""

    pk: int
    chunk_id: str
    speaker: str
    seq_start: int
    seq_end: int
    similarity: float
    metadata: dict[str, Any]


def _split_long(text_value: str, max_chars: int) -> list[str]:
    pieces: list[str] = []
    current = ""
    for sentence in _SENTENCE_END.split(text_value):
        while len(sentence) > max_chars:  # one endless sentence: cut at a space
            cut = sentence.rfind(" ", 0, max_chars)
            cut = cut if cut > max_chars // 2 else max_chars
            head, sentence = sentence[:cut].strip(), sentence[cut:].strip()
            if current:
                pieces.append(current)
                current = ""
            pieces.append(head)
        if current and len(current) + 1 + len(sentence) > max_chars:
            pieces.append(current)
            current = sentence
        else:
            current = f"{current} {sentence}".strip()
    if current:
        pieces.append(current)
    return pieces


def chunk_turns(turns: Iterable[tuple[int, str, str]], *, max_chars: int = MAX_CHUNK_CHARS) -> list[Chunk]:
    """Chunks of (seq, speaker, text) turns: same-speaker runs merged up to max_chars, long turns split."""
    raw: list[tuple[str, str, int, int]] = []
    for seq, speaker, body in turns:
        body = body.strip()
        if not body:
            continue
        if len(body) > max_chars:
            raw.extend((speaker, piece, seq, seq) for piece in _split_long(body, max_chars))
            continue
        if raw and raw[-1][0] == speaker and len(raw[-1][1]) + 1 + len(body) <= max_chars:
            last = raw[-1]
            raw[-1] = (speaker, f"{last[1]}\n{body}", last[2], seq)
        else:
            raw.append((speaker, body, seq, seq))
    return [Chunk(n, sp, body, start, end) for n, (sp, body, start, end) in enumerate(raw)]


def date_key(value: date) -> int:
    """A date as the int YYYYMMDD used by Chroma range filters."""
    return value.year * 10000 + value.month * 100 + value.day


def _slug(value: str, size: int) -> str:
    return re.sub(r"[^a-z0-9]+", "-", value.lower()).strip("-")[:size] or "x"


def _short_hash(value: str) -> str:
    return hashlib.sha1(value.encode()).hexdigest()[:8]


def collection_prefix(model_name: str) -> str:
    """The start of the names of an embedding model's collections: readable slug + short hash of the name."""
    return f"parcours_{_slug(model_name.rsplit('/', 1)[-1], 32)}_{_short_hash(model_name)}"


def collection_name(model_name: str, tenant: str) -> str:
    """The Chroma collection of one tenant's vectors for one embedding model."""
    return f"{collection_prefix(model_name)}_{_slug(tenant, 24)}_{_short_hash(tenant)}"


def make_client(settings: Settings) -> Any:
    """A Chroma client: HttpClient when PARCOURS_CHROMA_URL is set, else embedded under PARCOURS_HOME."""
    chroma_settings = ChromaSettings(anonymized_telemetry=False)
    if settings.chroma_url:
        url = urlparse(
            settings.chroma_url if "://" in settings.chroma_url else f"http://{settings.chroma_url}"
        )
        ssl = url.scheme == "https"
        return chromadb.HttpClient(
            host=url.hostname or "localhost",
            port=url.port or (443 if ssl else 8000),
            ssl=ssl,
            settings=chroma_settings,
        )
    return chromadb.PersistentClient(path=str(settings.chroma_path), settings=chroma_settings)


HNSW_EF_SEARCH = 1000
"""How many candidates Chroma's HNSW graph keeps while searching (its default is 100).

Measured on the bench corpus at 1 M chunks (800 000 in the tenant, many near-duplicate turns), against an
exact numpy search for 12 queries: the 300 nearest neighbours had a recall of 0.83 with 100 (one query found
none of its true neighbours: the search stayed in a cluster of near-copies of another turn), 0.86 with 400
and 0.98 with 1 000 (lowest 0.93), and the median time of a query did not grow (7 ms).
"""


def _search_breadth(collection: Any) -> None:
    """Give a collection made before HNSW_EF_SEARCH (or by another version) that search breadth."""
    try:
        hnsw = (getattr(collection, "configuration_json", None) or {}).get("hnsw") or {}
        if hnsw.get("ef_search") is not None and int(hnsw["ef_search"]) < HNSW_EF_SEARCH:
            collection.modify(configuration={"hnsw": {"ef_search": HNSW_EF_SEARCH}})
    except Exception as exc:  # a server that does not allow it: searches keep the collection's own
        log.warning("could not widen the HNSW search of %s: %s", getattr(collection, "name", "?"), exc)


def _batches(items: Sequence[Any], size: int) -> Iterable[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


class VectorIndex:
    """Chunks of redacted transcripts in Chroma, kept in step with the SQL store."""

    def __init__(self, client: Any, embedder: Embedder) -> None:
        self.client = client
        self.embedder = embedder
        self.prefix = collection_prefix(embedder.name)
        self._handles: dict[str, Any] = {}  # tenant -> collection, for searches (see `_reading`)
        try:
            self.max_batch = int(client.get_max_batch_size())
        except Exception:  # older servers do not say
            self.max_batch = 5000

    @classmethod
    def from_settings(cls, settings: Settings | None = None, embedder: Embedder | None = None) -> VectorIndex:
        """The index the settings point to, with the given (or configured) embedder."""
        settings = settings or get_settings()
        if embedder is None:
            from store.embedder import get_embedder

            embedder = get_embedder(settings)
        return cls(make_client(settings), embedder)

    def collection(self, tenant: str, *, create: bool = True) -> Any:
        """The tenant's collection for this embedder's model (None if absent and not created).

        Not cached: another process (`parcours reindex`) may drop and recreate it at any time.
        """
        name = collection_name(self.embedder.name, tenant)
        if create:
            return self.client.get_or_create_collection(
                name,
                embedding_function=None,
                configuration={"hnsw": {"space": "cosine", "ef_search": HNSW_EF_SEARCH}},
                metadata={"model": self.embedder.name[:200], "dim": self.embedder.dim, "tenant": tenant},
            )
        try:
            return self.client.get_collection(name, embedding_function=None)
        except Exception:  # no vectors for this tenant yet
            return None

    def tenants(self) -> list[str]:
        """Tenants that have a collection for this model."""
        out = []
        for item in self.client.list_collections():
            meta = item.metadata or {}
            if item.name.startswith(self.prefix + "_") and meta.get("model") == self.embedder.name[:200]:
                out.append(str(meta.get("tenant")))
        return sorted(out)

    def count(self, tenant: str | None = None) -> int:
        """Chunks in the index (one tenant, or all)."""
        total = 0
        for name in [tenant] if tenant is not None else self.tenants():
            collection = self.collection(name, create=False)
            total += int(collection.count()) if collection is not None else 0
        return total

    def drop(self, tenant: str) -> None:
        """Delete a tenant's collection (its vectors only; SQL is untouched)."""
        self._handles.pop(tenant, None)
        try:
            self.client.delete_collection(collection_name(self.embedder.name, tenant))
        except Exception:  # nothing to drop
            pass

    def index_pks(self, store: Store, pks: Sequence[int], *, fresh: bool = False) -> None:
        """Embed and upsert the chunks of these interactions, drop their stale chunks, mark them indexed.

        `fresh` says their collections were just emptied, so there is no stale chunk to look for.
        """
        ensure_lexical(store)
        for part in _batches(sorted(set(pks)), _SQL_CHUNK):
            self._index_part(store, list(part), fresh=fresh)

    def _index_part(self, store: Store, pks: list[int], *, fresh: bool) -> None:
        with store.session() as session:
            rows = session.execute(select(InteractionRow).where(InteractionRow.pk.in_(pks))).scalars().all()
            turns = session.execute(
                select(TurnRow.interaction_pk, TurnRow.seq, TurnRow.speaker, TurnRow.text)
                .where(TurnRow.interaction_pk.in_(pks))
                .order_by(TurnRow.interaction_pk, TurnRow.seq)
            ).all()
        by_pk: dict[int, list[tuple[int, str, str]]] = {}
        for pk, seq, speaker, body in turns:
            by_pk.setdefault(pk, []).append((seq, speaker, body))
        by_tenant: dict[str, tuple[list[str], list[str], list[dict[str, Any]], list[int]]] = {}
        for row in rows:
            ids, texts, metas, stale = by_tenant.setdefault(row.tenant, ([], [], [], []))
            if not fresh and (row.indexed_hash is not None or row.updated_at != row.created_at):
                stale.append(row.pk)  # indexed before: it may have chunks that no longer exist
            base = {
                "tenant": row.tenant,
                "interaction_id": row.ext_id,
                "pk": row.pk,
                "channel": row.channel,
                "queue": row.queue or "",
                "date": date_key(row.local_date),
                "language": row.language or "",
                "csat": row.csat if row.csat is not None else -1,
                "abandoned": bool(row.abandoned),
            }
            for chunk in chunk_turns(by_pk.get(row.pk, [])):
                ids.append(f"{row.tenant}:{row.ext_id}:{chunk.number}")
                texts.append(chunk.text)
                metas.append(
                    {**base, "speaker": chunk.speaker, "seq_start": chunk.seq_start, "seq_end": chunk.seq_end}
                )
        all_texts = [t for _, texts, _, _ in by_tenant.values() for t in texts]
        vectors = embed_with_cache(store=store, embedder=self.embedder, texts=all_texts)
        offset = 0
        for tenant, (ids, _, metas, maybe_stale) in by_tenant.items():
            collection = self.collection(tenant)
            if maybe_stale:
                existing = collection.get(where={"pk": {"$in": maybe_stale}}, include=[])["ids"]
                for part in _batches(sorted(set(existing) - set(ids)), self.max_batch):
                    collection.delete(ids=list(part))
            for start in range(0, len(ids), self.max_batch):
                end = min(start + self.max_batch, len(ids))
                collection.upsert(
                    ids=ids[start:end],
                    embeddings=vectors[offset + start : offset + end],
                    metadatas=metas[start:end],
                )
            offset += len(ids)
        with store.engine.begin() as conn:
            conn.execute(
                text("UPDATE interactions SET indexed_hash = :h WHERE pk = :pk AND content_hash = :h"),
                [{"pk": r.pk, "h": r.content_hash} for r in rows],
            )

    def reindex(
        self, *, store: Store, tenant: str | None = None, progress: Callable[[int, int], None] | None = None
    ) -> int:
        """Rebuild the index from SQL (one tenant or all); returns the number of interactions indexed."""
        for name in self.tenants() if tenant is None else [tenant]:
            self.drop(name)
        stmt = update(InteractionRow).values(indexed_hash=None)
        query = select(InteractionRow.pk).order_by(InteractionRow.pk)
        if tenant is not None:
            stmt = stmt.where(InteractionRow.tenant == tenant)
            query = query.where(InteractionRow.tenant == tenant)
        with store.session() as session:
            session.execute(stmt)
            pks = list(session.execute(query).scalars())
        done = 0
        for part in _batches(pks, 512):
            self.index_pks(store, part, fresh=True)
            done += len(part)
            if progress:
                progress(done, len(pks))
        return done

    def indexed_pks(self, tenant: str) -> set[int]:
        """The interaction pks of a tenant that have chunks in the index."""
        collection = self.collection(tenant, create=False)
        found: set[int] = set()
        offset, page = 0, 10_000
        while collection is not None:
            metas = collection.get(include=["metadatas"], limit=page, offset=offset)["metadatas"] or []
            found.update(int(m["pk"]) for m in metas if m and "pk" in m)
            if len(metas) < page:
                break
            offset += page
        return found

    def check(self, *, store: Store, fix: bool = False, tenant: str | None = None) -> dict[str, Any]:
        """Report interactions with stale or missing vectors, and chunks of deleted ones; fix on demand."""
        query = select(
            InteractionRow.pk,
            InteractionRow.tenant,
            InteractionRow.ext_id,
            InteractionRow.content_hash,
            InteractionRow.indexed_hash,
            InteractionRow.full_text != "",
        )
        if tenant is not None:
            query = query.where(InteractionRow.tenant == tenant)
        with store.session() as session:
            rows = session.execute(query).all()
        names = {r[1] for r in rows} | (set(self.tenants()) if tenant is None else {tenant})
        in_index = {name: self.indexed_pks(name) for name in names}
        sql_pks: dict[str, set[int]] = {name: set() for name in names}
        for r in rows:
            sql_pks[r[1]].add(r[0])
        stale = [r for r in rows if r[4] != r[3]]
        missing = [r for r in rows if r[4] == r[3] and r[5] and r[0] not in in_index[r[1]]]
        orphans = {name: sorted(in_index[name] - sql_pks[name]) for name in names}
        n_orphans = sum(len(v) for v in orphans.values())
        report: dict[str, Any] = {
            "interactions": len(rows),
            "chunks": sum(self.count(name) for name in names),
            "stale": len(stale),
            "missing": len(missing),
            "orphans": n_orphans,
            "examples": [r[2] for r in [*stale, *missing][:10]],
            "ok": not (stale or missing or n_orphans),
            "fixed": 0,
        }
        if fix and not report["ok"]:
            for name, pks in orphans.items():
                collection = self.collection(name, create=False)
                for part in _batches(pks, _SQL_CHUNK):
                    collection.delete(where={"pk": {"$in": list(part)}})
            todo = [r[0] for r in [*stale, *missing]]
            self.index_pks(store, todo)
            report["fixed"] = len(todo) + n_orphans
        return report

    def patient_vectors(self, *, store: Store, tenant: str, pks: Sequence[int]) -> dict[int, np.ndarray]:
        """One vector per interaction for its patient side (from the cache, else embedded now).

        Interactions of another tenant, or without any patient text, are left out.
        """
        found: list[tuple[int, str]] = []
        with store.session() as session:
            for part in _batches(sorted(set(pks)), _SQL_CHUNK):
                found.extend(
                    session.execute(
                        select(InteractionRow.pk, InteractionRow.patient_text).where(
                            InteractionRow.tenant == tenant, InteractionRow.pk.in_(list(part))
                        )
                    ).tuples()
                )
        found = [(pk, body) for pk, body in found if body and body.strip()]
        vectors = embed_with_cache(store=store, embedder=self.embedder, texts=[body for _, body in found])
        return {pk: vectors[i] for i, (pk, _) in enumerate(found)}

    def _nearest(
        self, collection: Any, embedding: np.ndarray, n: int, where: dict[str, Any] | None, include: list[str]
    ) -> list[tuple[str, dict[str, Any] | None, float]]:
        result = collection.query(
            query_embeddings=np.asarray(embedding, dtype=np.float32).reshape(1, -1),
            n_results=n,
            where=where,
            include=include,
        )
        ids = result["ids"][0]
        metas = (result.get("metadatas") or [[None] * len(ids)])[0]
        dists = (result["distances"] or [[]])[0]
        return list(zip(ids, metas, dists, strict=True))

    def _reading(self, tenant: str, read: Callable[[Any], Any], empty: Any) -> Any:
        """`read(collection)` on the tenant's collection (`empty` if it has none).

        The collection handle is kept between searches (looking it up costs a few milliseconds); if another
        process (`parcours reindex`) dropped or recreated it since, the read fails and is made once more with
        a fresh handle.
        """
        cached = self._handles.get(tenant)
        if cached is not None:
            try:
                return read(cached)
            except Exception:  # dropped or recreated elsewhere: look it up again
                self._handles.pop(tenant, None)
        collection = self.collection(tenant, create=False)
        if collection is None:
            return empty
        _search_breadth(collection)
        self._handles[tenant] = collection
        return read(collection)

    def nearest(
        self, *, tenant: str, embedding: np.ndarray, n: int, metadata: bool = False
    ) -> list[tuple[str, dict[str, Any] | None, float]]:
        """(chunk id, metadata or None, cosine distance) of the tenant's n chunks closest to the vector.

        Without metadata by default: at 100 k chunks Chroma answers 300 neighbours in 24 ms with their
        distances and in 142 ms with their metadata too (median, `python -m evals.bench search --quick`
        machine), so search reads the interaction from the chunk id and the rest from SQL.
        """
        include = ["metadatas", "distances"] if metadata else ["distances"]
        found: list[tuple[str, dict[str, Any] | None, float]] = self._reading(
            tenant, lambda c: self._nearest(c, embedding, n, None, include), []
        )
        return found

    def chunk_metadata(self, tenant: str, ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        """The metadata of these chunks of the tenant, by chunk id (absent ids are left out)."""
        if not ids:
            return {}
        found = self._reading(tenant, lambda c: c.get(ids=list(ids), include=["metadatas"]), None)
        if found is None:
            return {}
        return {i: dict(m) for i, m in zip(found["ids"], found["metadatas"] or [], strict=True) if m}

    def query(
        self, *, tenant: str, embedding: np.ndarray, n: int = 40, where: Sequence[dict[str, Any]] = ()
    ) -> list[DenseHit]:
        """The n chunks of the tenant closest to the vector; `where` lists Chroma conditions, all required.

        Chroma applies the conditions itself (exact, but slow on large collections: it scans the matching
        records first); search uses `nearest` and SQL instead.
        """
        collection = self.collection(tenant, create=False)
        if collection is None:
            return []
        conditions = [c for c in where if "tenant" not in c]
        chroma_where = (
            None if not conditions else conditions[0] if len(conditions) == 1 else {"$and": conditions}
        )
        found = self._nearest(collection, embedding, n, chroma_where, ["metadatas", "distances"])
        return [
            hit for chunk_id, meta, distance in found if (hit := dense_hit(tenant, chunk_id, meta, distance))
        ]


def dense_hit(tenant: str, chunk_id: str, meta: dict[str, Any] | None, distance: float) -> DenseHit | None:
    """A chunk found by Chroma as a hit (None if its metadata is not the tenant's: never another's text)."""
    if not meta or meta.get("tenant") != tenant:
        return None
    return DenseHit(
        pk=int(meta["pk"]),
        chunk_id=chunk_id,
        speaker=str(meta.get("speaker", "")),
        seq_start=int(meta.get("seq_start", 0)),
        seq_end=int(meta.get("seq_end", 0)),
        similarity=1.0 - float(distance),
        metadata=dict(meta),
    )


def split_chunk_id(tenant: str, chunk_id: str) -> tuple[str, int] | None:
    """(interaction ext_id, chunk number) of a chunk id "{tenant}:{ext_id}:{n}" (None if not the tenant's)."""
    head, _, number = chunk_id.rpartition(":")
    if not head.startswith(tenant + ":") or not number.isdigit():
        return None
    return head[len(tenant) + 1 :], int(number)
