"""Ingestion holds under bad records and concurrent clients: bad records rejected alone, nothing lost."""

from __future__ import annotations

import json
import threading
from typing import Any

import pytest
from sqlalchemy import func, select

from core.privacy.pseudonyms import is_pseudonym
from store.ingest import ingest_paths, ingest_records
from store.pseudonyms import FINGERPRINT, PseudonymKeyError, ref_pseudonym
from store.schema import InteractionRow, PrivacyStateRow, TurnRow
from tests.factories import interaction


def _ids(store: Any) -> list[str]:
    with store.session() as s:
        return sorted(s.scalars(select(InteractionRow.ext_id)))


def _deep(depth: int) -> dict[str, Any]:
    return json.loads('{"a":' * depth + "1" + "}" * depth)


def test_each_bad_record_is_rejected_alone_and_its_neighbours_are_stored(store) -> None:
    records: list[Any] = [
        interaction(id="ok-1"),
        interaction(id="overflow", started_at="0001-01-01T00:30:00+01:00"),
        interaction(id="deep", attributes=_deep(500)),
        interaction(id="inf", wait_seconds=float("inf")),
        interaction(id="nan", csat=float("nan")),
        interaction(id="nul", transcript=[{"speaker": "patient", "text": "Bonjour\x00 !"}]),
        interaction(id="mail", patient_ref="jean.dupont@gmail.com"),
        interaction(id="06 12 34 56 78"),
        interaction(id="key", attributes={"joindre au 0612345678": "x"}),
        "not an object",
        interaction(id="ok-2", queue="cardiologie 06 12 34 56 78", reason="a@b.fr " * 42),
    ]
    summary = ingest_records(store, records)
    errors = {e.index: e.error for e in summary.errors}
    assert summary.accepted == 3 and summary.rejected == 8
    assert set(errors) == {1, 2, 3, 4, 6, 7, 8, 9}
    assert "between the years" in errors[1]
    assert "nested deeper" in errors[2]
    assert "finite" in errors[3] and "csat" in errors[4]
    assert "patient_ref holds contact details (EMAIL)" in errors[6] and "gmail" not in errors[6]
    assert "id holds contact details" in errors[7]
    assert "attribute name" in errors[8] and "a JSON object" in errors[9]
    assert _ids(store) == ["nul", "ok-1", "ok-2"]
    with store.session() as s:
        row = s.scalars(select(InteractionRow).where(InteractionRow.ext_id == "ok-2")).one()
        assert row.queue == "cardiologie <PHONE>" and len(row.reason) <= 300
        assert (
            s.scalar(
                select(TurnRow.text).where(
                    TurnRow.interaction_pk
                    == s.scalar(select(InteractionRow.pk).where(InteractionRow.ext_id == "nul"))
                )
            )
            == "Bonjour !"
        )


def test_a_record_the_database_refuses_is_rejected_and_the_chunk_kept(store, monkeypatch) -> None:
    import store.ingest as ingest

    real = ingest.write_chunk

    def picky(store_: Any, items: list[Any]) -> Any:
        if any(key[1] == "poison" for key, _ in items):
            raise ValueError("refused by the database")
        return real(store_, items)

    monkeypatch.setattr(ingest, "write_chunk", picky)
    records = [interaction(id=f"r{i}") for i in range(5)] + [interaction(id="poison")]
    summary = ingest_records(store, records)
    assert summary.accepted == 5 and summary.rejected == 1
    assert summary.errors[0].id == "poison" and "database refused" in summary.errors[0].error
    assert len(_ids(store)) == 5


def test_refs_are_stored_as_pseudonyms_and_journeys_still_link(store) -> None:
    ingest_records(store, [interaction(id="a", patient_ref="p-1"), interaction(id="b", patient_ref="p-1")])
    with store.session() as s:
        refs = s.scalars(select(InteractionRow.patient_ref)).all()
        agents = s.scalars(select(InteractionRow.agent_ref)).all()
    assert len(set(refs)) == 1 and is_pseudonym(refs[0], "patient") and "p-1" not in refs[0]
    assert refs[0] == ref_pseudonym(store, tenant="default", ref="p-1", kind="patient")
    assert all(is_pseudonym(a, "agent") for a in agents)


def test_another_key_is_refused_and_legacy_refs_are_hashed_once(store, settings) -> None:
    from store import pseudonyms

    with store.session() as s:  # a row stored by an earlier version, refs as sent
        s.add(InteractionRow(**_legacy_row()))
    pseudonyms._checked.clear()
    ingest_records(store, [interaction(id="new", patient_ref="p-legacy")])
    with store.session() as s:
        refs = {e: r for e, r in s.execute(select(InteractionRow.ext_id, InteractionRow.patient_ref))}
        assert s.get(PrivacyStateRow, FINGERPRINT) is not None
    assert refs["old"] == refs["new"] and is_pseudonym(refs["old"], "patient")
    pseudonyms._checked.clear()
    other = settings.model_copy(update={"pseudonym_key": "another key of enough length"})
    store.settings = other
    with pytest.raises(PseudonymKeyError, match="not the one the database was filled with"):
        ingest_records(store, [interaction(id="later")])
    assert "later" not in _ids(store)


def _legacy_row() -> dict[str, Any]:
    from datetime import date, datetime

    now = datetime(2026, 11, 1)
    return {
        "tenant": "default",
        "ext_id": "old",
        "channel": "phone",
        "direction": "inbound",
        "started_at": now,
        "local_date": date(2026, 11, 1),
        "local_hour": 9,
        "local_weekday": 7,
        "iso_week": "2026-W44",
        "patient_ref": "p-legacy",
        "agent_ref": "a-9",
        "content_hash": "x",
        "created_at": now,
        "updated_at": now,
        "attributes": {},
    }


def test_concurrent_clients_with_overlapping_batches_store_each_record_once(store) -> None:
    """Eight threads send overlapping batches of new ids at the same time: no error, no duplicate, no loss."""
    ids = [f"c-{i:04d}" for i in range(400)]
    batches = [[interaction(id=i) for i in ids[n * 40 : n * 40 + 200]] for n in range(8)]
    barrier = threading.Barrier(len(batches))
    failures: list[BaseException] = []
    summaries: list[Any] = []

    def client(batch: list[dict[str, Any]]) -> None:
        try:
            barrier.wait()
            summaries.append(ingest_records(store, batch))
        except BaseException as exc:  # any exception is the failure this test is about
            failures.append(exc)

    threads = [threading.Thread(target=client, args=(b,)) for b in batches]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    assert sum(s.rejected for s in summaries) == 0
    assert sum(s.accepted for s in summaries) == len(set().union(*[[r["id"] for r in b] for b in batches]))
    with store.session() as s:
        assert s.scalar(select(func.count()).select_from(InteractionRow)) == len(set(_ids(store)))
        assert s.scalar(select(func.count()).select_from(TurnRow)) == 2 * len(_ids(store))


def test_file_with_a_deeply_nested_line_keeps_the_others(sqlite_store, tmp_path) -> None:
    path = tmp_path / "mixed.jsonl"
    lines = [
        json.dumps(interaction(id="f1")),
        '{"a":' * 50_000 + "1" + "}" * 50_000,
        json.dumps(interaction(id="f2")),
    ]
    path.write_text("\n".join(lines) + "\n")
    summary = ingest_paths(sqlite_store, [path])
    assert summary.accepted == 2 and summary.rejected == 1
    assert summary.errors[0].index == 2 and "nested too deeply" in summary.errors[0].error
