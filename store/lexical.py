"""Lexical search over redacted turns: SQLite FTS5 or PostgreSQL full-text, accent-insensitive.

The lexical index is created in code, idempotently, at first use (it is derived from the `turns` table):
- SQLite: an FTS5 table `turns_fts` (unicode61 tokenizer, diacritics removed) whose rowid is
  `interaction_pk * 4096 + seq`, kept in sync with `turns` by triggers, back-filled when created;
- PostgreSQL: an immutable function `parcours_fold(text)` (lower case, accents removed) and a GIN index
  `ix_turns_text_fts` on `to_tsvector('simple', parcours_fold(text))`.

The query's words are weighed by how many of the tenant's turns hold them, read from `term_counts`
(migration 0005), which ingestion, erasure and purge keep in the same transaction as the turns they write or
delete (`change_term_counts`): one index lookup a search, the same counts on both databases, no cache.
"""

from __future__ import annotations

import math
import re
import threading
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import bindparam, delete, insert, select, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import DBAPIError

from core.text import fold
from store.db import Store
from store.schema import TermCountRow

DF_CAP = 20_000
"""Document frequencies are capped at this many turns: rarer words weigh more, common ones all alike."""
MATCH_BUDGET = 10_000
"""The full-text query keeps the rarest words until they match about this many turns (bounded latency)."""
ROWID_STRIDE = 4096
"""SQLite FTS rowid = interaction_pk * ROWID_STRIDE + seq (turns beyond seq 4095 are not indexed)."""

_WORD = re.compile(r"\w+")
_ACCENTED = "àáâãäåçèéêëìíîïñòóôõöùúûüýÿ"
_PLAIN = "aaaaaaceeeeiiiinooooouuuuyy"

_STOPWORDS = frozenset(
    """
    a au aux avec ce ces cet cette c ca d de des du elle en et etre il ils j je la le les leur lui l m ma
    me mes moi mon n ne nos notre nous on ou par pas pour qu que qui s sa se ses son sur t ta te tes toi
    ton tu un une vos votre vous y est suis sont ai as avez avons a ete plus tres bien bonjour merci
    an and are as at be but by for from has have he her his i if in into is it its me my no not of on or
    our she so that the their them they this to was we were what when which who will with would you your
    do does did can could hello hi thanks thank please don doesn didn isn aren wasn won ll ve re
    """.split()
)

_ready: set[str] = set()
_ready_lock = threading.Lock()


@dataclass(frozen=True)
class LexicalHit:
    """A turn that matches the query words."""

    pk: int
    seq: int
    speaker: str
    text: str
    score: float


def query_terms(query: str) -> list[str]:
    """The distinct folded words of a query worth matching (no stop words, no single letters)."""
    seen: list[str] = []
    for word in _WORD.findall(fold(query)):
        if len(word) > 1 and word not in _STOPWORDS and word not in seen:
            seen.append(word)
    return seen[:24]


def _stem(word: str) -> str | None:
    """A prefix for long words so inflections match ("ordonnances" → "ordonn*"); None keeps the word exact."""
    if len(word) >= 8:
        return word[:6]
    if len(word) >= 6:
        return word[:5]
    if len(word) == 5 and word.endswith(("s", "x")):
        return word[:-1]
    return None


def _term_density(terms: list[str], body: str) -> tuple[list[str], float]:
    """The query terms a text contains, and how dense they are in it (BM25-like saturation, 20-word norm)."""
    words = _WORD.findall(fold(body))
    found, density = [], 0.0
    norm = 1.2 * (0.25 + 0.75 * len(words) / 20.0)
    for term in terms:
        prefix = _stem(term)
        count = sum(1 for w in words if w == term or (prefix is not None and w.startswith(prefix)))
        if count:
            found.append(term)
            density += count / (count + norm)
    return found, round(density, 9)


def _match_sqlite(term: str) -> str:
    prefix = _stem(term)
    return f'"{prefix}"*' if prefix else f'"{term}"'


