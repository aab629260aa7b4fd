"""Retention: what is older than the hospital keeps it is purged, with the same thoroughness as an erasure.

- `PARCOURS_RETENTION_DAYS` (unset: kept): interactions that started earlier, and every copy of them, as
  an erasure by id would remove them;
- `PARCOURS_ANALYSIS_RETENTION_DAYS` (unset: kept): analyses created earlier, with their actions and
  action history;
- `PARCOURS_CHECKPOINT_RETENTION_DAYS` (30): agent threads (chat memory, resumable runs) last written
  earlier;
- `PARCOURS_INGEST_ERROR_RETENTION_DAYS` (90): ingestion batches started earlier, with their reports of
  rejected records.

`purge(store=…, settings=…, now=…)` applies them all and writes one audit row (scope "retention") to
`erasures`, which is itself kept. `parcours purge` runs it once; a server calls it daily.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from pydantic import BaseModel, Field
from sqlalchemy import delete, select, update

from core.settings import Settings
from store import analyses, checkpoints
from store import erasure_steps as steps
from store.db import Store
from store.erasure import default_chroma, scrub_everywhere
from store.erasure_steps import DerivedTexts, Erased, ErasureFailed
from store.kpi_rollup import refresh_store
from store.schema import ErasureRow, IngestBatchRow, InteractionRow

_BATCH = 2000


class PurgeReport(BaseModel):
    """What a purge removed (the `parcours purge --json` output)."""

    erasure_id: str = Field(description="Id of the audit row in `erasures`.")
    cutoffs: dict[str, str | None] = Field(description="Per kind of data, the oldest date kept (UTC).")
    counts: dict[str, int] = Field(description="What was removed or rewritten.")
    complete: bool = Field(description="False when a step failed (see problems).")
    problems: list[str] = Field(default_factory=list)


def _cutoff(now: datetime, days: int | None) -> datetime | None:
    return now - timedelta(days=days) if days else None


def purge(
    *,
    store: Store,
    settings: Settings,
    now: datetime | None = None,
    chroma: Any | None = None,
    derived_texts: DerivedTexts | None = None,
    requested_by: str = "retention",
) -> PurgeReport:
    """Delete what the retention settings no longer keep (`now`: naive or aware UTC; default the clock)."""
    now = datetime.now(UTC) if now is None else now
    if now.tzinfo is not None:
        now = now.astimezone(UTC).replace(tzinfo=None)
    cutoffs = {
        "interactions": _cutoff(now, settings.retention_days),
        "analyses": _cutoff(now, settings.analysis_retention_days),
        "checkpoints": _cutoff(now, settings.checkpoint_retention_days),
        "ingest_batches": _cutoff(now, settings.ingest_error_retention_days),
    }
    erasure_id = f"er-{uuid.uuid4().hex[:12]}"
    with store.session() as session:
        session.add(
            ErasureRow(
                id=erasure_id,
                tenant=None,
                scope="retention",
                subject=None,
                requested_by=requested_by,
                reason=None,
                interactions=0,
                counts={},
                status="running",
                problems=[],
                requested_at=now,
            )
        )
    erased = Erased()
    problems: list[str] = []
    if cutoffs["interactions"] is not None:
        problems += _purge_interactions(
            store, settings, cutoffs["interactions"], erased, chroma, derived_texts
        )
        refresh_store(store)  # the KPI rollups recompute the days purged and the patients' other contacts
    if cutoffs["analyses"] is not None:
        erased.add("analyses_deleted", analyses.delete_before(store, cutoffs["analyses"]))
    if cutoffs["checkpoints"] is not None:
        try:
            threads = checkpoints.old_threads(store=store, settings=settings, before=cutoffs["checkpoints"])
            erased.add(
                "checkpoint_threads_deleted",
                checkpoints.delete_threads(store=store, settings=settings, threads=threads),
            )
        except Exception as exc:
            problems.append(f"agent checkpoints could not be purged: {exc}")
    if cutoffs["ingest_batches"] is not None:
        with store.session() as session:
            old = delete(IngestBatchRow).where(IngestBatchRow.started_at < cutoffs["ingest_batches"])
            erased.add("ingest_batches_deleted", int(getattr(session.execute(old), "rowcount", 0) or 0))
    if settings.erasure_compact and any(erased.counts.values()):
        problems += steps.compact(store=store, settings=settings, erased=erased)
    counts = dict(sorted(erased.counts.items()))
    with store.session() as session:
        session.execute(
            update(ErasureRow)
            .where(ErasureRow.id == erasure_id)
            .values(
                interactions=counts.get("interactions", 0),
                counts=counts,
                status="partial" if problems else "done",
                problems=problems,
                finished_at=datetime.now(UTC).replace(tzinfo=None),
            )
        )
    return PurgeReport(
        erasure_id=erasure_id,
        cutoffs={k: v.isoformat() if v else None for k, v in cutoffs.items()},
        counts=counts,
        complete=not problems,
        problems=problems,
    )


def _purge_interactions(
    store: Store,
    settings: Settings,
    cutoff: datetime,
    erased: Erased,
    chroma: Any | None,
    derived_texts: DerivedTexts | None,
) -> list[str]:
    if chroma is None:
        chroma = default_chroma(settings)
    previous: list[int] = []
    while True:
        with store.session() as session:
            pks = list(
                session.execute(
                    select(InteractionRow.pk)
                    .where(InteractionRow.started_at < cutoff)
                    .order_by(InteractionRow.pk)
                    .limit(_BATCH)
                ).scalars()
            )
        if not pks:
            break
        if pks == previous:  # nothing could be deleted: stop rather than loop
            return [f"{len(pks)} interactions past the retention could not be deleted"]
        previous = pks
        try:
            steps.delete_interactions(
                store=store,
                pks=pks,
                chroma=chroma,
                derived_texts=derived_texts,
                erased=erased,
                keep_texts=False,
            )
        except ErasureFailed as exc:
            return [str(exc)]
    return scrub_everywhere(store=store, settings=settings, erased=erased, extra_refs=set(), passages=False)
