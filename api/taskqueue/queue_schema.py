"""The queue's own tables (procrastinate's schema), created and upgraded by `parcours migrate`.

Procrastinate ships its schema and one SQL file per upgrade. On an empty database the schema is applied and
every upgrade file recorded as done (in `parcours_queue_migrations`); later versions apply the files not yet
recorded, in order. All of it runs under a PostgreSQL advisory lock, so concurrent starts never race.
"""

from __future__ import annotations

import time
from pathlib import Path

import psycopg
from procrastinate.schema import SchemaManager

from api.taskqueue.procrastinate_queue import conninfo

QUEUE_SCHEMA_LOCK_KEY = 7_142_043_518_927_302


def _migration_files() -> list[Path]:
    return sorted(Path(SchemaManager.get_migrations_path()).glob("*.sql"))


def ensure_queue_schema(url: str) -> list[str]:
    """Create or upgrade the queue's tables; returns what was applied (empty when up to date)."""
    applied: list[str] = []
    with psycopg.connect(conninfo(url), autocommit=True) as conn:
        while not conn.execute("SELECT pg_try_advisory_lock(%s)", (QUEUE_SCHEMA_LOCK_KEY,)).fetchone()[0]:  # type: ignore[index]
            time.sleep(0.2)  # polling: a session blocked inside a statement would stall concurrent DDL
        try:
            conn.execute(
                "CREATE TABLE IF NOT EXISTS parcours_queue_migrations "
                "(name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())"
            )
            row = conn.execute("SELECT to_regclass('procrastinate_jobs') IS NOT NULL").fetchone()
            files = _migration_files()
            if not (row and row[0]):
                conn.execute(SchemaManager.get_schema().encode())
                applied.append("procrastinate schema")
                for path in files:
                    conn.execute(
                        "INSERT INTO parcours_queue_migrations (name) VALUES (%s) ON CONFLICT DO NOTHING",
                        (path.name,),
                    )
                return applied
            done = {r[0] for r in conn.execute("SELECT name FROM parcours_queue_migrations")}
            for path in files:
                if path.name in done:
                    continue
                with conn.transaction():
                    conn.execute(path.read_text(encoding="utf-8").encode())
                    conn.execute("INSERT INTO parcours_queue_migrations (name) VALUES (%s)", (path.name,))
                applied.append(path.name)
        finally:
            conn.execute("SELECT pg_advisory_unlock(%s)", (QUEUE_SCHEMA_LOCK_KEY,))
    return applied