def _match_postgres(term: str) -> str:
    prefix = _stem(term)
    return f"{prefix}:*" if prefix else term


def count_key(term: str) -> str:
    """The `term_counts` key a query term is counted under: its prefix and `*` (see `_stem`), or itself."""
    prefix = _stem(term)
    return f"{prefix}*" if prefix else term


_PREFIX_SIZES = (4, 5, 6)
"""The lengths `_stem` cuts prefixes to (long words 6, 6–7 letters 5, plurals of 5 letters 4)."""


def turn_keys(body: str) -> set[str]:
    r"""The `term_counts` keys a turn holds: each key a query term is counted under and that matches it.

    Words are read as `_term_density` reads them (folded, `\w+`): a word of 2 to 5 letters (not a stop word)
    is its own key, and each word of at least 4, 5 or 6 letters gives its 4-, 5- or 6-letter prefix and `*`.
    So a term's count is exactly the number of turns whose words `_term_density` finds it in.
    """
    words = set(_WORD.findall(body.lower() if body.isascii() else fold(body)))  # fold, faster on ASCII
    keys = {w for w in words if 1 < len(w) <= 5} - _STOPWORDS
    for cut in _PREFIX_SIZES:
        keys.update(w[:cut] + "*" for w in words if len(w) >= cut)
    return keys


def count_turns(turns: Iterable[tuple[str, str]]) -> Counter[tuple[str, str]]:
    """(tenant, key) → how many of these (tenant, text) turns hold the key."""
    by_tenant: dict[str, Counter[str]] = {}
    for tenant, body in turns:
        counts = by_tenant.get(tenant)
        if counts is None:
            counts = by_tenant[tenant] = Counter()
        counts.update(turn_keys(body))
    return Counter({(tenant, key): n for tenant, counts in by_tenant.items() for key, n in counts.items()})


def change_term_counts(conn: Any, dialect: str, deltas: Mapping[tuple[str, str], int]) -> None:
    """Add these (tenant, key) deltas to `term_counts` in the caller's transaction; rows at 0 are deleted.

    Rows are written in (tenant, key) order, so concurrent ingestions on PostgreSQL lock the keys they share
    in the same order (no deadlock; they wait for each other's commit on those keys).
    """
    rows = [{"tenant": t, "term": k, "turns": n} for (t, k), n in sorted(deltas.items()) if n]
    if not rows:
        return
    module: Any = postgresql if dialect == "postgresql" else sqlite
    upsert = module.insert(TermCountRow)
    upsert = upsert.on_conflict_do_update(
        index_elements=["tenant", "term"], set_={"turns": TermCountRow.turns + upsert.excluded.turns}
    )
    for at in range(0, len(rows), 2000):
        conn.execute(upsert, rows[at : at + 2000])
    lowered: dict[str, list[str]] = {}
    for (tenant, key), n in sorted(deltas.items()):
        if n < 0:
            lowered.setdefault(tenant, []).append(key)
    for tenant, keys in lowered.items():  # a word no turn of the tenant holds any more leaves the table
        for at in range(0, len(keys), 2000):
            conn.execute(
                delete(TermCountRow).where(
                    TermCountRow.tenant == tenant,
                    TermCountRow.term.in_(keys[at : at + 2000]),
                    TermCountRow.turns <= 0,
                )
            )


def rebuild_term_counts(conn: Any, step: int = 20_000) -> int:
    """Count every stored turn into `term_counts` again (a migration's backfill); returns the rows written."""
    conn.execute(delete(TermCountRow))
    top = int(conn.execute(text("SELECT coalesce(max(pk), 0) FROM interactions")).scalar() or 0)
    counts: Counter[tuple[str, str]] = Counter()
    for low in range(0, top, step):
        found = conn.execute(
            text(
                "SELECT i.tenant, t.text FROM turns t JOIN interactions i ON i.pk = t.interaction_pk "
                "WHERE t.interaction_pk > :low AND t.interaction_pk <= :high"
            ),
            {"low": low, "high": low + step},
        )
        counts.update(count_turns((tenant, body or "") for tenant, body in found))
    rows = [{"tenant": t, "term": k, "turns": n} for (t, k), n in sorted(counts.items())]
    for at in range(0, len(rows), 5000):
        conn.execute(insert(TermCountRow), rows[at : at + 5000])
    return len(rows)


