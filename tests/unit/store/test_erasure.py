"""Erasure: every copy of a patient's data leaves every store and every file; the rest is untouched."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import pytest
from langchain_core.messages import AIMessage, HumanMessage
from langgraph.graph import START, MessagesState, StateGraph
from sqlalchemy import select

from agent.checkpoint import open_checkpointer
from core.privacy.pseudonyms import is_pseudonym
from store.embedder import FakeEmbedder
from store.erasure import NothingToErase, erase_interaction, erase_patient
from store.ingest import ingest_records
from store.pseudonyms import ref_pseudonym
from store.schema import ActionEventRow, ActionRow, AnalysisRow, ErasureRow, InteractionRow, ThemeRow
from store.vector_index import VectorIndex
from tests.factories import at, interaction
from tests.leaks import files_holding, relation_files_holding, tables_holding

REF = "HOSP-PAT-4242"
WORD = "zorglubine"
PASSAGE = "ma prescription de zorglubine est introuvable depuis le mardi gras dernier"
SECRET_IDS = ["erase-me-1", "erase-me-2"]


def _thread(store: Any, settings: Any, thread: str, text: str) -> None:
    """A real checkpoint thread (LangGraph saver of the store) whose state holds `text`."""
    graph = StateGraph(MessagesState)
    graph.add_node("answer", lambda state: {"messages": [AIMessage(content=text)]})
    graph.add_edge(START, "answer")
    with open_checkpointer(store, settings) as saver:
        app = graph.compile(checkpointer=saver)
        app.invoke({"messages": [HumanMessage(content="question")]}, {"configurable": {"thread_id": thread}})


def _seed(store: Any, settings: Any) -> tuple[VectorIndex, dict[str, Any]]:
    index = VectorIndex.from_settings(settings, FakeEmbedder())
    others = [interaction(id=f"other-{i}", started=at(16, 9, i)) for i in range(12)]
    mine = [
        interaction(
            id=SECRET_IDS[0],
            patient_ref=REF,
            language="fr",
            started=at(17, 10),
            transcript=[
                {"speaker": "patient", "text": f"Bonjour, {PASSAGE}."},
                {"speaker": "agent", "text": "Je transmets au service pharmacie."},
            ],
        ),
        interaction(
            id=SECRET_IDS[1], patient_ref=REF, language="en", started=at(18, 11), text="Still no zorglubine."
        ),
    ]
    assert ingest_records(store, others + mine, indexer=index).accepted == 14
    evidence = [
        {"interaction_id": SECRET_IDS[0], "quote": PASSAGE},
        {"interaction_id": "other-1", "quote": "ok"},
    ]
    result = {
        "analysis_id": "an-1",
        "themes": [
            {
                "theme_id": "th-1",
                "label": f"ordonnance {WORD}",
                "keywords": [WORD, "ordonnance"],
                "size": 3,
                "interaction_ids": [SECRET_IDS[0], "other-1", SECRET_IDS[1]],
                "quotes": evidence,
            },
        ],
        "unassigned_ids": ["other-2"],
        "frictions": [
            {"friction_id": "fr-1", "volume": 3, "interaction_ids": SECRET_IDS, "evidence": evidence}
        ],
        "notes": [f"model said: '{PASSAGE}' ({SECRET_IDS[1]})"],
    }
    now = datetime(2026, 11, 23)
    with store.session() as s:
        s.add(
            AnalysisRow(
                id="an-1",
                tenant="default",
                status="done",
                progress=1.0,
                period_start=date(2026, 11, 16),
                period_end=date(2026, 11, 22),
                result=result,
                created_at=now,
            )
        )
        s.flush()
        s.add(
            ActionRow(
                id="ac-1",
                tenant="default",
                analysis_id="an-1",
                title=f"Stock {WORD}",
                data={"evidence": evidence, "rationale": PASSAGE},
                created_at=now,
            )
        )
        s.flush()
        s.add(
            ActionEventRow(
                action_id="ac-1",
                old_status="proposed",
                new_status="accepted",
                by="Marie",
                note=f"vu avec le patient de {SECRET_IDS[0]}",
                at=now,
            )
        )
        s.add(
            ThemeRow(
                id="th-1",
                tenant="default",
                label=f"ordonnance {WORD}",
                keywords=[WORD, "ordonnance"],
                lexical={"terms": {WORD: 0.5, "ordonnance": 0.5}},
                created_at=now,
                updated_at=now,
            )
        )
    _thread(store, settings, "chat-about-patient", f"id={SECRET_IDS[0]} « {PASSAGE} »")
    _thread(store, settings, "chat-other", "id=other-3 « Bonjour »")
    reports = settings.home_dir / "reports"
    reports.mkdir()
    (reports / "report-2026-W47-an-1.md").write_text(f"> {PASSAGE} ({SECRET_IDS[0]})", encoding="utf-8")
    (reports / "report-2026-W46-an-0.md").write_text("> Bonjour (other-1)", encoding="utf-8")
    pseudonym = ref_pseudonym(store, tenant="default", ref=REF, kind="patient")
    return index, {"pseudonym": pseudonym, "needles": [*SECRET_IDS, REF, pseudonym, WORD, PASSAGE]}


def test_patient_erasure_leaves_no_byte_behind_and_keeps_the_rest(store, settings) -> None:
    index, seeded = _seed(store, settings)
    before = index.count("default")
    assert files_holding(settings.home_dir, seeded["needles"])  # the data really is everywhere first

    report = erase_patient(
        store=store,
        settings=settings,
        tenant="default",
        patient_ref=REF,
        requested_by="key:dpo",
        reason="demande n°12 de jean.dupont@gmail.com",
        chroma=index.client,
    )

    assert report.complete, report.problems
    assert report.interactions == 2 and report.counts["vectors"] == before - index.count("default") > 0
    assert report.counts["checkpoint_threads_deleted"] == 1 and report.counts["report_files_deleted"] == 1
    assert files_holding(settings.home_dir, seeded["needles"]) == {}
    assert tables_holding(store, seeded["needles"]) == {}
    if store.dialect == "postgresql":
        assert relation_files_holding(store, seeded["needles"]) in ({}, None)
    with store.session() as s:
        assert s.scalar(select(InteractionRow.pk).where(InteractionRow.ext_id == "other-1")) is not None
        result = s.get(AnalysisRow, "an-1").result
        action = s.get(ActionRow, "ac-1")
        event = s.scalars(select(ActionEventRow)).one()
        theme = s.get(ThemeRow, "th-1")
        audit = s.get(ErasureRow, report.erasure_id)
    theme_result = result["themes"][0]
    assert theme_result["size"] == 3 and theme_result["interaction_ids"] == ["other-1"]
    assert theme_result["quotes"] == [
        {"interaction_id": "[supprimé]", "quote": "[supprimé]"},
        {"interaction_id": "other-1", "quote": "ok"},
    ]
    assert theme_result["keywords"] == ["ordonnance"] and result["frictions"][0]["volume"] == 3
    assert result["frictions"][0]["interaction_ids"] == [] and result["unassigned_ids"] == ["other-2"]
    assert action.data["evidence"][0]["quote"] == "[supprimé]" and action.data["evidence"][1]["quote"] == "ok"
    assert (
        "[supprimé]" in event.note and theme.keywords == ["ordonnance"] and WORD not in theme.lexical["terms"]
    )
    assert audit.status == "done" and audit.requested_by == "key:dpo" and audit.interactions == 2
    assert (
        audit.subject and not is_pseudonym(audit.subject, "patient") and "gmail" not in (audit.reason or "")
    )
    assert (settings.home_dir / "reports" / "report-2026-W46-an-0.md").exists()
    with open_checkpointer(store, settings) as saver:
        kept = {c.config["configurable"]["thread_id"] for c in saver.list(None)}
    assert "chat-other" in kept and "chat-about-patient" not in kept
    with pytest.raises(NothingToErase):
        erase_patient(store=store, settings=settings, tenant="default", patient_ref=REF, requested_by="x")


def test_interaction_erasure_takes_one_and_the_pseudonym_works_as_a_ref(store, settings) -> None:
    index, seeded = _seed(store, settings)
    one = erase_interaction(
        store=store,
        settings=settings,
        tenant="default",
        interaction_id=SECRET_IDS[1],
        requested_by="cli:me",
        chroma=index.client,
    )
    assert one.interactions == 1 and one.scope == "interaction"
    with store.session() as s:
        left = s.scalars(select(InteractionRow.ext_id).where(InteractionRow.ext_id.in_(SECRET_IDS))).all()
    assert left == [SECRET_IDS[0]]
    with pytest.raises(NothingToErase):
        erase_interaction(
            store=store,
            settings=settings,
            tenant="other-tenant",
            interaction_id=SECRET_IDS[0],
            requested_by="x",
            chroma=index.client,
        )
    rest = erase_patient(
        store=store,
        settings=settings,
        tenant="default",
        patient_ref=seeded["pseudonym"],
        requested_by="api",
        chroma=index.client,
    )
    assert rest.interactions == 1
    assert files_holding(settings.home_dir, seeded["needles"]) == {}


def test_vector_store_failure_erases_nothing(sqlite_store, settings) -> None:
    from store.erasure import ErasureFailed

    index, _ = _seed(sqlite_store, settings)

    class Broken:
        def list_collections(self) -> list[Any]:
            raise ConnectionError("chroma is down")

    with pytest.raises(ErasureFailed, match="nothing was erased"):
        erase_patient(
            store=sqlite_store,
            settings=settings,
            tenant="default",
            patient_ref=REF,
            requested_by="x",
            chroma=Broken(),
        )
    with sqlite_store.session() as s:
        assert len(s.scalars(select(InteractionRow).where(InteractionRow.ext_id.in_(SECRET_IDS))).all()) == 2
        assert s.scalars(select(ErasureRow.status)).one() == "failed"


def _other_session(store: Any, *, database: str | None = None) -> Any:
    """A PostgreSQL session outside the store's pool (in another database if named); it takes a snapshot with
    its first statement."""
    import psycopg

    url = store.engine.url.set(drivername="postgresql")
    if database:
        url = url.set(database=database)
    conn = psycopg.connect(url.render_as_string(hide_password=False))
    conn.execute("BEGIN ISOLATION LEVEL REPEATABLE READ")
    return conn


def _held_write(store: Any, *, database: str | None = None) -> Any:
    """A transaction holding an id and no snapshot between statements (read committed, idle)."""
    held = _other_session(store, database=database)
    held.execute("ROLLBACK")
    held.execute("BEGIN ISOLATION LEVEL READ COMMITTED")
    held.execute("CREATE TEMP TABLE scratch (a int)")
    held.execute("INSERT INTO scratch VALUES (1)")
    return held


def _erase_while_held(store: Any, settings: Any, index: VectorIndex, held: Any) -> Any:
    """Erase while `held` stays open for one more second (rolled back, then closed)."""
    import threading

    closer = threading.Timer(1.0, held.rollback)
    closer.start()
    try:
        return _erase(store, settings, index)
    finally:
        closer.join()
        held.close()


def _erase(store: Any, settings: Any, index: VectorIndex) -> Any:
    return erase_patient(
        store=store,
        settings=settings,
        tenant="default",
        patient_ref=REF,
        requested_by="x",
        chroma=index.client,
    )


@pytest.mark.postgres
def test_an_older_snapshot_is_waited_for_before_the_tables_are_rewritten(pg_store, settings) -> None:
    """A transaction that may still see the erased rows would make VACUUM FULL copy them into new files."""
    index, seeded = _seed(pg_store, settings)
    reader = _other_session(pg_store)
    assert reader.execute("SELECT count(*) FROM interactions").fetchone()[0] > 0  # the snapshot is taken
    report = _erase_while_held(pg_store, settings, index, reader)
    assert report.complete, report.problems
    assert relation_files_holding(pg_store, seeded["needles"]) in ({}, None)


@pytest.mark.postgres
def test_a_transaction_of_another_database_is_waited_for(pg_store, settings) -> None:
    """Another database's running transaction holds back every new snapshot's horizon, VACUUM FULL's too."""
    index, seeded = _seed(pg_store, settings)
    report = _erase_while_held(pg_store, settings, index, _held_write(pg_store, database="postgres"))
    assert report.complete, report.problems
    assert relation_files_holding(pg_store, seeded["needles"]) in ({}, None)


@pytest.mark.postgres
@pytest.mark.parametrize("holds", ["snapshot", "write", "write elsewhere"])
def test_a_snapshot_that_outlives_the_wait_is_said(pg_store, settings, monkeypatch, holds) -> None:
    from store import compaction

    index, _ = _seed(pg_store, settings)
    monkeypatch.setattr(compaction, "SNAPSHOT_WAIT_S", 0.5)
    if holds == "snapshot":  # a snapshot, and no lock on the tables VACUUM FULL rewrites
        held = _other_session(pg_store)
        held.execute("SELECT 1").fetchone()
    else:  # a transaction id, in this database or the server's maintenance database
        held = _held_write(pg_store, database="postgres" if holds == "write elsewhere" else None)
    try:
        report = _erase(pg_store, settings, index)
    finally:
        held.rollback()
        held.close()
    assert report.interactions == 2 and not report.complete
    assert any("older than the erasure" in p for p in report.problems), report.problems
