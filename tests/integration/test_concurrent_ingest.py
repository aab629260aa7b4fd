"""Processes sending overlapping batches of new and changed records at once: nothing fails, nothing is lost.

Each client process opens its own store (as separate API workers would) and sends batches whose ids overlap
the other clients' — new ids that several clients insert at the same moment, and ids that one client updates
while another re-sends them. Every record must end up stored exactly once, with exactly its own turns.
"""

from __future__ import annotations

import multiprocessing
import time
from typing import Any

import pytest
from sqlalchemy import func, select

from store.db import Store
from store.schema import InteractionRow, TurnRow

CLIENTS = 6
ROUNDS = 4
BATCH = 150
IDS = 600


def _client(url: str, home: str, client: int, queue: Any) -> None:
    import os

    os.environ["PARCOURS_HOME"] = home
    from core.settings import get_settings
    from store.ingest import ingest_records
    from tests.factories import interaction

    store = Store(url, settings=get_settings())
    outcome = {"client": client, "errors": [], "rejected": 0, "stored": 0}
    try:
        for round_ in range(ROUNDS):
            first = (client * 97 + round_ * 131) % (IDS - BATCH)
            batch = [
                interaction(
                    id=f"shared-{n:05d}",
                    csat=1 + (n + round_) % 5,  # later rounds change some records: updates race too
                    started=None,
                    transcript=[
                        {"speaker": "patient", "text": f"Bonjour, demande {n} de rendez-vous."},
                        {"speaker": "agent", "text": "Je regarde."},
                    ],
                )
                for n in range(first, first + BATCH)
            ]
            summary = ingest_records(store, batch)
            outcome["rejected"] += summary.rejected
            outcome["stored"] += summary.accepted + summary.updated + summary.unchanged
    except BaseException as exc:  # the failure this test is about, reported to the parent
        outcome["errors"].append(f"{type(exc).__name__}: {exc}")
    finally:
        store.close()
        queue.put(outcome)


@pytest.mark.parametrize("backend", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def test_concurrent_processes_store_every_record_exactly_once(
    backend: str, request: pytest.FixtureRequest, settings
) -> None:
    store: Store = request.getfixturevalue("sqlite_store" if backend == "sqlite" else "pg_store")
    url = store.engine.url.render_as_string(hide_password=False)
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    started = time.perf_counter()
    processes = [
        context.Process(target=_client, args=(url, str(settings.home_dir), n, queue)) for n in range(CLIENTS)
    ]
    for process in processes:
        process.start()
    outcomes = [queue.get(timeout=600) for _ in processes]
    for process in processes:
        process.join(timeout=60)
    elapsed = time.perf_counter() - started
    errors = [e for o in outcomes for e in o["errors"]]
    assert errors == []
    assert sum(o["rejected"] for o in outcomes) == 0
    assert sum(o["stored"] for o in outcomes) == CLIENTS * ROUNDS * BATCH
    sent = {
        f"shared-{n:05d}"
        for c in range(CLIENTS)
        for r in range(ROUNDS)
        for n in range((c * 97 + r * 131) % (IDS - BATCH), (c * 97 + r * 131) % (IDS - BATCH) + BATCH)
    }
    with store.session() as s:
        stored = s.scalars(select(InteractionRow.ext_id)).all()
        turns = dict(
            s.execute(select(TurnRow.interaction_pk, func.count()).group_by(TurnRow.interaction_pk))
            .tuples()
            .all()
        )
    assert sorted(stored) == sorted(sent)  # each sent id once, none lost
    assert set(turns.values()) == {2} and len(turns) == len(sent)  # no turn lost or doubled
    print(
        f"\n{backend}: {CLIENTS} processes x {ROUNDS} overlapping batches of {BATCH} "
        f"({CLIENTS * ROUNDS * BATCH} records, {len(sent)} distinct) in {elapsed:.1f} s: 0 errors, 0 lost"
    )