def _frequencies(conn: Any, tenant: str, terms: list[str]) -> dict[str, int]:
    """How many of the tenant's turns contain each term (`term_counts`), up to DF_CAP."""
    keys = {t: count_key(t) for t in terms}
    found = dict(
        conn.execute(
            select(TermCountRow.term, TermCountRow.turns).where(
                TermCountRow.tenant == tenant, TermCountRow.term.in_(sorted(set(keys.values())))
            )
        ).all()
    )
    return {t: min(int(found.get(key, 0)), DF_CAP) for t, key in keys.items()}


def _rarest(terms: list[str], frequencies: dict[str, int]) -> list[str]:
    """The rarest terms whose turns add up to MATCH_BUDGET (at least one): common words only add noise."""
    kept: list[str] = []
    total = 0
    for term in sorted(terms, key=lambda t: frequencies.get(t, 0)):
        count = frequencies.get(term, 0)
        if kept and total + count > MATCH_BUDGET:
            break
        kept.append(term)
        total += count
    return kept


def ensure_lexical(store: Store) -> None:
    """Create the lexical index of the store if missing (once per process and database)."""
    key = str(store.engine.url)
    if key in _ready:
        return
    with _ready_lock:
        if key in _ready:
            return
        if store.dialect == "postgresql":
            _ensure_postgres(store)
        else:
            _ensure_sqlite(store)
        _ready.add(key)


_SQLITE_OBJECTS = {"turns_fts", "turns_fts_insert", "turns_fts_delete", "turns_fts_update"}


def _ensure_sqlite(store: Store) -> None:
    stride = ROWID_STRIDE
    with store.engine.begin() as conn:
        found = conn.execute(text("SELECT name FROM sqlite_master WHERE name LIKE 'turns_fts%'")).scalars()
        if _SQLITE_OBJECTS <= set(found):
            return
        # First use, or a migration rebuilt `turns` (dropping its triggers): (re)build from the turns.
        try:
            conn.execute(
                text(
                    "CREATE VIRTUAL TABLE IF NOT EXISTS turns_fts USING fts5("
                    "text, speaker UNINDEXED, tokenize = 'unicode61 remove_diacritics 2')"
                )
            )
            conn.execute(
                text(
                    "CREATE TRIGGER IF NOT EXISTS turns_fts_insert AFTER INSERT ON turns "
                    f"WHEN new.seq < {stride} BEGIN "
                    "INSERT INTO turns_fts(rowid, text, speaker) "
                    f"VALUES (new.interaction_pk * {stride} + new.seq, new.text, new.speaker); END"
                )
            )
            conn.execute(
                text(
                    "CREATE TRIGGER IF NOT EXISTS turns_fts_delete AFTER DELETE ON turns BEGIN "
                    f"DELETE FROM turns_fts WHERE rowid = old.interaction_pk * {stride} + old.seq; END"
                )
            )
            conn.execute(
                text(
                    "CREATE TRIGGER IF NOT EXISTS turns_fts_update AFTER UPDATE ON turns BEGIN "
                    f"DELETE FROM turns_fts WHERE rowid = old.interaction_pk * {stride} + old.seq; "
                    "INSERT INTO turns_fts(rowid, text, speaker) "
                    f"SELECT new.interaction_pk * {stride} + new.seq, new.text, new.speaker "
                    f"WHERE new.seq < {stride}; END"
                )
            )
            conn.execute(text("DELETE FROM turns_fts"))
            conn.execute(
                text(
                    "INSERT INTO turns_fts(rowid, text, speaker) "
                    f"SELECT interaction_pk * {stride} + seq, text, speaker FROM turns WHERE seq < {stride}"
                )
            )
        except DBAPIError as exc:  # another process built it at the same moment
            if "already exists" not in str(exc) and "UNIQUE" not in str(exc):
                raise


