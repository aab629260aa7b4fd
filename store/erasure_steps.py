"""The steps of an erasure: delete the interactions and what is keyed on them, then scrub the copies.

`delete_interactions` removes, for a set of interactions, their vectors in every Chroma collection of their
tenant, their rows, turns (and so their full-text entries), theme assignments, cached embeddings and ingest
errors. `scrub_copies` rewrites what quotes them: analysis results, actions and their events, the theme
registry, agent checkpoints and report files. `compact` makes the deleted bytes leave the files.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import delete, or_, select
from sqlalchemy.orm import Session

from core.settings import Settings
from core.text import fold
from store import analyses, checkpoints
from store.compaction import (
    compact_sqlite_store,
    flush_chroma_collection,
    vacuum_chroma_file,
    vacuum_postgres,
)
from store.db import Store
from store.embedder import text_hash
from store.lexical import change_term_counts, count_turns
from store.schema import (
    ActionEventRow,
    ActionRow,
    EmbeddingCacheRow,
    IngestBatchRow,
    IngestErrorRow,
    InteractionRow,
    ThemeAssignmentRow,
    ThemeRow,
    TurnRow,
)
from store.scrub import Scrubber
from store.vector_index import chunk_turns

log = logging.getLogger(__name__)

DerivedTexts = Callable[[str, str, str | None], list[str]]
"""(patient_text, full_text, language) → other texts embedded for an interaction (e.g. its theme text)."""

_PART = 500
_WORD = re.compile(r"\w+")
TOUCHED_TABLES = (
    "interactions",
    "turns",
    "term_counts",
    "theme_assignments",
    "embedding_cache",
    "ingest_errors",
    "ingest_batches",
    "analyses",
    "actions",
    "action_events",
    "themes",
    "erasures",
    "checkpoints",
    "checkpoint_blobs",
    "checkpoint_writes",
    "kpi_dirty",  # the rollups' change log held the patient refs until the refresh consumed them
)
"""Tables an erasure may rewrite (PostgreSQL compaction)."""


class ErasureFailed(RuntimeError):
    """A step that must succeed before anything is deleted (the vector store) failed: nothing was erased."""


@dataclass
class Erased:
    """What was deleted, for scrubbing the copies afterwards."""

    ids: set[str] = field(default_factory=set)
    tenants: set[str] = field(default_factory=set)
    refs: set[str] = field(default_factory=set)
    languages: dict[str, str | None] = field(default_factory=dict)
    texts: list[str] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    collections: list[Any] = field(default_factory=list)

    def add(self, name: str, value: int) -> None:
        """Add to one of the counts."""
        self.counts[name] = self.counts.get(name, 0) + value


def _parts(values: Sequence[Any]) -> list[list[Any]]:
    return [list(values[i : i + _PART]) for i in range(0, len(values), _PART)]


def tenant_collections(chroma: Any, tenants: set[str]) -> list[Any]:
    """Every Chroma collection (any embedding model) holding vectors of these tenants."""
    found = []
    for item in chroma.list_collections():
        meta = item.metadata or {}
        if meta.get("tenant") in tenants:
            found.append(chroma.get_collection(item.name, embedding_function=None))
    return found


def delete_interactions(
    *,
    store: Store,
    pks: list[int],
    chroma: Any | None,
    derived_texts: DerivedTexts | None,
    erased: Erased,
    keep_texts: bool,
) -> None:
    """Delete these interactions everywhere they are keyed (vectors first: if that fails, nothing goes)."""
    with store.session() as session:
        rows = session.execute(
            select(
                InteractionRow.pk,
                InteractionRow.tenant,
                InteractionRow.ext_id,
                InteractionRow.patient_ref,
                InteractionRow.language,
                InteractionRow.patient_text,
                InteractionRow.full_text,
            ).where(InteractionRow.pk.in_(pks))
        ).all()
        turns = session.execute(
            select(TurnRow.interaction_pk, TurnRow.seq, TurnRow.speaker, TurnRow.text)
            .where(TurnRow.interaction_pk.in_(pks))
            .order_by(TurnRow.interaction_pk, TurnRow.seq)
        ).all()
    if not rows:
        return
    by_pk: dict[int, list[tuple[int, str, str]]] = {}
    for pk, seq, speaker, body in turns:
        by_pk.setdefault(pk, []).append((seq, speaker, body))
    hashes: set[str] = set()
    tenants = {row.tenant for row in rows}
    for row in rows:
        erased.ids.add(row.ext_id)
        erased.languages[row.ext_id] = row.language
        if row.patient_ref:
            erased.refs.add(row.patient_ref)
        own = [c.text for c in chunk_turns(by_pk.get(row.pk, []))]
        own += [row.patient_text or ""]
        if derived_texts is not None:
            own += derived_texts(row.patient_text or "", row.full_text or "", row.language)
        hashes.update(text_hash(t) for t in own if t)
        if keep_texts:
            erased.texts += [body for _, _, body in by_pk.get(row.pk, [])]
    erased.tenants |= tenants
    if chroma is not None:
        _delete_vectors(chroma, tenants, [row.pk for row in rows], erased)
    with store.session() as session:
        _delete_rows(session, {row.pk: row.tenant for row in rows}, hashes, erased, tenants)


def _delete_vectors(chroma: Any, tenants: set[str], pks: list[int], erased: Erased) -> None:
    try:
        collections = tenant_collections(chroma, tenants)
        for collection in collections:
            for part in _parts(pks):
                where = {"pk": {"$in": part}}
                found = collection.get(where=where, include=[])["ids"]
                if found:
                    collection.delete(ids=found)
                    erased.add("vectors", len(found))
    except Exception as exc:
        raise ErasureFailed(f"the vector index could not be updated, nothing was erased: {exc}") from exc
    names = {c.name for c in erased.collections}
    erased.collections += [c for c in collections if c.name not in names]


def _deleted(session: Session, statement: Any) -> int:
    return int(getattr(session.execute(statement), "rowcount", 0) or 0)


def _delete_rows(
    session: Session, tenant_of: dict[int, str], hashes: set[str], erased: Erased, tenants: set[str]
) -> None:
    dialect = session.get_bind().dialect.name
    for part in _parts(sorted(tenant_of)):
        if dialect == "postgresql":  # an ingestion replacing these turns now waits, or has committed
            locked = select(InteractionRow.pk).where(InteractionRow.pk.in_(part)).with_for_update()
            session.execute(locked.order_by(InteractionRow.pk)).all()
        gone = delete(TurnRow).where(TurnRow.interaction_pk.in_(part))
        texts = session.execute(gone.returning(TurnRow.interaction_pk, TurnRow.text)).all()
        erased.add("turns", len(texts))
        # No count of the erased words outlives them: a word no other turn of the tenant holds leaves.
        counts = count_turns((tenant_of[pk], body) for pk, body in texts)
        change_term_counts(session, dialect, {key: -n for key, n in counts.items()})
        session.execute(delete(ThemeAssignmentRow).where(ThemeAssignmentRow.interaction_pk.in_(part)))
        erased.add(
            "interactions", _deleted(session, delete(InteractionRow).where(InteractionRow.pk.in_(part)))
        )
    for part in _parts(sorted(hashes)):
        statement = delete(EmbeddingCacheRow).where(EmbeddingCacheRow.text_hash.in_(part))
        erased.add("cached_embeddings", _deleted(session, statement))
    batches = select(IngestBatchRow.id).where(
        or_(IngestBatchRow.tenant.in_(sorted(tenants)), IngestBatchRow.tenant.is_(None))
    )
    for part in _parts(sorted(erased.ids)):
        statement = delete(IngestErrorRow).where(
            IngestErrorRow.ext_id.in_(part), IngestErrorRow.batch_id.in_(batches)
        )
        erased.add("ingest_errors", _deleted(session, statement))


def scrub_tables(*, store: Store, scrubber: Scrubber, tenants: set[str], erased: Erased) -> None:
    """Rewrite analyses, actions, action events and themes of the tenants that mention erased data."""
    rewritten = analyses.rewrite(store, tenants=tenants, document=scrubber.document, text=scrubber.text)
    if rewritten:
        erased.add("analyses_rewritten", rewritten)
    with store.session() as session:
        for action in session.execute(
            select(ActionRow).where(ActionRow.tenant.in_(sorted(tenants)))
        ).scalars():
            data, title = scrubber.document(action.data), scrubber.text(action.title)
            if data != action.data or title != action.title:
                action.data, action.title = data, title
                erased.add("actions_rewritten", 1)
        events = select(ActionEventRow).join(ActionRow, ActionRow.id == ActionEventRow.action_id)
        for event in session.execute(events.where(ActionRow.tenant.in_(sorted(tenants)))).scalars():
            note = scrubber.text(event.note) if event.note else event.note
            if note != event.note:
                event.note = note
                erased.add("action_events_rewritten", 1)
        if scrubber.terms:
            for theme in session.execute(
                select(ThemeRow).where(ThemeRow.tenant.in_(sorted(tenants)))
            ).scalars():
                keywords = [k for k in theme.keywords or [] if fold(k) not in scrubber.terms]
                lexical = dict(theme.lexical or {})
                lexical["terms"] = scrubber.term_profile(lexical.get("terms") or {})
                label = scrubber.text(theme.label, passages=False)
                if keywords != theme.keywords or lexical != theme.lexical or label != theme.label:
                    theme.keywords, theme.lexical, theme.label = keywords, lexical, label[:300]
                    erased.add("themes_rewritten", 1)


def scrub_files(*, settings: Settings, scrubber: Scrubber, erased: Erased) -> None:
    """Delete report files under PARCOURS_HOME that quote erased data (they are rendered again on demand)."""
    folder = settings.home.expanduser() / "reports"
    if not folder.is_dir():
        return
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        try:
            body = path.read_text(encoding="utf-8", errors="ignore")
        except OSError:
            continue
        if scrubber.hits(body) or scrubber.text(body) != body:
            path.unlink(missing_ok=True)
            erased.add("report_files_deleted", 1)


def scrub_checkpoints(*, store: Store, settings: Settings, scrubber: Scrubber, erased: Erased) -> None:
    """Delete the agent threads (chat conversations, analysis runs) whose state mentions erased data."""
    threads = checkpoints.matching_threads(store=store, settings=settings, hits=scrubber.hits)
    erased.add(
        "checkpoint_threads_deleted",
        checkpoints.delete_threads(store=store, settings=settings, threads=threads),
    )


def compact(*, store: Store, settings: Settings, erased: Erased) -> list[str]:
    """Make the deleted bytes leave the files; returns problems (empty when all went well)."""
    problems: list[str] = []
    for collection in erased.collections:
        try:
            flush_chroma_collection(collection)
        except Exception as exc:
            problems.append(f"the Chroma collection {collection.name} could not be flushed: {exc}")
    if erased.collections and settings.chroma_url is None:
        problems += vacuum_chroma_file(settings.chroma_path / "chroma.sqlite3")
    if store.dialect == "postgresql":
        problems += vacuum_postgres(store, TOUCHED_TABLES)
    else:
        problems += compact_sqlite_store(store)
    return problems
