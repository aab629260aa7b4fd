"""The atomic, idempotent upsert of prepared records (one transaction, safe under concurrent clients)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import DBAPIError, OperationalError

from store.db import Store
from store.lexical import change_term_counts, count_turns
from store.schema import InteractionRow, TurnRow

CHUNK_SIZE = 500
Item = tuple[tuple[str, str], tuple[int, dict[str, Any], list[dict[str, Any]]]]
"""((tenant, id), (index in the input, interaction row values, turn rows))."""


class Vanished(Exception):
    """A known record was deleted (erased) while the chunk was being written: the write is retried."""


def retryable(exc: DBAPIError) -> bool:
    """Lock waits that ran out, deadlocks and serialization failures: the same write can simply be retried."""
    code = getattr(exc.orig, "sqlstate", None) or getattr(exc.orig, "pgcode", None)
    if code in ("40001", "40P01", "55P03"):
        return True
    return isinstance(exc, OperationalError) and "locked" in str(exc.orig).lower()


def _insert_new(store: Store) -> Any:
    module: Any = postgresql if store.dialect == "postgresql" else sqlite
    return (
        module.insert(InteractionRow)
        .on_conflict_do_nothing(index_elements=["tenant", "ext_id"])
        .returning(InteractionRow.pk, InteractionRow.tenant, InteractionRow.ext_id)
    )


def write_chunk(store: Store, items: list[Item]) -> list[tuple[int, str, str, int | None]]:
    """Upsert sorted records in one transaction; (index, id, outcome, changed pk or None) per record.

    New records go in with ON CONFLICT DO NOTHING (a concurrent insert of the same id waits, then counts as
    known); known ones are locked (PostgreSQL `FOR UPDATE`; SQLite holds the write lock from the first
    insert), compared by content hash, and updated with their turns replaced.
    """
    now = _now()
    by_key = dict(items)
    outcomes: list[tuple[int, str, str, int | None]] = []
    turn_rows: list[dict[str, Any]] = []
    with store.session() as session:
        inserted: dict[tuple[str, str], int] = {}
        rows = [{**values, "created_at": now, "updated_at": now} for _, (_, values, _) in items]
        for part in _parts(rows, CHUNK_SIZE):
            for pk, tenant, ext_id in session.execute(_insert_new(store), part):
                inserted[(tenant, ext_id)] = pk
        known = [key for key, _ in items if key not in inserted]
        existing: dict[tuple[str, str], tuple[int, str]] = {}
        by_tenant: dict[str, list[str]] = {}
        for tenant, ext_id in known:
            by_tenant.setdefault(tenant, []).append(ext_id)
        for tenant, ids in sorted(by_tenant.items()):
            query = (
                select(InteractionRow.pk, InteractionRow.ext_id, InteractionRow.content_hash)
                .where(InteractionRow.tenant == tenant, InteractionRow.ext_id.in_(ids))
                .order_by(InteractionRow.ext_id)
            )
            if store.dialect == "postgresql":
                query = query.with_for_update()
            existing.update({(tenant, ext): (pk, digest) for pk, ext, digest in session.execute(query)})
        updates = []
        for key in known:
            index, values, turns = by_key[key]
            if key not in existing:  # erased between our insert and this read: write the chunk again
                raise Vanished(key[1])
            pk, digest = existing[key]
            if digest == values["content_hash"]:
                outcomes.append((index, key[1], "unchanged", None))
                continue
            updates.append(
                {
                    "pk": pk,
                    **values,
                    "updated_at": now,
                    "indexed_hash": None,
                    "themed_hash": None,
                    "theme_text": None,
                }
            )
            turn_rows.extend({"interaction_pk": pk, **turn} for turn in turns)
            outcomes.append((index, key[1], "updated", pk))
        tenant_of = {pk: tenant for (tenant, _), pk in inserted.items()}
        tenant_of.update({pk: tenant for (tenant, _), (pk, _) in existing.items()})
        replaced: list[tuple[str, str]] = []
        if updates:
            session.execute(update(InteractionRow), updates)
            changed = [u["pk"] for u in updates]
            gone = delete(TurnRow).where(TurnRow.interaction_pk.in_(changed))
            replaced = [
                (tenant_of[pk], body)
                for pk, body in session.execute(gone.returning(TurnRow.interaction_pk, TurnRow.text))
            ]
        for key, pk in inserted.items():
            index, _, turns = by_key[key]
            turn_rows.extend({"interaction_pk": pk, **turn} for turn in turns)
            outcomes.append((index, key[1], "accepted", pk))
        for part in _parts(turn_rows, 5 * CHUNK_SIZE):
            session.execute(insert(TurnRow), part)
        # The lexical side's word counts follow the turns, in the same transaction.
        deltas = count_turns((tenant_of[t["interaction_pk"]], t["text"]) for t in turn_rows)
        deltas.subtract(count_turns(replaced))
        change_term_counts(session, store.dialect, deltas)
    return outcomes


def _parts(rows: list[dict[str, Any]], size: int) -> Iterator[list[dict[str, Any]]]:
    for start in range(0, len(rows), size):
        yield rows[start : start + size]


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)
