"""Retention: purge() removes exactly what the settings no longer keep, everywhere, and audits it."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

from langchain_core.messages import AIMessage, HumanMessage
from langgraph.graph import START, MessagesState, StateGraph
from sqlalchemy import func, select, update

from agent.checkpoint import open_checkpointer
from store.checkpoints import checkpoint_time
from store.embedder import FakeEmbedder
from store.ingest import ingest_records
from store.retention import purge
from store.schema import AnalysisRow, ErasureRow, IngestBatchRow, IngestErrorRow, InteractionRow
from store.vector_index import VectorIndex
from tests.factories import at, interaction
from tests.leaks import files_holding

NOW = datetime.now(UTC).replace(tzinfo=None, microsecond=0)
PARIS = timezone(timedelta(hours=1))


def _thread(store: Any, settings: Any, thread: str, text: str) -> None:
    graph = StateGraph(MessagesState)
    graph.add_node("answer", lambda state: {"messages": [AIMessage(content=text)]})
    graph.add_edge(START, "answer")
    with open_checkpointer(store, settings) as saver:
        graph.compile(checkpointer=saver).invoke(
            {"messages": [HumanMessage(content="q")]}, {"configurable": {"thread_id": thread}}
        )


def _days_ago(days: int) -> datetime:
    return (NOW - timedelta(days=days)).replace(tzinfo=UTC).astimezone(PARIS)


def _count(store: Any, model: Any) -> int:
    with store.session() as s:
        return int(s.scalar(select(func.count()).select_from(model)))


def test_purge_applies_every_retention_setting(store, settings) -> None:
    settings = settings.model_copy(
        update={
            "retention_days": 365,
            "analysis_retention_days": 400,
            "checkpoint_retention_days": 30,
            "ingest_error_retention_days": 90,
        }
    )
    store.settings = settings
    index = VectorIndex.from_settings(settings, FakeEmbedder())
    old = [interaction(id=f"old-{i}", started=_days_ago(400 + i)) for i in range(3)]
    old.append(interaction(id="old-x", started=_days_ago(380), text="un texte ancien xylophonique"))
    recent = [interaction(id=f"new-{i}", started=_days_ago(10 + i)) for i in range(3)]
    ingest_records(store, [*old, *recent, interaction(id="bad", csat=9)], indexer=index)
    with store.session() as s:
        s.execute(update(IngestBatchRow).values(started_at=NOW - timedelta(days=100)))
        quote = {"interaction_id": "old-x", "quote": "un texte ancien xylophonique"}
        result = {"themes": [{"interaction_ids": ["old-x", "new-1"], "quotes": [quote]}]}
        for analysis_id, age in (("an-old", 500), ("an-new", 10)):
            s.add(
                AnalysisRow(
                    id=analysis_id,
                    tenant="default",
                    status="done",
                    progress=1.0,
                    period_start=date(2026, 1, 5),
                    period_end=date(2026, 1, 11),
                    created_at=NOW - timedelta(days=age),
                    result=result,
                )
            )
    _thread(store, settings, "recent-chat", "id=new-1 « Bonjour »")
    _thread(store, settings, "chat-quoting-old", "id=old-x « un texte ancien xylophonique »")

    report = purge(store=store, settings=settings, now=NOW, chroma=index.client)

    assert report.complete, report.problems
    assert report.counts["interactions"] == 4 and report.counts["analyses_deleted"] == 1
    assert report.counts["ingest_batches_deleted"] >= 1 and report.counts["checkpoint_threads_deleted"] == 1
    with store.session() as s:
        assert sorted(s.scalars(select(InteractionRow.ext_id))) == ["new-0", "new-1", "new-2"]
        assert s.get(AnalysisRow, "an-old") is None
        kept = s.get(AnalysisRow, "an-new").result["themes"][0]
        audit = s.get(ErasureRow, report.erasure_id)
    assert kept["interaction_ids"] == ["new-1"] and kept["quotes"][0]["quote"] == "[supprimé]"
    assert _count(store, IngestErrorRow) == 0 and audit.scope == "retention" and audit.status == "done"
    assert index.indexed_pks("default") and len(index.indexed_pks("default")) == 3
    with open_checkpointer(store, settings) as saver:
        threads = {c.config["configurable"]["thread_id"] for c in saver.list(None)}
    assert "recent-chat" in threads and "chat-quoting-old" not in threads
    assert files_holding(settings.home_dir, ["old-x", "xylophonique"]) == {}


def test_nothing_is_purged_with_the_defaults_but_old_checkpoints(sqlite_store, settings) -> None:
    ingest_records(sqlite_store, [interaction(id="ancient", started=at(1, 9, year=2001))])
    _thread(sqlite_store, settings, "t", "hello")
    report = purge(store=sqlite_store, settings=settings, now=datetime.now(UTC) + timedelta(days=31))
    assert report.cutoffs["interactions"] is None and report.cutoffs["analyses"] is None
    assert report.counts.get("checkpoint_threads_deleted") == 1 and "interactions" not in report.counts
    assert _count(sqlite_store, InteractionRow) == 1


def test_checkpoint_ids_carry_their_time() -> None:
    from langgraph.checkpoint.base.id import uuid6

    when = checkpoint_time(str(uuid6()))
    assert when is not None and abs((when - datetime.now(UTC).replace(tzinfo=None)).total_seconds()) < 5
    assert checkpoint_time("not-a-uuid") is None
