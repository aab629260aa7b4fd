"""The daily KPI rollups give exactly the raw figures, on SQLite and PostgreSQL, and follow every change."""

from __future__ import annotations

import itertools
import random
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import select, text, update

from analytics.kpi_defs import METRIC_NAMES
from analytics.kpi_queries import Scope
from analytics.kpi_rollups import covers, usable
from analytics.kpis import collect, summarize
from evals.generator import generate
from store.db import Store
from store.erasure import erase_interaction
from store.ingest import ingest_records
from store.kpi_rollup import rebuild
from store.schema import InteractionRow, KpiDayRow, KpiDirtyRow
from tests.factories import at, interaction

END = date(2026, 11, 23)
CASES: list[tuple[str | None, tuple[str, ...], dict[str, Any] | None]] = [
    ("week", ("queue",), None),
    ("day", (), None),
    ("month", ("channel",), None),
    (None, ("queue",), None),
    ("week", ("weekday", "language"), {"channel": ["phone", "chat"]}),
    ("week", ("direction",), {"queue": "cardiologie"}),
]


def _extras() -> list[dict[str, Any]]:
    """Records the generator rarely writes: no patient, unknown resolution, late follow-ups, long e-mails."""
    rng = random.Random(3)
    out = []
    for i in range(120):
        day = 1 + i % 28
        started = at(day, hour=8 + i % 10, month=10 + (i // 60))
        record: dict[str, Any] = {
            "started": started,
            "channel": rng.choice(["phone", "email", "chat", "sms"]),
            "queue": rng.choice(["cardiologie", "radiologie", None]),
            "patient_ref": rng.choice([None, "p-x1", "p-x2", "p-x3"]),
            "resolved": rng.choice([True, False, None]),
            "csat": rng.choice([None, 1, 2, 5]),
            "reason": rng.choice(["facture", "Facture ", None]),
        }
        if record["channel"] == "email":
            record.update(wait_seconds=None, first_response_seconds=3600 * (1 + i % 50))
            record["ended_at"] = (started + timedelta(days=i % 4)).isoformat()
        if i % 5 == 0:
            due = started + timedelta(hours=24)
            done = [None, due - timedelta(hours=1), due + timedelta(hours=3)][i % 3]
            record["follow_up"] = {
                "required": True,
                "due_at": due.isoformat() if i % 2 else None,
                "done_at": done.isoformat() if done else None,
            }
        out.append(interaction(**record))
    return out


def _all_figures(store: Store, *, raw: bool) -> dict[tuple[Any, ...], Any]:
    out = {}
    for metric, (interval, dims, filters) in itertools.product(METRIC_NAMES, CASES):
        scope = Scope(store, "default", date(2026, 9, 28), date(2026, 11, 22), dims, interval, filters)
        samples = collect(scope, metric, raw=raw)
        for key, sample in samples.items():
            out[(metric, interval, dims, str(filters), key)] = summarize(metric, sample, min_sample=30)
    return out


def _assert_same(store: Store) -> None:
    assert usable(Scope(store, "default", END, END))  # the rollups answer, not the raw fallback
    raw = _all_figures(store, raw=True)
    rolled = _all_figures(store, raw=False)
    assert rolled.keys() == raw.keys()
    for key, figures in raw.items():
        assert rolled[key] == figures, key


@pytest.fixture
def loaded(store: Store) -> Store:
    records, _truth = generate(weeks=8, per_week=120, seed=11, end=END)
    summary = ingest_records(store, [*records, *_extras()])
    assert summary.rejected == 0, summary.errors
    return store


def test_rollups_give_the_raw_figures_of_every_metric(loaded: Store) -> None:
    with loaded.engine.connect() as conn:
        assert conn.execute(select(KpiDayRow.pk).limit(1)).first() is not None
        assert conn.execute(select(KpiDirtyRow.id).limit(1)).first() is None  # ingestion folded them in
    assert all(covers(Scope(loaded, "t", END, END, d, i, f), "fcr") for i, d, f in CASES)
    _assert_same(loaded)


def test_rollups_follow_theme_assignment_erasure_and_late_contacts(loaded: Store) -> None:
    with loaded.session() as session:
        pks = list(session.execute(select(InteractionRow.pk).order_by(InteractionRow.pk)).scalars())
        session.execute(
            update(InteractionRow), [{"pk": pk, "theme_id": f"t{pk % 3}"} for pk in pks[: len(pks) // 2]]
        )
        ext_ids = list(session.execute(select(InteractionRow.ext_id).limit(40)).scalars())
    _assert_same(loaded)  # the query folds the theme changes in first
    for ext_id in ext_ids[:5]:
        erase_interaction(
            store=loaded,
            settings=loaded.settings,
            tenant="default",
            interaction_id=ext_id,
            requested_by="test",
        )
    with loaded.engine.connect() as conn:
        assert conn.execute(select(KpiDirtyRow.id).limit(1)).first() is None  # no patient ref left behind
    late = [interaction(started=at(d, month=10), patient_ref=p) for d, p in ((3, "p-x1"), (20, "p-x2"))]
    assert ingest_records(loaded, late).rejected == 0
    _assert_same(loaded)


def test_a_rebuild_after_a_window_change_keeps_the_figures_raw(loaded: Store) -> None:
    loaded.settings.fcr_window_days = 3
    loaded.settings.attrition_days = 10
    _assert_same(loaded)  # the changed windows rebuild the journey facts before any rollup is read
    with loaded.engine.begin() as conn:
        rebuild(conn, loaded.settings)
        count = conn.execute(text("SELECT count(*) FROM kpi_contacts")).scalar()
    assert count and count > 100


def test_migrating_an_existing_database_backfills_the_rollups(store: Store) -> None:
    from alembic import command
    from alembic.config import Config

    from store.db import _MIGRATIONS

    records, _truth = generate(weeks=3, per_week=60, seed=5, end=END)
    assert ingest_records(store, list(records)).rejected == 0
    config = Config()
    config.set_main_option("script_location", str(_MIGRATIONS))
    config.attributes["engine"] = store.engine
    command.downgrade(config, "0002_privacy")  # a database as it was before the rollups
    assert "kpi_days" not in store.table_names()
    command.upgrade(config, "head")  # what `parcours migrate` runs
    with store.engine.connect() as conn:
        assert conn.execute(select(KpiDayRow.pk).limit(1)).first() is not None
        assert conn.execute(text("SELECT value FROM kpi_state WHERE name = 'ready'")).scalar() == "1"
    _assert_same(store)


def test_a_period_without_contacts_gives_no_sample_on_either_database(loaded: Store) -> None:
    # a baseline before the first data: PostgreSQL answers an aggregate without GROUP BY with one row of nulls
    empty = Scope(loaded, "default", date(2025, 1, 6), date(2025, 1, 12))
    for metric in METRIC_NAMES:
        assert collect(empty, metric, raw=False) == collect(empty, metric, raw=True), metric
