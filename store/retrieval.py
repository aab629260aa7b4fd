"""Hybrid transcript search: dense (Chroma) and lexical (FTS) rankings fused by reciprocal rank.

The lexical side makes French (or any) words match even when the embedding model is English-centric;
both sides are always restricted to one tenant.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import select

from store.db import Store
from store.lexical import SqlFilter, lexical_search, statement_with, where_sql
from store.schema import InteractionRow, TurnRow
from store.vector_index import DenseHit, VectorIndex, date_key, dense_hit, split_chunk_id

RRF_K = 60
"""The constant of reciprocal-rank fusion: score = sum over rankings of 1 / (RRF_K + rank)."""

FILTER_FIELDS: dict[str, tuple[type, str]] = {
    "channel": (str, "channel"),
    "queue": (str, "queue"),
    "language": (str, "language"),
    "speaker": (str, "speaker"),
    "csat": (int, "csat"),
    "abandoned": (bool, "abandoned"),
    "interaction_id": (str, "ext_id"),
    "pk": (int, "pk"),
    "date": (date, "local_date"),
}
"""Filterable metadata: name → (type, column of `interactions`; `speaker` is the turn's)."""

_FILTER_COLUMNS = ", ".join(
    sorted({"pk", "ext_id"} | {c for n, (_, c) in FILTER_FIELDS.items() if n != "speaker"})
)
"""The columns of `interactions` the dense side's SQL filter reads."""

_MISSING: dict[str, Any] = {"csat": -1, "queue": "", "language": ""}
"""How the index stores an absent value of these fields."""

_OPS = {"$eq", "$ne", "$gt", "$gte", "$lt", "$lte", "$in", "$nin"}

OVERFETCH = 300
"""Nearest chunks asked of Chroma without filters; the filters are then applied in SQL.

Chroma's own metadata filters scan the matching records before the vector search: at 100 k chunks a queue
filter took 645 ms and a queue + period filter 3.6 s a query (median), against 24 ms for 300 unfiltered
neighbours (`python -m evals.bench search --quick` corpus, 2 loaded cores). So Chroma filters only when a
selective filter leaves too few of the over-fetched neighbours, even after one wider over-fetch (at most
MAX_OVERFETCH) sized from the share that passed (the answer is then still exact).
"""
MAX_OVERFETCH = 3000


@dataclass(frozen=True)
class SearchHit:
    """One interaction matching the query, with its best passage."""

    interaction_id: str
    quote: str
    score: float
    speaker: str
    metadata: dict[str, Any] = field(default_factory=dict)
    pk: int = 0
    similarity: float | None = None
    matched: str = "dense"
    """Which rankings found it: dense, lexical or both."""


def _coerce(name: str, value: Any) -> Any:
    kind = FILTER_FIELDS[name][0]
    if isinstance(value, list | tuple | set):
        return [_coerce(name, v) for v in value]
    if kind is bool:
        if isinstance(value, str):
            if value.lower() not in {"true", "false", "1", "0", "yes", "no"}:
                raise ValueError(f"{name} must be true or false, not {value!r}")
            return value.lower() in {"true", "1", "yes"}
        return bool(value)
    if kind is int:
        return int(value)
    if kind is date:
        if isinstance(value, date):
            return value
        if isinstance(value, int) or (isinstance(value, str) and value.isdigit()):
            digits = int(value)
            return date(digits // 10000, digits // 100 % 100, digits % 100)
        return date.fromisoformat(str(value))
    return str(value)


def parse_where(where: dict[str, Any] | None) -> list[tuple[str, str, Any]]:
    """Conditions (field, op, value) from `{field: value | [values] | {"$op": value}}`."""
    out: list[tuple[str, str, Any]] = []
    for name, condition in (where or {}).items():
        if name == "tenant":
            raise ValueError("the tenant is not a filter: it is fixed by the caller")
        if name not in FILTER_FIELDS:
            raise ValueError(f"unknown filter {name!r}; use one of {', '.join(FILTER_FIELDS)}")
        if isinstance(condition, dict):
            for op, value in condition.items():
                if op not in _OPS:
                    raise ValueError(f"unknown operator {op!r} for {name}")
                out.append((name, op, _coerce(name, value)))
        elif isinstance(condition, list | tuple | set):
            out.append((name, "$in", _coerce(name, list(condition))))
        else:
            out.append((name, "$eq", _coerce(name, condition)))
    return out


def _chroma_value(name: str, value: Any) -> Any:
    if isinstance(value, list):
        return [_chroma_value(name, v) for v in value]
    return date_key(value) if FILTER_FIELDS[name][0] is date else value


def chroma_conditions(conditions: list[tuple[str, str, Any]]) -> list[dict[str, Any]]:
    """The conditions as Chroma `where` clauses, all required (for `VectorIndex.query`)."""
    chroma = [{name: {op: _chroma_value(name, value)}} for name, op, value in conditions]
    # Chroma stores "no value" as a sentinel; SQL semantics (NULL matches no condition) are kept.
    return chroma + [
        {name: {"$ne": _MISSING[name]}} for name in {c[0] for c in conditions} if name in _MISSING
    ]


def _seqs(meta: dict[str, Any]) -> tuple[int, int]:
    return int(meta.get("seq_start", 0)), int(meta.get("seq_end", 0))


_SPEAKER_TESTS = {
    "$eq": lambda a, b: a == b,
    "$ne": lambda a, b: a != b,
    "$in": lambda a, b: a in b,
    "$nin": lambda a, b: a not in b,
    "$gt": lambda a, b: a > b,
    "$gte": lambda a, b: a >= b,
    "$lt": lambda a, b: a < b,
    "$lte": lambda a, b: a <= b,
}


def dense_ranking(
    store: Store,
    index: VectorIndex,
    tenant: str,
    vector: Any,
    conditions: list[tuple[str, str, Any]],
    depth: int,
) -> list[DenseHit]:
    """The dense ranking: the nearest chunks whose interaction (and speaker) pass the conditions.

    Chroma returns OVERFETCH neighbours (ids and distances); one SQL query, with the lexical side's
    conditions, maps them to the tenant's interactions that pass. A speaker condition (a chunk's, not an
    interaction's) is checked on the chunks' metadata, read only then. Hits without metadata carry no
    speaker nor turns yet: the caller reads them for the passages it quotes.
    """
    speaker = [(op, value) for name, op, value in conditions if name == "speaker"]
    needed = min(depth, max(10, depth // 4))
    n = max(OVERFETCH, depth) if conditions else depth
    while True:
        wide = index.nearest(tenant=tenant, embedding=vector, n=n, metadata=bool(speaker))
        ext_ids = {chunk_id: p[0] for chunk_id, _, _ in wide if (p := split_chunk_id(tenant, chunk_id))}
        passing = _interactions_passing(store, tenant, sorted(set(ext_ids.values())), conditions)
        hits = []
        for chunk_id, meta, distance in wide:
            pk = passing.get(ext_ids.get(chunk_id, ""))
            said = str((meta or {}).get("speaker", ""))
            if pk is None or not all(_SPEAKER_TESTS[op](said, value) for op, value in speaker):
                continue
            hit = dense_hit(tenant, chunk_id, meta, distance) if meta else None
            hits.append(hit or DenseHit(pk, chunk_id, "", 0, 0, 1.0 - float(distance), {}))
        if not conditions or len(hits) >= needed or len(wide) < n:
            return hits[:depth]
        if n >= MAX_OVERFETCH:
            break
        # The share that passed sizes one wider over-fetch (a queue and one week: about 1/64 of the chunks).
        n = min(MAX_OVERFETCH, max(2 * n, 2 * n * needed // max(len(hits), 1)))
    # Still too few: Chroma applies the filter itself (slow on large collections, but complete).
    return index.query(tenant=tenant, embedding=vector, n=depth, where=chroma_conditions(conditions))


def _interactions_passing(
    store: Store, tenant: str, ext_ids: list[str], conditions: list[tuple[str, str, Any]]
) -> dict[str, int]:
    """ext_id → pk of the tenant's interactions among `ext_ids` that pass the interaction conditions."""
    if not ext_ids:
        return {}
    filters = [SqlFilter(FILTER_FIELDS[n][1], op, v) for n, op, v in conditions if n != "speaker"]
    extra, params = where_sql(filters, "NULL", store.dialect)
    # The neighbours' interactions are read by their unique key first, then filtered: left to itself, a
    # planner with statistics prefers the (tenant, queue, date) index for a queue and a period, and scans
    # every contact of that queue and period (122 ms against 2 ms at 1 M chunks on SQLite).
    # On PostgreSQL the ids go as one array, so the statement's text does not change with their number and
    # the driver prepares it once (planning took about 6 ms a search).
    ids = "= ANY(:ext_ids)" if store.dialect == "postgresql" else "IN :ext_ids"
    sql = (
        f"WITH i AS MATERIALIZED (SELECT {_FILTER_COLUMNS} FROM interactions "
        f"WHERE tenant = :tenant AND ext_id {ids}) SELECT i.ext_id, i.pk FROM i WHERE 1 = 1{extra}"
    )
    statement = statement_with(
        sql, params if store.dialect == "postgresql" else {**params, "ext_ids": ext_ids}
    )
    with store.engine.connect() as conn:
        values = {"tenant": tenant, "ext_ids": ext_ids, **params}
        return {str(ext_id): int(pk) for ext_id, pk in conn.execute(statement, values)}


_executor: ThreadPoolExecutor | None = None
_executor_lock = threading.Lock()


def _pool() -> ThreadPoolExecutor:
    """The threads running searches' full-text side (created at first use, shared by the process)."""
    global _executor
    with _executor_lock:
        if _executor is None:
            _executor = ThreadPoolExecutor(max_workers=8, thread_name_prefix="parcours-lexical")
        return _executor


def search_transcripts(
    *,
    store: Store,
    index: VectorIndex | None,
    tenant: str,
    query: str,
    k: int = 10,
    where: dict[str, Any] | None = None,
    start: date | None = None,
    end: date | None = None,
) -> list[SearchHit]:
    """The k interactions of the tenant that best match the query (one hit each, best passage quoted)."""
    conditions = parse_where(where)
    if start is not None:
        conditions.append(("date", "$gte", start))
    if end is not None:
        conditions.append(("date", "$lte", end))
    depth = max(4 * k, 40)
    sql_filters = [SqlFilter(FILTER_FIELDS[name][1], op, value) for name, op, value in conditions]
    dense: list[DenseHit] = []
    if index is not None and query.strip():
        # The two rankings are independent: the full-text query runs in the database while this thread
        # embeds the query and asks Chroma (both release the GIL), so a search costs the slower of the two.
        words = _pool().submit(
            lexical_search, store=store, tenant=tenant, query=query, limit=depth, filters=sql_filters
        )
        try:
            vector = index.embedder.encode([query])[0]
            dense = dense_ranking(store, index, tenant, vector, conditions, depth)
        finally:
            lexical = words.result()
    else:
        lexical = lexical_search(store=store, tenant=tenant, query=query, limit=depth, filters=sql_filters)

    scores: dict[int, float] = {}
    best: dict[int, tuple[int, str, str, int, int]] = {}  # pk -> (rank, source, speaker, seq_start, seq_end)
    chunk_of: dict[int, str] = {}  # pk -> its best dense chunk, whose metadata was not read yet
    sims: dict[int, float] = {}
    seen_dense: set[int] = set()
    for d in dense:
        if d.pk in seen_dense:
            continue
        seen_dense.add(d.pk)
        scores[d.pk] = scores.get(d.pk, 0.0) + 1.0 / (RRF_K + len(seen_dense))
        sims[d.pk] = d.similarity
        best[d.pk] = (len(seen_dense), "dense", d.speaker, d.seq_start, d.seq_end)
        if not d.metadata:
            chunk_of[d.pk] = d.chunk_id
    seen_lex: set[int] = set()
    for hit in lexical:
        if hit.pk in seen_lex:
            continue
        seen_lex.add(hit.pk)
        rank = len(seen_lex)
        scores[hit.pk] = scores.get(hit.pk, 0.0) + 1.0 / (RRF_K + rank)
        if hit.pk not in best or rank < best[hit.pk][0]:  # quote the passage ranked higher
            best[hit.pk] = (rank, "lexical", hit.speaker, hit.seq, hit.seq)
    top = sorted(scores, key=lambda pk: (-scores[pk], pk))[:k]
    if not top:
        return []
    quoted = {pk: chunk_of[pk] for pk in top if best[pk][1] == "dense" and pk in chunk_of}
    if index is not None and quoted:  # the speaker and turns of the dense passages quoted, read for k chunks
        found = index.chunk_metadata(tenant, list(quoted.values()))
        for pk, chunk_id in quoted.items():
            meta = found.get(chunk_id)
            if meta is not None and int(meta.get("pk", -1)) == pk:
                best[pk] = (best[pk][0], "dense", str(meta.get("speaker", "")), *_seqs(meta))

    with store.session() as session:
        rows = {
            r.pk: r
            for r in session.execute(
                select(
                    InteractionRow.pk,
                    InteractionRow.ext_id,
                    InteractionRow.channel,
                    InteractionRow.queue,
                    InteractionRow.local_date,
                    InteractionRow.language,
                    InteractionRow.csat,
                    InteractionRow.abandoned,
                    InteractionRow.theme_id,
                    InteractionRow.iso_week,
                ).where(InteractionRow.pk.in_(top), InteractionRow.tenant == tenant)
            )
        }
        turns: dict[int, list[tuple[int, str]]] = {}
        for pk, seq, body in session.execute(
            select(TurnRow.interaction_pk, TurnRow.seq, TurnRow.text)
            .where(TurnRow.interaction_pk.in_(top))
            .order_by(TurnRow.interaction_pk, TurnRow.seq)
        ):
            turns.setdefault(pk, []).append((seq, body))
    hits = []
    for pk in top:
        row = rows.get(pk)
        if row is None:  # deleted since indexing, or (never) another tenant's
            continue
        _, source, speaker, seq_start, seq_end = best[pk]
        quote = "\n".join(body for seq, body in turns.get(pk, []) if seq_start <= seq <= seq_end)
        hits.append(
            SearchHit(
                interaction_id=row.ext_id,
                quote=quote,
                score=round(scores[pk], 6),
                speaker=speaker,
                metadata={
                    "channel": row.channel,
                    "queue": row.queue,
                    "date": row.local_date.isoformat(),
                    "week": row.iso_week,
                    "language": row.language,
                    "csat": row.csat,
                    "abandoned": bool(row.abandoned),
                    "theme_id": row.theme_id,
                },
                pk=pk,
                similarity=round(sims[pk], 4) if pk in sims else None,
                matched="both" if pk in seen_dense and pk in seen_lex else source,
            )
        )
    return hits
