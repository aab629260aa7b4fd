"""The analysis reads its period's interactions from the store once (a statement counter, both databases)."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from sqlalchemy import event

from agent.analysis import run_analysis
from core.periods import parse_period
from evals.generator import generate
from store.db import Store
from store.embedder import FakeEmbedder
from store.ingest import ingest_records

_FROM_INTERACTIONS = re.compile(r"\b(from|join)\s+\"?interactions\"?\b", re.IGNORECASE)
_TEXT_SEARCH = re.compile(r"\bMATCH\b|@@")


def test_the_analysis_reads_the_period_from_the_store_once(store: Store) -> None:
    records, truth = generate(weeks=5, per_week=80, seed=5, end=date(2026, 11, 30))
    assert ingest_records(store, records).rejected == 0
    period = parse_period(truth.weeks[-1])
    dated: list[str] = []

    def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        # a read of interactions bounded by their dates (the period, its baseline, its look-ahead); the
        # transcript search tool matches words through the full-text index: it reads matching turns, not the
        # period, and is not counted
        if (
            statement.lstrip().upper().startswith("SELECT")
            and _FROM_INTERACTIONS.search(statement)
            and "local_date" in statement.upper().partition("WHERE")[2].lower()
            and not _TEXT_SEARCH.search(statement)
        ):
            dated.append(statement)

    event.listen(store.engine, "before_cursor_execute", count)
    try:
        result = run_analysis(
            store=store, tenant=truth.tenant, period=period, embedder=FakeEmbedder(), model=None
        )
    finally:
        event.remove(store.engine, "before_cursor_execute", count)
    assert result.kpis and result.themes and result.frictions  # a whole analysis ran
    assert any(s.steps for f in result.frictions for s in [f.signals])  # and its tools ran too
    assert len(dated) == 1, [" ".join(s.split())[:160] for s in dated]
    assert "patient_text" in dated[0]  # the dataset's one read: figures and words together
