"""Checkpointers of both graphs: SQLite under PARCOURS_HOME by default, PostgreSQL with a PostgreSQL store."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.checkpoint.serde.jsonplus import JsonPlusSerializer

from core import results
from core.settings import Settings, get_settings
from store.db import Store

STATE_TYPES = [
    results.Period,
    results.Evidence,
    results.KpiValue,
    results.ThemeResult,
    results.Friction,
    results.Anomaly,
    results.ExpectedImpact,
    results.Action,
    results.AnalysisResult,
]
"""Our types that graph state holds; the only non-LangChain classes a checkpoint may rebuild."""


def serializer() -> JsonPlusSerializer:
    """The checkpoint serializer, restricted to LangChain's safe types and ours."""
    return JsonPlusSerializer(allowed_msgpack_modules=list(STATE_TYPES))


def checkpoint_path(settings: Settings | None = None) -> Path:
    """The SQLite checkpoint file under PARCOURS_HOME."""
    return (settings or get_settings()).home_dir / "checkpoints.sqlite"


def _psycopg_url(url: str) -> str:
    for prefix in ("postgresql+psycopg://", "postgresql+psycopg2://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql://" + url[len(prefix) :]
    return url


@contextmanager
def open_checkpointer(store: Store, settings: Settings | None = None) -> Iterator[BaseCheckpointSaver[str]]:
    """A checkpointer beside the store: PostgresSaver on the same database, else SqliteSaver under home."""
    if store.dialect == "postgresql":
        from langgraph.checkpoint.postgres import PostgresSaver
        from psycopg import Connection
        from psycopg.rows import dict_row

        url = store.engine.url.render_as_string(hide_password=False)
        with Connection.connect(
            _psycopg_url(url), autocommit=True, prepare_threshold=0, row_factory=dict_row
        ) as pg_conn:
            saver = PostgresSaver(pg_conn, serde=serializer())  # type: ignore[arg-type]
            saver.setup()
            yield saver
        return
    from langgraph.checkpoint.sqlite import SqliteSaver

    conn = sqlite3.connect(str(checkpoint_path(settings or store.settings)), check_same_thread=False)
    try:
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA busy_timeout=30000")
        saver_sqlite = SqliteSaver(conn, serde=serializer())
        saver_sqlite.setup()
        yield saver_sqlite
    finally:
        conn.close()
