"""`parcours migrate`: create or upgrade every table before the processes of a deployment start."""

from __future__ import annotations

from typing import Annotated

import typer

from cli.common import err_console, fail, print_json


def migrate(
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON on stdout.")] = False,
) -> None:
    """Create or upgrade the database schema, the checkpoint tables and the task queue's tables.

    Run it once before starting API and worker processes. Each part runs under a database lock (a PostgreSQL
    advisory lock, a file lock for SQLite), so processes started at the same time never race either.
    """
    from agent.checkpoint import open_checkpointer
    from core.settings import get_settings
    from store.db import Store, head_revision, schema_lock

    settings = get_settings()
    try:
        store = Store.from_settings(settings)
    except Exception as exc:
        raise fail(f"could not migrate {settings.sql_url.split('@')[-1]}: {exc}") from exc
    try:
        with schema_lock(store.engine), open_checkpointer(store, settings):
            pass  # opening the checkpointer creates or upgrades its tables
        queue: list[str] | None = None
        if settings.queue_url:
            from api.taskqueue.queue_schema import ensure_queue_schema

            queue = ensure_queue_schema(settings.queue_url)
        summary = {
            "database": store.engine.url.render_as_string(hide_password=True),
            "revision": head_revision(),
            "checkpoints": "ok",
            "queue": None if queue is None else {"applied": queue},
        }
    finally:
        store.close()
    if as_json:
        print_json(summary)
        return
    err_console.print(f"Database {summary['database']} at revision {summary['revision']}; checkpoints ready.")
    if queue is not None:
        err_console.print(f"Task queue: {', '.join(queue) if queue else 'up to date'}.")


def register(app: typer.Typer) -> None:
    """Add `migrate`."""
    app.command("migrate")(migrate)
