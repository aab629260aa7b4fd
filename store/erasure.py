"""Erasure (right to be forgotten): a patient's or an interaction's data removed from every store, audited.

`erase_patient` and `erase_interaction` find the interactions (a patient by the pseudonym of the ref the
hospital gives), then, in this order:

1. delete their vectors in every Chroma collection of the tenant (if the vector store fails, nothing is
   erased and the caller gets the error: it can simply retry);
2. delete their rows, turns (and so their full-text entries), theme assignments, cached embeddings and
   ingest errors, and rewrite every analysis result, action, action note and theme that quotes them (quotes
   become "[supprimé]" / "[erased]", ids leave id lists, counts and ranks stay) — one transaction;
3. delete the agent checkpoint threads (chat conversations, analysis runs) whose state mentions them, and
   report files under PARCOURS_HOME that quote them;
4. compact, so the bytes leave the files (see `store.compaction`).

An audit row in `erasures` records who asked, when, the scope, the counts and any problem — never the
erased content: the subject is a keyed digest of the ref or id, which whoever holds the pseudonym key can
recompute to answer "was this patient erased?". A record sent again after its erasure is stored again:
erasure is also a request to the sending system.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, Field
from sqlalchemy import select, update

from core.privacy import redact
from core.privacy.pseudonyms import audit_digest, is_pseudonym, pseudonym
from core.settings import Settings
from store import erasure_steps as steps
from store.db import Store
from store.erasure_steps import DerivedTexts, Erased, ErasureFailed
from store.erasure_terms import unique_terms
from store.kpi_rollup import refresh_store
from store.pseudonyms import store_key
from store.schema import ErasureRow, InteractionRow
from store.scrub import Scrubber, marker, shingles

__all__ = [
    "DerivedTexts",
    "ErasureFailed",
    "ErasureReport",
    "NothingToErase",
    "erase_interaction",
    "erase_patient",
    "run_erasure",
]


class NothingToErase(LookupError):
    """No stored interaction matches the patient ref or interaction id."""


class ErasureReport(BaseModel):
    """What an erasure did (the audit row, as the API and `parcours erase --json` return it)."""

    erasure_id: str = Field(description="Id of the audit row in `erasures`.")
    tenant: str | None = Field(description="Tenant erased from (null: every tenant, from the command line).")
    scope: str = Field(description="patient, interaction or retention.")
    interactions: int = Field(description="Interactions erased.")
    counts: dict[str, int] = Field(description="What was removed or rewritten, per store.")
    complete: bool = Field(description="False when a step after the deletion failed (see problems).")
    problems: list[str] = Field(default_factory=list, description="What could not be done, and why.")


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def _tenants(store: Store) -> list[str]:
    with store.session() as session:
        return sorted(session.execute(select(InteractionRow.tenant).distinct()).scalars())


def erase_patient(
    *,
    store: Store,
    settings: Settings,
    tenant: str | None,
    patient_ref: str,
    requested_by: str,
    reason: str | None = None,
    chroma: Any | None = None,
    derived_texts: DerivedTexts | None = None,
) -> ErasureReport:
    """Erase every interaction of a patient given the hospital's ref (in every tenant if `tenant` is None)."""
    key = store_key(store)
    tenants = [tenant] if tenant is not None else _tenants(store)
    pairs = {(t, pseudonym(patient_ref, key=key, tenant=t, kind="patient")) for t in tenants}
    if is_pseudonym(patient_ref.strip(), "patient"):  # the pseudonym the API shows works as well
        pairs |= {(t, patient_ref.strip()) for t in tenants}
    with store.session() as session:
        pks = sorted(
            pk
            for t, hashed in pairs
            for pk in session.execute(
                select(InteractionRow.pk).where(
                    InteractionRow.tenant == t, InteractionRow.patient_ref == hashed
                )
            ).scalars()
        )
    if not pks:
        raise NothingToErase("no interaction of this patient is stored")
    return run_erasure(
        store=store,
        settings=settings,
        pks=pks,
        tenant=tenant,
        scope="patient",
        subject=audit_digest(patient_ref, key=key, tenant=tenant, scope="patient"),
        extra_refs={patient_ref.strip()} | {hashed for _, hashed in pairs},
        requested_by=requested_by,
        reason=reason,
        chroma=chroma,
        derived_texts=derived_texts,
    )