def _ensure_postgres(store: Store) -> None:
    with store.engine.begin() as conn:
        has_function = conn.execute(text("SELECT 1 FROM pg_proc WHERE proname = 'parcours_fold'")).first()
        if not has_function:
            conn.execute(
                text(
                    "CREATE OR REPLACE FUNCTION parcours_fold(value text) RETURNS text "
                    "LANGUAGE sql IMMUTABLE PARALLEL SAFE RETURNS NULL ON NULL INPUT AS "
                    f"$$ SELECT translate(lower(value), '{_ACCENTED}', '{_PLAIN}') $$"
                )
            )
    with store.engine.begin() as conn:
        conn.execute(
            text(
                "CREATE INDEX IF NOT EXISTS ix_turns_text_fts ON turns "
                "USING gin (to_tsvector('simple'::regconfig, parcours_fold(text)))"
            )
        )


@dataclass(frozen=True)
class SqlFilter:
    """One condition on a column of `interactions` (alias i) or the turn's speaker."""

    column: str
    op: str
    value: Any


_SQL_OPS = {"$eq": "=", "$ne": "!=", "$gt": ">", "$gte": ">=", "$lt": "<", "$lte": "<="}


def where_sql(filters: list[SqlFilter], speaker_column: str, dialect: str) -> tuple[str, dict[str, Any]]:
    """SQL conditions (each after an AND) on `interactions` (alias i) and the speaker, and their values."""
    clauses: list[str] = []
    params: dict[str, Any] = {}
    for n, f in enumerate(filters):
        column = speaker_column if f.column == "speaker" else f"i.{f.column}"
        name = f"f{n}"
        value = f.value
        if isinstance(value, date) and dialect == "sqlite":
            value = value.isoformat()
        if isinstance(value, list) and value and isinstance(value[0], date) and dialect == "sqlite":
            value = [v.isoformat() for v in value]
        if f.op in ("$in", "$nin"):
            clauses.append(f"{column} {'IN' if f.op == '$in' else 'NOT IN'} :{name}")
        else:
            clauses.append(f"{column} {_SQL_OPS[f.op]} :{name}")
        params[name] = value
    return "".join(f" AND {c}" for c in clauses), params


def statement_with(sql: str, params: dict[str, Any]) -> Any:
    """A text statement whose list parameters expand to `IN (…)` lists."""
    statement = text(sql)
    for name, value in params.items():
        if isinstance(value, list):
            statement = statement.bindparams(bindparam(name, expanding=True))
    return statement


WINDOW_GROWTH_MAX = 16
"""At most this many times wider, each new interaction window of the PostgreSQL candidate read."""


