import json
from datetime import UTC, datetime

from sqlalchemy import func, select

from core.privacy.pseudonyms import is_pseudonym
from store.ingest import ingest_paths, ingest_records
from store.schema import IngestErrorRow, InteractionRow, TurnRow
from tests.factories import interaction

VALID_NIR = "1 85 05 78 006 084 91"  # key 91 = 97 - (1850578006084 mod 97)


def _count(store, model=InteractionRow):
    with store.session() as s:
        return s.scalar(select(func.count()).select_from(model))


def test_good_bad_and_mixed_records(store):
    records = [
        interaction(id="ok-1"),
        interaction(id="ok-2", channel="email", wait_seconds=None, first_response_seconds=3600),
        {"started_at": "2026-11-16T08:00:00+01:00", "text": "pas d'id"},
        interaction(id="bad-ts", started_at="2026-11-16 08:00"),
        interaction(id="bad-csat", csat=9),
        interaction(id="bad-nir", patient_ref=VALID_NIR),
        interaction(id="no-text", transcript=None),
        interaction(id="abandoned", transcript=None, abandoned=True),
    ]
    summary = ingest_records(store, records)
    assert (summary.accepted, summary.updated, summary.unchanged, summary.rejected) == (3, 0, 0, 5)
    errors = {e.index: e for e in summary.errors}
    assert set(errors) == {2, 3, 4, 5, 6}
    assert "id" in errors[2].error and errors[2].id is None
    assert errors[3].id == "bad-ts" and "started_at" in errors[3].error
    assert "csat" in errors[4].error
    assert "national identifier" in errors[5].error and "085" not in errors[5].error
    assert "transcript or text" in errors[6].error
    assert _count(store) == 3
    with store.session() as s:
        assert s.scalar(select(func.count()).select_from(IngestErrorRow)) == 5
        refs = s.scalars(select(InteractionRow.patient_ref)).all()
    assert refs and all(r is None or is_pseudonym(r, "patient") for r in refs)  # stored as keyed hashes


def test_reingesting_is_idempotent_and_changes_are_updates(store):
    records = [interaction(id=f"i{i}") for i in range(5)]
    first = ingest_records(store, records)
    assert first.accepted == 5 and len(first.changed_pks) == 5
    again = ingest_records(store, records)
    assert (again.accepted, again.updated, again.unchanged) == (0, 0, 5)
    assert again.changed_pks == []
    changed = [dict(r) for r in records]
    changed[2]["csat"] = 1
    changed[3]["transcript"] = [{"speaker": "patient", "text": "Nouveau texte"}]
    third = ingest_records(store, changed)
    assert (third.accepted, third.updated, third.unchanged) == (0, 2, 3)
    assert _count(store) == 5
    with store.session() as s:
        row = s.scalars(select(InteractionRow).where(InteractionRow.ext_id == "i3")).one()
        assert [t.text for t in row.turns] == ["Nouveau texte"]
        assert row.patient_text == "Nouveau texte"
        assert s.scalar(select(func.count()).select_from(TurnRow)) == 9


def test_same_id_in_two_tenants_are_two_interactions(store):
    ingest_records(store, [interaction(id="x", tenant="a"), interaction(id="x", tenant="b")])
    assert _count(store) == 2


def test_stored_text_is_redacted(store):
    record = interaction(
        id="pii",
        transcript=[
            {"speaker": "patient", "text": "Je m'appelle Jeanne Martin, mon numéro est le 06 12 34 56 78."},
            {"speaker": "agent", "text": "Merci, écrivez-nous à jeanne.martin@example.org."},
        ],
        reason="rappel au 06 12 34 56 78",
        attributes={"note": "joindre au 0612345678"},
    )
    ingest_records(store, [record])
    with store.session() as s:
        row = s.scalars(select(InteractionRow)).one()
        stored = json.dumps(
            [row.full_text, row.patient_text, row.reason, row.attributes, [t.text for t in row.turns]],
            ensure_ascii=False,
        )
    for raw in ("06 12 34 56 78", "0612345678", "jeanne.martin@example.org", "Jeanne Martin"):
        assert raw not in stored
    assert "<PHONE>" in stored and "<EMAIL>" in stored


def test_local_time_columns_use_the_tenant_time_zone(store):
    # Sunday 23:30 UTC is Monday 00:30 in Paris: ISO week 48, weekday 1
    summary = ingest_records(
        store, [interaction(id="tz", started=datetime(2026, 11, 22, 23, 30, tzinfo=UTC))]
    )
    assert summary.accepted == 1, summary.errors
    with store.session() as s:
        row = s.scalars(select(InteractionRow)).one()
    assert (row.iso_week, row.local_weekday, row.local_hour, str(row.local_date)) == (
        "2026-W48",
        1,
        0,
        "2026-11-23",
    )
    assert row.started_at.isoformat() == "2026-11-22T23:30:00"


def _without_tenant(record):
    return {k: v for k, v in record.items() if k != "tenant"}


def test_forced_tenant_rejects_records_of_another_tenant(store):
    summary = ingest_records(
        store,
        [
            interaction(id="a", tenant="chu"),
            interaction(id="b", tenant="other"),
            _without_tenant(interaction(id="c")),
        ],
        tenant="chu",
    )
    assert summary.accepted == 2 and summary.rejected == 1
    assert "tenant" in summary.errors[0].error
    with store.session() as s:
        assert set(s.scalars(select(InteractionRow.tenant))) == {"chu"}


def test_same_id_twice_in_one_batch_keeps_the_later(store):
    summary = ingest_records(store, [interaction(id="d", csat=1), interaction(id="d", csat=5)])
    assert summary.accepted == 1
    with store.session() as s:
        assert s.scalars(select(InteractionRow.csat)).one() == 5


class _FailingIndexer:
    def __init__(self):
        self.calls = []

    def index_pks(self, store, pks):
        self.calls.append(list(pks))
        raise RuntimeError("index down")


def test_index_failure_keeps_the_sql_records(store):
    indexer = _FailingIndexer()
    summary = ingest_records(store, [interaction(id=f"f{i}") for i in range(3)], indexer=indexer)
    assert summary.accepted == 3 and _count(store) == 3
    assert indexer.calls == [summary.changed_pks]
    assert summary.index_errors and "index down" in summary.index_errors[0]


def test_ingest_paths_streams_files_of_each_format(sqlite_store, tmp_path):
    jsonl = tmp_path / "a.jsonl"
    jsonl.write_text("\n".join(json.dumps(interaction(id=f"j{i}")) for i in range(3)) + "\nnot json\n")
    arr = tmp_path / "b.json"
    arr.write_text(json.dumps([interaction(id="k1"), interaction(id="k2", csat=0)]))
    csv = tmp_path / "c.csv"
    csv.write_text("id,started_at,text,csat\nc1,2026-11-16T08:00:00+01:00,Bonjour,3\n")
    seen = []
    summary = ingest_paths(sqlite_store, [jsonl, arr, csv], on_progress=lambda d, t: seen.append((d, t)))
    assert (summary.accepted, summary.rejected) == (5, 2)
    assert [(e.index, e.id) for e in summary.errors] == [(4, None), (1, "k2")]
    assert seen[-1][0] == seen[-1][1] > 0
