"""Agent checkpoints as stored data: find and delete the threads that hold erased data, or are too old.

The chat and analysis graphs save their state through LangGraph's checkpointers (`agent/checkpoint.py`):
a SQLite file under PARCOURS_HOME (tables `checkpoints`, `writes`) beside a SQLite store, or the tables
`checkpoints`, `checkpoint_blobs`, `checkpoint_writes` of the PostgreSQL store. A thread is a chat
conversation or one analysis run. Erasure deletes every thread whose serialized state mentions an erased
interaction id or patient ref (a tool result quoting a transcript always carries its id); the purge deletes
threads whose latest checkpoint is older than the retention. Deleting a whole thread keeps the rest
consistent: a chat continues without that memory, a finished analysis keeps its result in `analyses`.
"""

from __future__ import annotations

import sqlite3
import uuid
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import text

from core.settings import Settings
from store.db import Store

SQLITE_TABLES = {"checkpoints": ("checkpoint", "metadata"), "writes": ("value",)}
PG_TABLES = {
    "checkpoints": ("checkpoint::text", "metadata::text"),
    "checkpoint_blobs": ("blob",),
    "checkpoint_writes": ("blob",),
}
_UUID_EPOCH = datetime(1582, 10, 15)


def checkpoint_time(checkpoint_id: str) -> datetime | None:
    """When a checkpoint was written, read from its time-ordered (UUID v6) id; None if it has no time."""
    try:
        value = uuid.UUID(checkpoint_id)
    except ValueError:
        return None
    if value.version == 6:
        ticks = ((value.int >> 80) << 12) | ((value.int >> 64) & 0x0FFF)
    elif value.version == 1:
        ticks = value.time
    else:
        return None
    return _UUID_EPOCH + timedelta(microseconds=ticks // 10)


def _as_text(value: object) -> str:
    if isinstance(value, bytes | bytearray | memoryview):
        # Serializer bytes (msgpack headers) become U+FFFD, which separates words as they were separated.
        return bytes(value).decode("utf-8", errors="replace")
    return "" if value is None else str(value)


def _open_sqlite(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(str(path), timeout=30)
    conn.execute("PRAGMA secure_delete=ON")  # deleted rows are overwritten, not just unlinked
    conn.execute("PRAGMA busy_timeout=30000")
    return conn


def _sqlite_delete(conn: sqlite3.Connection, threads: set[str]) -> None:
    ids = sorted(threads)
    for start in range(0, len(ids), 500):
        part = ids[start : start + 500]
        marks = ",".join("?" * len(part))
        for table in SQLITE_TABLES:
            conn.execute(f"DELETE FROM {table} WHERE thread_id IN ({marks})", part)
    conn.commit()
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")


def _sqlite_tables(conn: sqlite3.Connection) -> list[str]:
    names = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    return [t for t in SQLITE_TABLES if t in names]


def _pg_tables(store: Store) -> list[str]:
    with store.engine.connect() as conn:
        return [t for t in PG_TABLES if conn.execute(text("SELECT to_regclass(:t)"), {"t": t}).scalar()]


def matching_threads(*, store: Store, settings: Settings, hits: Callable[[str], bool]) -> set[str]:
    """Threads with at least one serialized value for which `hits` is true."""
    found: set[str] = set()
    if store.dialect == "postgresql":
        tables = _pg_tables(store)
        with store.engine.connect().execution_options(stream_results=True) as conn:
            for table in tables:
                columns = ", ".join(PG_TABLES[table])
                for row in conn.execute(text(f"SELECT thread_id, {columns} FROM {table}")):
                    if row[0] not in found and any(hits(_as_text(v)) for v in row[1:]):
                        found.add(row[0])
        return found
    path = settings.checkpoint_path
    if not path.exists():
        return found
    db = _open_sqlite(path)
    try:
        for table in _sqlite_tables(db):
            columns = ", ".join(SQLITE_TABLES[table])
            for row in db.execute(f"SELECT thread_id, {columns} FROM {table}"):
                if row[0] not in found and any(hits(_as_text(v)) for v in row[1:]):
                    found.add(row[0])
    finally:
        db.close()
    return found


def old_threads(*, store: Store, settings: Settings, before: datetime) -> set[str]:
    """Threads whose latest checkpoint was written before `before` (naive UTC)."""
    latest: dict[str, datetime] = {}
    rows: Iterable[tuple[str, str]]
    if store.dialect == "postgresql":
        if "checkpoints" not in _pg_tables(store):
            return set()
        with store.engine.connect() as conn:
            rows = list(conn.execute(text("SELECT thread_id, checkpoint_id FROM checkpoints")).tuples())
    else:
        path = settings.checkpoint_path
        if not path.exists():
            return set()
        conn_sqlite = _open_sqlite(path)
        try:
            if "checkpoints" not in _sqlite_tables(conn_sqlite):
                return set()
            rows = list(conn_sqlite.execute("SELECT thread_id, checkpoint_id FROM checkpoints"))
        finally:
            conn_sqlite.close()
    for thread, checkpoint_id in rows:
        when = checkpoint_time(checkpoint_id)
        if when is not None and (thread not in latest or when > latest[thread]):
            latest[thread] = when
    return {thread for thread, when in latest.items() if when < before}


def delete_threads(*, store: Store, settings: Settings, threads: set[str]) -> int:
    """Delete every checkpoint and pending write of these threads; returns how many threads."""
    if not threads:
        return 0
    if store.dialect == "postgresql":
        tables = _pg_tables(store)
        ids = sorted(threads)
        with store.engine.begin() as conn:
            for table in tables:
                for start in range(0, len(ids), 500):
                    conn.execute(
                        text(f"DELETE FROM {table} WHERE thread_id = ANY(:ids)"),
                        {"ids": ids[start : start + 500]},
                    )
        return len(threads)
    db = _open_sqlite(settings.checkpoint_path)
    try:
        _sqlite_delete(db, threads)
    finally:
        db.close()
    return len(threads)


def now_utc() -> datetime:
    """The current time, naive UTC (as checkpoint times are compared)."""
    return datetime.now(UTC).replace(tzinfo=None)