def _newest_postgres(
    conn: Any, tenant: str, kept: list[str], matches: int, filters: list[SqlFilter], limit: int
) -> list[Any]:
    """The `limit` most recently stored turns of the tenant holding a kept word and passing the filters.

    A GIN bitmap gives the matching turns in no order, and each is then read from the table (and its
    interaction checked): reading all of them cost 50–130 ms at 1 M turns. So the newest interactions are
    searched first: the GIN bitmap is ANDed with a range of the turns' primary key (interaction > low), and
    the window widens, from the share of matching turns that passed, until it holds `limit` turns or every
    interaction. Turns outside the window belong to older interactions than every turn inside, so the answer
    is the one a read of every match gives. `matches` (the tenant's turns holding a kept word, from
    `term_counts`) sizes the first window.
    """
    match = " | ".join(_match_postgres(t) for t in kept)
    extra, params = where_sql(filters, "t.speaker", "postgresql")
    # OFFSET 0 keeps the planner from walking the table backwards to honour the ORDER BY.
    sql = (
        "SELECT t.interaction_pk, t.seq, t.speaker, t.text FROM ("
        "SELECT interaction_pk, seq, speaker, text FROM turns "
        "WHERE to_tsvector('simple'::regconfig, parcours_fold(text)) "
        "@@ to_tsquery('simple'::regconfig, :match) AND interaction_pk > :low OFFSET 0) t "
        f"JOIN interactions i ON i.pk = t.interaction_pk WHERE i.tenant = :tenant{extra} "
        "ORDER BY t.interaction_pk DESC, t.seq DESC LIMIT :limit"
    )
    statement = statement_with(sql, params)
    values = {"match": match, "tenant": tenant, "limit": limit, **params}
    top = int(conn.execute(text("SELECT coalesce(max(interaction_pk), 0) FROM turns")).scalar() or 0)
    # A first window expected to hold about twice `limit` matches of the tenant if no filter removed any.
    window = top if matches <= 2 * limit else max(1, top * 2 * limit // matches)
    while True:
        low = max(top - window, 0)
        rows = list(conn.execute(statement, {**values, "low": low}))
        if len(rows) >= limit or low == 0:
            return rows
        # Widen from the share that passed (half as much again), at most WINDOW_GROWTH_MAX times.
        growth = WINDOW_GROWTH_MAX if not rows else -(-3 * limit // (2 * len(rows)))
        window *= min(WINDOW_GROWTH_MAX, max(2, growth))


def lexical_search(
    *, store: Store, tenant: str, query: str, limit: int = 50, filters: list[SqlFilter] | None = None
) -> list[LexicalHit]:
    """Turns of the tenant matching the query words, best first.

    The candidates are the 3 × limit most recently stored turns (highest interaction pk, then turn) that hold
    one of the query's rarer words and pass the filters; they are then ranked from their texts alone. No
    database score (BM25, `ts_rank`) is computed: the candidates and their order are the same on SQLite and
    PostgreSQL by construction, and the database stops once it has them instead of scoring every match.
    """
    terms = query_terms(query)
    if not terms:
        return []
    ensure_lexical(store)
    filters = filters or []
    with store.engine.connect() as conn:
        counts = _frequencies(conn, tenant, terms)
        frequencies = counts if len(terms) > 1 else {}
        kept = _rarest(terms, frequencies)
        if store.dialect == "postgresql":
            matches = sum(counts[t] for t in kept)
            rows = _newest_postgres(conn, tenant, kept, matches, filters, 3 * limit)
        else:
            match = " OR ".join(_match_sqlite(t) for t in kept)
            extra, params = where_sql(filters, "f.speaker", "sqlite")
            # FTS5 walks the matches by descending rowid (interaction pk, then turn) and stops at the limit.
            sql = (
                f"SELECT f.rowid / {ROWID_STRIDE}, f.rowid % {ROWID_STRIDE}, f.speaker, f.text "
                f"FROM turns_fts f JOIN interactions i ON i.pk = f.rowid / {ROWID_STRIDE} "
                f"WHERE turns_fts MATCH :match AND i.tenant = :tenant{extra} "
                "ORDER BY f.rowid DESC LIMIT :limit"
            )
            values = {"match": match, "tenant": tenant, "limit": 3 * limit, **params}
            rows = list(conn.execute(statement_with(sql, params), values))
        hits = [LexicalHit(int(pk), int(seq), sp, tx, 0.0) for pk, seq, sp, tx in rows]
    # Turns holding more of the query's rarer words come first, then denser ones; with three words or more,
    # a turn matching only one of them is too weak a clue (the dense ranking still sees it). Ties are broken
    # by interaction and turn, so SQLite and PostgreSQL rank the same candidates the same way.
    weights = {t: math.log(1.0 + DF_CAP / (1 + frequencies.get(t, 0))) for t in terms}
    needed = 2 if len(terms) >= 3 else 1
    ranked = []
    for hit in hits:
        found, density = _term_density(terms, hit.text)
        if len(found) >= needed:
            score = sum(weights[t] for t in found)
            ranked.append(
                (score, density, LexicalHit(hit.pk, hit.seq, hit.speaker, hit.text, round(score, 6)))
            )
    ranked.sort(key=lambda c: (-c[0], -c[1], c[2].pk, c[2].seq))
    return [h for _, _, h in ranked[:limit]]
