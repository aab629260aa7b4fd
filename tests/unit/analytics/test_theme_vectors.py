"""Theme vectors computed after ingestion: the analysis finds them cached; it still works without them."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from sqlalchemy import func, select

from agent.analysis import run_analysis
from analytics.dataset import load_dataset
from analytics.erasure_texts import embedded_texts
from analytics.theme_text import theme_text
from analytics.theme_vectors import fill_theme_vectors, pending
from core.periods import parse_period
from core.results import Period
from evals.generator import generate
from store.db import Store
from store.embedder import FakeEmbedder, text_hash
from store.erasure import erase_interaction
from store.ingest import ingest_records
from store.schema import EmbeddingCacheRow, InteractionRow
from tests.factories import at, interaction

END = date(2026, 11, 30)


def _said(ext_id: str, minute: int, words: str, language: str = "en") -> dict[str, Any]:
    """A record whose patient says `words`."""
    turns = [{"speaker": "patient", "text": words}, {"speaker": "agent", "text": "I am looking into it."}]
    return interaction(id=ext_id, started=at(17, 10, minute), language=language, transcript=turns)


def _generated(store: Store) -> str:
    records, truth = generate(weeks=3, per_week=90, seed=5, end=END)
    summary = ingest_records(store, records, collect=False)
    assert summary.accepted == truth.n_interactions
    return truth.weeks[-1]


def _cached(store: Store, model: str) -> set[str]:
    with store.session() as session:
        return set(
            session.execute(
                select(EmbeddingCacheRow.text_hash).where(EmbeddingCacheRow.model == model)
            ).scalars()
        )


def _partition(result: Any) -> list[list[str]]:
    return sorted(sorted(t.interaction_ids) for t in result.themes) + [sorted(result.unassigned_ids)]


def test_filled_after_ingest_the_analysis_encodes_nothing(store: Store) -> None:
    week = _generated(store)
    total = pending(store)
    assert total > 200
    job = FakeEmbedder()
    done = fill_theme_vectors(store=store, embedder=job, batch=100)  # several steps
    assert done.interactions == total and pending(store) == 0
    assert job.texts_encoded > 0
    again = FakeEmbedder()
    assert fill_theme_vectors(store=store, embedder=again).interactions == 0 and again.calls == 0

    recording = FakeEmbedder()  # the same model (same cache key), counting what the analysis encodes
    result = run_analysis(store=store, period=parse_period(week), embedder=recording, model=None)
    assert result.themes
    assert recording.texts_encoded == 0, "the analysis encoded texts the job had already cached"


def test_the_analysis_computes_what_the_job_never_did(store: Store) -> None:
    week = _generated(store)
    recording = FakeEmbedder()
    result = run_analysis(store=store, period=parse_period(week), embedder=recording, model=None)
    assert result.themes and recording.texts_encoded > 0
    assert pending(store) > 0  # nothing marked: the job still runs later, and finds the vectors cached
    late = FakeEmbedder()
    fill_theme_vectors(store=store, embedder=late)
    assert pending(store) == 0


def test_same_partition_with_or_without_the_job(tmp_path: Any, settings: Any) -> None:
    partitions = []
    for name, fill in (("with", True), ("without", False)):
        store = Store(f"sqlite:///{tmp_path / name}.db", timezone=settings.timezone, settings=settings)
        week = _generated(store)
        if fill:
            fill_theme_vectors(store=store, embedder=FakeEmbedder())
        result = run_analysis(store=store, period=parse_period(week), embedder=FakeEmbedder(), model=None)
        partitions.append(_partition(result))
        store.close()
    assert partitions[0] == partitions[1]


def test_an_update_is_computed_again(store: Store) -> None:
    first = _said("upd-1", 0, "My prescription renewal was refused twice.")
    ingest_records(store, [first, _said("upd-2", 1, "How much are the parking fees?")])
    fill_theme_vectors(store=store, embedder=FakeEmbedder())
    assert pending(store) == 0
    changed = _said("upd-1", 0, "The lab results never arrived by mail.")
    assert ingest_records(store, [changed]).updated == 1
    assert pending(store) == 1
    job = FakeEmbedder()
    assert fill_theme_vectors(store=store, embedder=job).interactions == 1
    with store.session() as session:
        row = session.execute(select(InteractionRow).where(InteractionRow.ext_id == "upd-1")).scalar_one()
        assert row.themed_hash == row.content_hash
        new_text = theme_text(row.patient_text, row.full_text)
    assert text_hash(new_text) in _cached(store, job.name)


def test_erasure_leaves_no_cached_theme_vector(store: Store, settings: Any) -> None:
    french = "Bonjour, mon ordonnance de renouvellement a été refusée par la pharmacie."
    gone = _said("erase-tv", 0, french, language="fr")
    kept = _said("keep-tv", 1, "The parking ticket machine is broken again.")
    ingest_records(store, [gone, kept])
    job = FakeEmbedder()
    fill_theme_vectors(store=store, embedder=job)
    with store.session() as session:
        rows = {
            r.ext_id: embedded_texts(r.patient_text, r.full_text, r.language)
            for r in session.execute(select(InteractionRow)).scalars()
        }
    assert len(rows["erase-tv"]) == 2, "a French text the glossary knows has a gloss, cached as well"
    erased = {text_hash(t) for t in rows["erase-tv"]}
    assert erased <= _cached(store, job.name)
    erase_interaction(
        store=store,
        settings=settings,
        tenant=None,
        interaction_id="erase-tv",
        requested_by="test",
        derived_texts=embedded_texts,
    )
    cached = _cached(store, job.name)
    assert not erased & cached
    assert {text_hash(t) for t in rows["keep-tv"]} <= cached
    with store.session() as session:
        assert session.execute(select(func.count()).select_from(InteractionRow)).scalar_one() == 1


def test_scheduled_retention_purge_drops_cached_theme_vectors(sqlite_store: Store, settings: Any) -> None:
    from api.taskqueue.schedule import retention_purge

    old = _said("old-tv", 0, "My prescription renewal was refused twice.")
    ingest_records(sqlite_store, [old])
    job = FakeEmbedder()
    fill_theme_vectors(store=sqlite_store, embedder=job)
    with sqlite_store.session() as session:
        row = session.execute(select(InteractionRow)).scalar_one()
        texts = embedded_texts(row.patient_text, row.full_text, row.language)
    assert {text_hash(t) for t in texts} <= _cached(sqlite_store, job.name)
    purged = settings.model_copy(update={"retention_days": 30})
    retention_purge(store=sqlite_store, settings=purged, now=at(17, 10).replace(year=2027))
    assert not {text_hash(t) for t in texts} & _cached(sqlite_store, job.name)


def test_cli_ingest_fills_theme_vectors(
    tmp_path: Any, monkeypatch: pytest.MonkeyPatch, settings: Any
) -> None:
    import json

    from typer.testing import CliRunner

    import store.embedder as embedder_module
    from cli.main import app

    fake = FakeEmbedder()
    monkeypatch.setattr(embedder_module, "get_theme_embedder", lambda *a, **k: fake)
    records = [_said(f"cli-{i}", i, f"Question number {i} about my appointment.") for i in range(5)]
    path = tmp_path / "in.jsonl"
    path.write_text("\n".join(json.dumps(r, default=str) for r in records))
    runner = CliRunner()
    deferred = runner.invoke(app, ["ingest", str(path), "--no-index", "--json"])
    assert deferred.exit_code == 0, deferred.output
    store = Store.from_settings(settings)
    assert pending(store) == 5 and fake.calls == 0  # store only: the next analysis computes them
    done = runner.invoke(app, ["ingest", str(path), "--defer-themes", "--json"])
    assert done.exit_code == 0, done.output
    assert pending(store) == 5
    monkeypatch.setattr("cli.ingest_cmd.open_index", lambda *a, **k: None)
    filled = runner.invoke(app, ["ingest", str(path), "--json"])
    assert filled.exit_code == 0, filled.output
    assert json.loads(filled.stdout)["theme_vectors"]["interactions"] == 5
    assert pending(store) == 0 and fake.texts_encoded == 5
    store.close()


def _stored(store: Store) -> dict[str, str | None]:
    with store.session() as session:
        return dict(session.execute(select(InteractionRow.ext_id, InteractionRow.theme_text)).tuples().all())


def test_the_job_stores_each_theme_text_and_the_analysis_reads_it(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    import analytics.theme_registry as registry

    week = _generated(store)
    fill_theme_vectors(store=store, embedder=FakeEmbedder(), batch=100)
    with store.session() as session:
        rows = session.execute(select(InteractionRow)).scalars().all()
        assert rows and all(r.theme_text == theme_text(r.patient_text, r.full_text) for r in rows)
        tenant = rows[0].tenant
    period = parse_period(week)
    assert len(_read_back(store, tenant, period)) > 50

    computed: list[str] = []

    def counting(patient_text: str | None, full_text: str | None) -> str:
        computed.append(patient_text or "")
        return theme_text(patient_text, full_text)

    monkeypatch.setattr(registry, "theme_text", counting)
    result = run_analysis(store=store, period=period, embedder=FakeEmbedder(), model=None)
    assert result.themes
    assert computed == [], "the analysis computed theme texts the job had stored"


def test_a_stored_text_of_older_content_is_never_read(store: Store) -> None:
    ingest_records(store, [_said("st-1", 0, "My prescription renewal was refused twice.")])
    fill_theme_vectors(store=store, embedder=FakeEmbedder())
    assert _stored(store)["st-1"] == "My prescription renewal was refused twice."
    changed = _said("st-1", 0, "The lab results never arrived by mail.")
    assert ingest_records(store, [changed]).updated == 1
    assert _stored(store)["st-1"] is None, "an update clears the text of the older content"
    with store.session() as session:  # a text left beside a newer content, its mark cleared
        row = session.execute(select(InteractionRow)).scalar_one()
        row.theme_text, tenant = "stale words", row.tenant
    day = at(17, 10).date()
    assert _read_back(store, tenant, Period(start=day, end=day)) == {}
    fill_theme_vectors(store=store, embedder=FakeEmbedder())
    assert _read_back(store, tenant, Period(start=day, end=day)) == {
        _pk(store, "st-1"): "The lab results never arrived by mail."
    }


def _read_back(store: Store, tenant: str, period: Period) -> dict[int, str]:
    """The stored theme texts the analysis's dataset reads for the period (pk → text)."""
    data = load_dataset(store=store, tenant=tenant, period=period)
    rows = data.rows(data.between(period.start, period.end), ("pk", "theme_text"))
    return {pk: text for pk, text in rows if text is not None}


