"""Ingestion: parse → validate → redact → upsert (idempotent on tenant + id) → index.

SQL is written first, in one transaction per chunk, so an interruption never leaves a half-written record;
the vector index is derived and updated after each committed chunk (its failure never loses the SQL record).

Every record is contained: whatever goes wrong while it is validated, redacted or written (a malformed date,
attributes nested 500 deep, a value the database refuses) rejects that record alone, with its index, id and
reason. New records are inserted with `INSERT … ON CONFLICT DO NOTHING` and known ones locked in a fixed
order before they are compared and updated, so clients sending overlapping batches at the same time never
collide: each record ends up stored exactly once.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

from pydantic import BaseModel, Field
from sqlalchemy import insert, update
from sqlalchemy.exc import DBAPIError

from store.db import Store
from store.kpi_rollup import refresh_store
from store.parsers import ParseError, detect_format, read_records
from store.pseudonyms import store_key
from store.records import prepare
from store.schema import IngestBatchRow, IngestErrorRow
from store.upsert import CHUNK_SIZE, Item, Vanished, retryable, write_chunk

log = logging.getLogger(__name__)

MAX_ERRORS_KEPT = 10_000
_RETRIES = 5

Prepared = dict[tuple[str, str], tuple[int, dict[str, Any], list[dict[str, Any]]]]
"""(tenant, id) → (index in the input, interaction row values, turn rows)."""


class Indexer(Protocol):
    """Anything that derives data (vectors) from stored interactions."""

    def index_pks(self, store: Store, pks: list[int]) -> None:
        """Index the interactions with these primary keys."""


class IngestError(BaseModel):
    """A rejected record: where it was, its id if known, and why."""

    index: int = Field(description="Line number (JSONL, CSV) or position (JSON array, API batch).")
    id: str | None = Field(default=None, description="The record's id, when it had one.")
    error: str = Field(description="Why it was rejected.")


class IngestSummary(BaseModel):
    """What an ingestion did (the `parcours ingest --json` output)."""

    accepted: int = Field(default=0, description="New interactions stored.")
    updated: int = Field(default=0, description="Known interactions whose content changed.")
    unchanged: int = Field(default=0, description="Known interactions sent again unchanged.")
    rejected: int = Field(default=0, description="Records refused (see errors).")
    errors: list[IngestError] = Field(default_factory=list, description="One entry per rejected record.")
    batch_id: str | None = Field(default=None, description="Id of the ingestion batch.")
    index_errors: list[str] = Field(default_factory=list, description="Vector-index failures (SQL kept).")
    changed_pks: list[int] = Field(default_factory=list, exclude=True)
    results: list[dict[str, Any]] = Field(default_factory=list, exclude=True)


def _unreadable(exc: BaseException) -> str:
    if isinstance(exc, RecursionError):
        return "the record is nested too deeply to be read"
    return f"the record could not be processed ({type(exc).__name__})"


class _Batch:
    """The state of one ingestion run."""

    def __init__(
        self, store: Store, source: str, tenant: str | None, indexer: Indexer | None, collect: bool
    ) -> None:
        self.store = store
        self.collect = collect
        self.tenant = tenant
        self.indexer = indexer
        self.key = store_key(store)
        self.summary = IngestSummary(batch_id=f"in-{uuid.uuid4().hex[:12]}")
        self.pending: list[tuple[int, dict[str, Any]]] = []
        self.errors: list[IngestError] = []
        with store.session() as session:
            session.add(
                IngestBatchRow(
                    id=self.summary.batch_id, tenant=tenant, source=source[:500], started_at=_now()
                )
            )

    def reject(self, index: int, record_id: Any, error: str) -> None:
        rid = str(record_id)[:200] if record_id is not None else None
        err = IngestError(index=index, id=rid, error=error)
        self.summary.rejected += 1
        self._result({"index": index, "id": err.id, "status": "rejected", "error": error})
        if len(self.summary.errors) < MAX_ERRORS_KEPT:
            self.summary.errors.append(err)
        self.errors.append(err)

    def add(self, index: int, record: dict[str, Any] | ParseError) -> None:
        if isinstance(record, ParseError):
            self.reject(index, record.record_id, record.error)
            return
        if not isinstance(record, dict):
            self.reject(index, None, "a record must be a JSON object")
            return
        if self.tenant is not None:
            named = record.get("tenant")
            if named not in (None, self.tenant):
                self.reject(index, record.get("id"), f"tenant {named!r} is not the tenant of this request")
                return
            record = {**record, "tenant": self.tenant}
        self.pending.append((index, record))
        if len(self.pending) >= CHUNK_SIZE:
            self.flush()

    def flush(self) -> None:
        prepared: Prepared = {}
        for index, record in self.pending:
            try:
                values, turns = prepare(record, self.store, self.key)
            except ValueError as exc:
                self.reject(index, record.get("id"), str(exc))
                continue
            except Exception as exc:  # whatever one record does (RecursionError included), the others go in
                log.warning("record %s could not be prepared: %r", index, exc)
                self.reject(index, record.get("id"), _unreadable(exc))
                continue
            key = (values["tenant"], values["ext_id"])
            if key in prepared:  # the same id twice in a chunk: the later one wins
                earlier = prepared[key][0]
                self._result({"index": earlier, "id": key[1], "status": "superseded"})
            prepared[key] = (index, values, turns)
        self.pending = []
        changed = self._write(prepared) if prepared else []
        self._write_errors()
        if changed and self.indexer is not None:
            try:
                self.indexer.index_pks(self.store, changed)
            except Exception as exc:  # the SQL record is kept; `parcours reindex --check` repairs the index
                log.warning("indexing failed for %d interactions: %s", len(changed), exc)
                self.summary.index_errors.append(f"{type(exc).__name__}: {exc}")
        if self.collect:
            self.summary.changed_pks.extend(changed)

    def _result(self, entry: dict[str, Any]) -> None:
        if self.collect:
            self.summary.results.append(entry)

    def _write(self, prepared: Prepared) -> list[int]:
        """Write a chunk in one transaction; if the database refuses it, write its records one by one."""
        items = sorted(prepared.items())  # one lock order for every client: no deadlock between chunks
        try:
            return self._apply(self._write_retrying(items))
        except Exception as exc:  # find the record the database refuses, keep the others
            log.warning("chunk of %d records refused (%r); writing them one by one", len(items), exc)
        changed: list[int] = []
        for item in items:
            try:
                changed += self._apply(self._write_retrying([item]))
            except Exception as exc:
                log.warning("record %s refused by the database: %r", item[1][0], exc)
                self.reject(item[1][0], item[0][1], f"the database refused the record ({type(exc).__name__})")
        return changed

    def _write_retrying(self, items: list[Item]) -> list[tuple[int, str, str, int | None]]:
        for attempt in range(_RETRIES):
            try:
                return write_chunk(self.store, items)
            except (DBAPIError, Vanished) as exc:
                if attempt == _RETRIES - 1 or (isinstance(exc, DBAPIError) and not retryable(exc)):
                    raise
                time.sleep(0.05 * 2**attempt)
        raise AssertionError("unreachable")

    def _apply(self, outcomes: list[tuple[int, str, str, int | None]]) -> list[int]:
        """Count the outcomes of a committed write; returns the changed primary keys."""
        changed = []
        for index, ext_id, status, pk in outcomes:
            setattr(self.summary, status, getattr(self.summary, status) + 1)
            self._result({"index": index, "id": ext_id, "status": status})
            if pk is not None:
                changed.append(pk)
        return changed

    def _write_errors(self) -> None:
        if not self.errors:
            return
        with self.store.session() as session:
            session.execute(
                insert(IngestErrorRow),
                [
                    {"batch_id": self.summary.batch_id, "index": e.index, "ext_id": e.id, "error": e.error}
                    for e in self.errors
                ],
            )
        self.errors = []

    def finish(self) -> IngestSummary:
        self.flush()
        s = self.summary
        with self.store.session() as session:
            session.execute(
                update(IngestBatchRow)
                .where(IngestBatchRow.id == s.batch_id)
                .values(
                    finished_at=_now(),
                    accepted=s.accepted,
                    updated=s.updated,
                    unchanged=s.unchanged,
                    rejected=s.rejected,
                )
            )
        refresh_store(self.store)  # KPI rollups follow the new contacts before the call returns
        return s


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def ingest_records(
    store: Store,
    records: Iterable[dict[str, Any] | ParseError] | Iterable[tuple[int, dict[str, Any] | ParseError]],
    *,
    source: str = "api",
    indexer: Indexer | None = None,
    tenant: str | None = None,
    numbered: bool = False,
    collect: bool = True,
) -> IngestSummary:
    """Ingest records (dicts, positions from 0; or `(index, record)` pairs with `numbered=True`).

    With `tenant`, records without a tenant get it and records naming another tenant are rejected.
    With `collect`, the summary also lists each record's outcome (`results`) and the changed primary keys;
    streaming a large file turns it off so memory stays flat.
    """
    batch = _Batch(store, source, tenant, indexer, collect)
    items: Iterable[tuple[int, Any]] = records if numbered else enumerate(records)  # type: ignore[assignment]
    for index, record in items:
        batch.add(index, record)
    return batch.finish()


def ingest_paths(
    store: Store,
    paths: Iterable[Path | str],
    *,
    fmt: str = "auto",
    indexer: Indexer | None = None,
    tenant: str | None = None,
    on_progress: Callable[[int, int], None] | None = None,
) -> IngestSummary:
    """Ingest files; `on_progress(bytes_read, bytes_total)` is called as they stream."""
    files = [Path(p) for p in paths]
    for path in files:
        if not path.is_file():
            raise FileNotFoundError(f"no such file: {path}")
    total = sum(p.stat().st_size for p in files)
    done = 0
    merged = IngestSummary()
    for path in files:
        chosen = detect_format(path) if fmt == "auto" else fmt
        with path.open("r", encoding="utf-8-sig", newline="" if chosen == "csv" else None) as handle:

            def progress(items: Iterator[tuple[int, Any]], offset: int = done) -> Iterator[tuple[int, Any]]:
                for n, item in enumerate(items):
                    if on_progress and n % 200 == 0:
                        on_progress(offset + _position(handle), total)
                    yield item

            summary = ingest_records(
                store,
                progress(read_records(handle, chosen)),
                source=str(path),
                indexer=indexer,
                tenant=tenant,
                numbered=True,
                collect=False,
            )
        done += path.stat().st_size
        if on_progress:
            on_progress(done, total)
        _merge(merged, summary)
    return merged


def _position(handle: Any) -> int:
    try:
        return int(handle.buffer.tell())
    except (OSError, AttributeError, ValueError):
        return 0


def _merge(into: IngestSummary, part: IngestSummary) -> None:
    into.accepted += part.accepted
    into.updated += part.updated
    into.unchanged += part.unchanged
    into.rejected += part.rejected
    into.errors.extend(part.errors)
    into.index_errors.extend(part.index_errors)
    into.changed_pks.extend(part.changed_pks)
    into.batch_id = part.batch_id if into.batch_id is None else into.batch_id
