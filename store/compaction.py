"""Making deleted bytes leave the files: after an erasure or a purge, not only the rows go, their bytes too.

- SQLite store: every connection runs with `secure_delete` (deleted content is overwritten with zeros); the
  full-text index `turns_fts` is merged ("optimize", which drops the erased words from its segments) and the
  write-ahead log is checkpointed and truncated, so `parcours.db-wal` holds no old page either.
- PostgreSQL: `VACUUM (FULL, ANALYZE)` rewrites the touched tables, their TOAST tables and their indexes
  (the GIN full-text index included) into new files, without the dead row versions, and refreshes their
  statistics (so no erased value stays among a column's most common values). It takes an exclusive lock on
  each table while it runs. A row version that an open snapshot may still see is copied into the new file, so
  compaction first waits (up to `SNAPSHOT_WAIT_S`) for older snapshots of this database and older transactions
  of any database of the server to end, and says so when one outlives the wait.
- Embedded Chroma: a delete is first written to Chroma's log and the vector index is persisted in batches;
  enough no-op writes are pushed through the collection to persist it and purge the log (Chroma keeps only
  its latest log entry, one of those no-ops), then `chroma.sqlite3` is vacuumed.

PostgreSQL write-ahead log segments and backups keep older copies until they are recycled or expire; they
are outside what this module can rewrite (see the README's Security and privacy section).
"""

from __future__ import annotations

import logging
import sqlite3
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import text

from store.db import Store

log = logging.getLogger(__name__)

_FLUSH_PREFIX = "parcours-flush-"


def compact_sqlite_store(store: Store) -> list[str]:
    """Merge the full-text index and truncate the WAL of a SQLite store; returns problems (none if empty)."""
    problems: list[str] = []
    raw = store.engine.raw_connection()
    try:
        cursor = raw.cursor()
        cursor.execute("PRAGMA secure_delete=ON")
        found = cursor.execute("SELECT name FROM sqlite_master WHERE name = 'turns_fts'").fetchone()
        if found:
            cursor.execute("INSERT INTO turns_fts(turns_fts) VALUES('optimize')")
        raw.commit()
        problems += _truncate_wal(cursor, "the store")
        cursor.close()
    finally:
        raw.close()
    return problems


def _truncate_wal(cursor: Any, what: str) -> list[str]:
    for attempt in range(20):
        busy, _, _ = cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        if not busy:
            return []
        time.sleep(0.1 * (attempt + 1))
    return [
        f"the write-ahead log of {what} could not be truncated (a reader kept it busy); it will be on "
        "the next checkpoint"
    ]


SNAPSHOT_WAIT_S = 30.0
"""How long compaction waits for older snapshots and transactions to end (see `_older_snapshots`)."""
LOCK_WAIT_S = 120.0
"""How long VACUUM FULL waits for a table's lock (a transaction reading it) before that table is reported."""


def _older_snapshots(conn: Any, xid: int) -> list[str]:
    """Sessions, prepared transactions and replication slots older than `xid` that hold the horizon back.

    VACUUM FULL copies a deleted row version into the new file while any such snapshot may still see it, so
    the erased bytes would stay on disk: compaction waits for them first. A snapshot matters in this database
    only; a transaction id matters in every database of the server, because each new snapshot (VACUUM FULL's
    own included) keeps every row version deleted after the oldest running transaction id. A transaction that
    has written holds it even between statements, when it holds no snapshot (read committed, idle in
    transaction).
    """
    older = "{col} IS NOT NULL AND age({col}) > age(CAST(CAST(:xid AS text) AS xid))"
    rows = conn.execute(
        text(
            "SELECT 'session ' || pid || ' (' || coalesce(nullif(application_name, ''), 'unnamed') || "
            "' on ' || coalesce(datname, '-') || ')' FROM pg_stat_activity "
            "WHERE pid <> pg_backend_pid() AND ("
            f"(datname = current_database() AND {older.format(col='backend_xmin')})"
            f" OR {older.format(col='backend_xid')}) "
            "UNION ALL SELECT 'prepared transaction ' || gid || ' (on ' || database || ')' "
            f"FROM pg_prepared_xacts WHERE {older.format(col='transaction')} "
            "UNION ALL SELECT 'replication slot ' || slot_name FROM pg_replication_slots "
            f"WHERE {older.format(col='xmin')}"
        ),
        {"xid": xid % 2**32},
    ).all()
    return [name for (name,) in rows]


def vacuum_postgres(store: Store, tables: Iterable[str], *, wait_s: float | None = None) -> list[str]:
    """VACUUM FULL the tables (those that exist), once older snapshots have ended; returns problems."""
    wait_s = SNAPSHOT_WAIT_S if wait_s is None else wait_s
    problems: list[str] = []
    with store.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        xid = int(conn.execute(text("SELECT txid_current()")).scalar_one())
        deadline = time.monotonic() + wait_s
        while (older := _older_snapshots(conn, xid)) and time.monotonic() < deadline:
            time.sleep(0.2)
        if older:
            problems.append(
                "snapshots or transactions older than the erasure were still open after "
                f"{wait_s:.0f} s ({', '.join(older)}): the erased rows' bytes may stay in the table files "
                "until they end and the tables are compacted again"
            )
        conn.execute(text(f"SET lock_timeout = '{int(LOCK_WAIT_S * 1000)}ms'"))
        for table in sorted(set(tables)):
            if not conn.execute(text("SELECT to_regclass(:t)"), {"t": table}).scalar():
                continue
            try:
                conn.execute(text(f'VACUUM (FULL, ANALYZE) "{table}"'))
            except Exception as exc:
                problems.append(f"VACUUM FULL {table} failed: {exc}")
    return problems


def flush_chroma_collection(collection: Any) -> None:
    """Persist a collection's vector index and purge its log, so deleted vectors and ids leave the files."""
    config = getattr(collection, "configuration_json", None) or {}
    threshold = int((config.get("hnsw") or {}).get("sync_threshold") or 1000)
    dim = int((collection.metadata or {}).get("dim") or 0)
    if dim <= 0:
        return
    count = threshold // 2 + 1  # as many upserts then deletes: at least `threshold` log entries
    ids = [f"{_FLUSH_PREFIX}{i}" for i in range(count)]
    vectors = np.full((count, dim), 1.0 / np.sqrt(dim), dtype=np.float32)
    for start in range(0, count, 1000):
        collection.upsert(ids=ids[start : start + 1000], embeddings=vectors[start : start + 1000])
    for start in range(0, count, 1000):
        collection.delete(ids=ids[start : start + 1000])


def vacuum_chroma_file(path: Path) -> list[str]:
    """VACUUM the embedded Chroma database (so deleted rows leave chroma.sqlite3); returns problems."""
    if not path.exists():
        return []
    try:
        conn = sqlite3.connect(str(path), timeout=60)
        try:
            conn.execute("PRAGMA busy_timeout=60000")
            conn.execute("VACUUM")
        finally:
            conn.close()
    except sqlite3.Error as exc:
        return [f"the Chroma database could not be vacuumed: {exc}"]
    return []
