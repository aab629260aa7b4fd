"""Theme vectors computed ahead of the analysis, as interactions arrive.

Theme discovery reads one vector per interaction: its theme text (and, for a French text the glossary knows,
its English gloss) embedded with the theme model(s) (`analytics.theme_text.theme_features`). Computing them
when the weekly analysis runs costs the models' encoding of every new text of the week (about 45 minutes for
100 000 texts with multilingual-e5-small on two cores), so they are computed after each ingestion instead
and written to the embedding cache, where the analysis finds them:

- `parcours ingest` computes them after the records are stored (or queues the job for `parcours worker`
  when a task queue is configured); the API's ingestion queues the job (or runs it in a background thread
  of `parcours serve`). Ingestion itself (SQL, the vector index) does not wait for them.
- The job (`fill_theme_vectors`) reads the interactions not marked yet (`themed_hash` NULL: new, or updated
  since), computes what the cache lacks, and marks each one with the content hash it read and the theme
  text it computed (`theme_text`), which the analysis reads back with its period (`analytics.dataset`, only
  while the mark is the current content's) instead of
  computing the topic text of every interaction of its window again.
- An analysis computes whatever is still missing itself (`embed_with_cache` encodes what the cache lacks),
  so nothing depends on the job having run.

The cache is keyed by the text's hash: an erasure drops the vectors of the erased interactions' theme texts
and glosses (`analytics.erasure_texts.embedded_texts`). The stored theme text lives on the interaction's row:
an erasure or a purge deletes it with the row, an update of the interaction clears it. A change of the theme
text's rules (`analytics.topic_text`) must come with a migration that clears `themed_hash`, so the job
stores the texts again (as `0007_theme_texts` does).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import bindparam, func, select, update

from analytics.theme_text import theme_features, theme_text
from store.db import Store
from store.embedder import Embedder
from store.schema import InteractionRow

log = logging.getLogger(__name__)

BATCH = 2000
"""Interactions read, embedded and marked per step (memory stays flat; a stopped job keeps its steps)."""


@dataclass
class Filled:
    """What a run of the job did."""

    interactions: int = 0
    """Interactions marked (their theme vectors are in the cache)."""
    texts: int = 0
    """Theme texts looked up (each distinct text is encoded once per model, the first time it is seen)."""
    seconds: float = 0.0


def pending(store: Store) -> int:
    """How many interactions still wait for their theme vectors."""
    query = select(func.count()).select_from(InteractionRow).where(InteractionRow.themed_hash.is_(None))
    with store.session() as session:
        return int(session.execute(query).scalar_one())


def fill_theme_vectors(
    *,
    store: Store,
    embedder: Embedder,
    batch: int = BATCH,
    on_progress: Callable[[int], None] | None = None,
    stop: Callable[[], bool] | None = None,
) -> Filled:
    """Put the theme vectors of every interaction not marked yet in the embedding cache; mark them.

    One pass in primary-key order: an interaction updated while its step runs keeps its mark empty (the
    mark is written only where the content hash is still the one read) and is taken by the next run.
    `stop` is asked before each step (a stopped run keeps the steps it finished).
    """
    began = time.perf_counter()
    done = Filled()
    after = 0
    mark = (
        update(InteractionRow)
        .where(InteractionRow.pk == bindparam("b_pk"), InteractionRow.content_hash == bindparam("b_hash"))
        .values(themed_hash=bindparam("b_hash"), theme_text=bindparam("b_text"))
    )
    while stop is None or not stop():
        with store.session() as session:
            rows = session.execute(
                select(
                    InteractionRow.pk,
                    InteractionRow.content_hash,
                    InteractionRow.patient_text,
                    InteractionRow.full_text,
                    InteractionRow.language,
                )
                .where(InteractionRow.themed_hash.is_(None), InteractionRow.pk > after)
                .order_by(InteractionRow.pk)
                .limit(batch)
            ).all()
        if not rows:
            break
        after = rows[-1].pk
        read = [theme_text(row.patient_text, row.full_text) for row in rows]
        texts = [text for text in read if text]
        languages = [row.language for row, text in zip(rows, read, strict=True) if text]
        if texts:
            theme_features(store=store, embedder=embedder, texts=texts, languages=languages)
        with store.session() as session:
            session.connection().execute(
                mark,
                [
                    {"b_pk": row.pk, "b_hash": row.content_hash, "b_text": text}
                    for row, text in zip(rows, read, strict=True)
                ],
            )
        done.interactions += len(rows)
        done.texts += len(texts)
        if on_progress is not None:
            on_progress(done.interactions)
    done.seconds = time.perf_counter() - began
    if done.interactions:
        log.info(
            "theme vectors of %d interactions (%d texts) in %.1f s with %s",
            done.interactions,
            done.texts,
            done.seconds,
            embedder.name,
        )
    return done
