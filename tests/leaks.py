"""Byte-level checks that erased data left the files: every file of a home, every PostgreSQL relation."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import text


def files_holding(home: Path, needles: list[str]) -> dict[str, list[str]]:
    """For each needle, the files under `home` (WAL and Chroma files included) whose bytes contain it."""
    encoded = {n: n.encode("utf-8") for n in needles}
    found: dict[str, list[str]] = {}
    for path in sorted(p for p in home.rglob("*") if p.is_file()):
        data = path.read_bytes()
        for needle, raw in encoded.items():
            if raw in data:
                found.setdefault(needle, []).append(str(path.relative_to(home)))
    return found


def tables_holding(store: Any, needles: list[str]) -> dict[str, list[str]]:
    """For each needle, the tables of the database where a visible row's text holds it."""
    found: dict[str, list[str]] = {}
    with store.engine.connect() as conn:
        if store.dialect == "postgresql":
            tables = conn.execute(
                text("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")
            ).scalars()
        else:
            tables = conn.execute(text("SELECT name FROM sqlite_master WHERE type = 'table'")).scalars()
        for table in list(tables):
            cast = f't::text FROM "{table}" t' if store.dialect == "postgresql" else "*" + f' FROM "{table}"'
            for row in conn.execute(text(f"SELECT {cast}")):
                body = " ".join(
                    bytes(v).decode("utf-8", "ignore") if isinstance(v, bytes | memoryview) else str(v)
                    for v in row
                )
                for needle in needles:
                    if needle in body and table not in found.get(needle, []):
                        found.setdefault(needle, []).append(table)
    return found


def relation_files_holding(store: Any, needles: list[str]) -> dict[str, list[str]] | None:
    """For each needle, PostgreSQL relation files (our tables, their TOAST and indexes) holding its bytes.

    None when the server's data directory cannot be read from here (then only `tables_holding` applies).
    """
    with store.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("CHECKPOINT"))
        data_dir = Path(conn.execute(text("SHOW data_directory")).scalar())
        relations = conn.execute(
            text(
                "WITH ours AS (SELECT oid, reltoastrelid FROM pg_class "
                "WHERE relnamespace = current_schema()::regnamespace AND relkind IN ('r', 'i')), "
                "toast AS (SELECT reltoastrelid AS oid FROM ours WHERE reltoastrelid <> 0), "
                "toast_index AS (SELECT indexrelid AS oid FROM pg_index "
                "WHERE indrelid IN (SELECT oid FROM toast)) "
                "SELECT c.relname, pg_relation_filepath(c.oid) FROM pg_class c WHERE c.oid IN "
                "(SELECT oid FROM ours UNION SELECT oid FROM toast UNION SELECT oid FROM toast_index)"
            )
        ).all()
    if not data_dir.is_dir():
        return None
    found: dict[str, list[str]] = {}
    for name, relative in relations:
        for path in sorted((data_dir / relative).parent.glob(Path(relative).name + "*")):
            try:
                data = path.read_bytes()
            except OSError:
                return None
            for needle in needles:
                if needle.encode("utf-8") in data:
                    found.setdefault(needle, []).append(f"{name} ({path.name})")
    return found