def erase_interaction(
    *,
    store: Store,
    settings: Settings,
    tenant: str | None,
    interaction_id: str,
    requested_by: str,
    reason: str | None = None,
    chroma: Any | None = None,
    derived_texts: DerivedTexts | None = None,
) -> ErasureReport:
    """Erase one interaction by its id (in one tenant, or in every tenant if `tenant` is None)."""
    query = select(InteractionRow.pk).where(InteractionRow.ext_id == interaction_id)
    if tenant is not None:
        query = query.where(InteractionRow.tenant == tenant)
    with store.session() as session:
        pks = sorted(session.execute(query).scalars())
    if not pks:
        raise NothingToErase(f"interaction {interaction_id!r} is not stored")
    key = store_key(store)
    return run_erasure(
        store=store,
        settings=settings,
        pks=pks,
        tenant=tenant,
        scope="interaction",
        subject=audit_digest(interaction_id, key=key, tenant=tenant, scope="interaction"),
        requested_by=requested_by,
        reason=reason,
        chroma=chroma,
        derived_texts=derived_texts,
    )


def run_erasure(
    *,
    store: Store,
    settings: Settings,
    pks: list[int],
    tenant: str | None,
    scope: str,
    subject: str | None,
    requested_by: str,
    reason: str | None = None,
    extra_refs: set[str] | None = None,
    chroma: Any | None = None,
    derived_texts: DerivedTexts | None = None,
    passages: bool = True,
) -> ErasureReport:
    """Erase these interactions and every copy of them (the steps of the module docstring), audited."""
    erasure_id = f"er-{uuid.uuid4().hex[:12]}"
    with store.session() as session:
        session.add(
            ErasureRow(
                id=erasure_id,
                tenant=tenant,
                scope=scope,
                subject=subject,
                requested_by=requested_by[:200],
                reason=redact(reason)[:2000] if reason else None,
                interactions=0,
                counts={},
                status="running",
                problems=[],
                requested_at=_now(),
            )
        )
    if chroma is None:
        chroma = default_chroma(settings)
    erased = Erased()
    problems: list[str] = []
    try:
        for start in range(0, len(pks), 2000):
            steps.delete_interactions(
                store=store,
                pks=pks[start : start + 2000],
                chroma=chroma,
                derived_texts=derived_texts,
                erased=erased,
                keep_texts=passages,
            )
    except ErasureFailed as exc:
        _finish(store, erasure_id, erased, [str(exc)], status="failed")
        raise
    refresh_store(store)  # the KPI rollups drop the erased contacts (and the change log its patient refs)
    problems += scrub_everywhere(
        store=store, settings=settings, erased=erased, extra_refs=extra_refs or set(), passages=passages
    )
    if settings.erasure_compact:
        problems += steps.compact(store=store, settings=settings, erased=erased)
    _finish(store, erasure_id, erased, problems, status="partial" if problems else "done")
    return ErasureReport(
        erasure_id=erasure_id,
        tenant=tenant,
        scope=scope,
        interactions=erased.counts.get("interactions", 0),
        counts=dict(sorted(erased.counts.items())),
        complete=not problems,
        problems=problems,
    )


def scrub_everywhere(
    *, store: Store, settings: Settings, erased: Erased, extra_refs: set[str], passages: bool
) -> list[str]:
    """Rewrite every copy of the erased interactions; returns problems."""
    if not erased.ids:
        return []
    problems: list[str] = []
    language = next(iter(erased.languages.values()), None) or settings.language
    scrubber = Scrubber(
        ids=frozenset(erased.ids),
        refs=frozenset(erased.refs | extra_refs),
        passages=frozenset(shingles(erased.texts)) if passages else frozenset(),
        terms=frozenset(unique_terms(store=store, tenants=erased.tenants, texts=erased.texts))
        if passages
        else frozenset(),
        language=language,
        markers={i: marker(lang or settings.language) for i, lang in erased.languages.items()},
    )
    steps.scrub_tables(store=store, scrubber=scrubber, tenants=erased.tenants, erased=erased)
    try:
        steps.scrub_checkpoints(store=store, settings=settings, scrubber=scrubber, erased=erased)
    except Exception as exc:
        problems.append(f"agent checkpoints could not be scrubbed: {exc}")
    try:
        steps.scrub_files(settings=settings, scrubber=scrubber, erased=erased)
    except OSError as exc:
        problems.append(f"report files could not be scrubbed: {exc}")
    return problems


def _finish(store: Store, erasure_id: str, erased: Erased, problems: list[str], *, status: str) -> None:
    with store.session() as session:
        session.execute(
            update(ErasureRow)
            .where(ErasureRow.id == erasure_id)
            .values(
                interactions=erased.counts.get("interactions", 0),
                counts=dict(sorted(erased.counts.items())),
                status=status,
                problems=problems,
                finished_at=_now(),
            )
        )


def default_chroma(settings: Settings) -> Any | None:
    """The Chroma client of the settings, or None when there is no vector index to erase from."""
    if settings.chroma_url is None and not (settings.home.expanduser() / "chroma").exists():
        return None
    from store.vector_index import make_client

    return make_client(settings)