def _pk(store: Store, ext_id: str) -> int:
    with store.session() as session:
        query = select(InteractionRow.pk).where(InteractionRow.ext_id == ext_id)
        return int(session.execute(query).scalar_one())


def test_erasure_and_purge_take_the_stored_theme_text(sqlite_store: Store, settings: Any) -> None:
    gone = _said("erase-st", 0, "My prescription renewal was refused by the pharmacy.")
    old = _said("old-st", 1, "The parking ticket machine is broken again.")
    ingest_records(sqlite_store, [gone, old])
    fill_theme_vectors(store=sqlite_store, embedder=FakeEmbedder())
    assert set(_stored(sqlite_store)) == {"erase-st", "old-st"}
    erase_interaction(
        store=sqlite_store,
        settings=settings,
        tenant=None,
        interaction_id="erase-st",
        requested_by="test",
        derived_texts=embedded_texts,
    )
    assert _stored(sqlite_store) == {"old-st": "The parking ticket machine is broken again."}
    with sqlite_store.session() as session:
        texts = session.execute(select(InteractionRow.theme_text)).scalars().all()
    assert not any("prescription" in (t or "") for t in texts)

    from api.taskqueue.schedule import retention_purge

    purged = settings.model_copy(update={"retention_days": 30})
    retention_purge(store=sqlite_store, settings=purged, now=at(17, 10).replace(year=2027))
    assert _stored(sqlite_store) == {}
