"""The analyses repository: a run's row from start to saved result, its actions, and tenants kept apart."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

from store import analyses
from store.schema import ActionRow, AnalysisRow
from tests.unit.api.sample import make_result


def test_a_run_goes_from_pending_to_done_with_its_actions(sqlite_store) -> None:
    result = make_result(analysis_id="an-1")
    analyses.start(store=sqlite_store, tenant="default", period=result.period, analysis_id="an-1")
    analyses.update(sqlite_store, "an-1", status="running", step="measure")
    with sqlite_store.session() as session:
        row = session.get(AnalysisRow, "an-1")
        assert (row.status, row.step, row.period_start) == ("running", "measure", result.period.start)
    assert analyses.load_result(sqlite_store, "an-1") is None
    analyses.save(sqlite_store, result)
    analyses.save(sqlite_store, result)  # saving again changes nothing
    assert analyses.load_result(sqlite_store, "an-1") == result
    with sqlite_store.session() as session:
        assert session.get(AnalysisRow, "an-1").status == "done"
        stored = session.query(ActionRow).filter(ActionRow.analysis_id == "an-1").count()
    assert stored == len(result.actions) > 0


def test_an_action_id_of_another_tenant_is_never_overwritten(sqlite_store) -> None:
    mine = make_result(analysis_id="an-a", tenant="alpha")
    analyses.save(sqlite_store, mine)
    theirs = make_result(analysis_id="an-b", tenant="beta")
    action = theirs.actions[0].model_copy(update={"action_id": mine.actions[0].action_id, "title": "other"})
    analyses.save(sqlite_store, theirs.model_copy(update={"actions": [action]}))
    with sqlite_store.session() as session:
        row = session.get(ActionRow, mine.actions[0].action_id)
        assert (row.tenant, row.title) == ("alpha", mine.actions[0].title)


def test_a_result_saved_under_another_id_folds_into_the_run(sqlite_store) -> None:
    result = make_result(analysis_id="an-own")
    analyses.start(store=sqlite_store, tenant="default", period=result.period, analysis_id="an-run")
    analyses.save(sqlite_store, result)
    analyses.fold_into(sqlite_store, "an-run", "an-own")
    analyses.save(sqlite_store, result.model_copy(update={"analysis_id": "an-run"}))
    with sqlite_store.session() as session:
        assert session.get(AnalysisRow, "an-own") is None
        owners = {row.analysis_id for row in session.query(ActionRow)}
    assert owners == {"an-run"}
    assert analyses.load_result(sqlite_store, "an-run").analysis_id == "an-run"  # type: ignore[union-attr]


def test_retention_and_erasure_go_through_the_repository(sqlite_store) -> None:
    for analysis_id, tenant in (("an-old", "alpha"), ("an-other", "beta")):
        analyses.save(sqlite_store, make_result(analysis_id=analysis_id, tenant=tenant))
    changed = analyses.rewrite(
        sqlite_store,
        tenants=["alpha"],
        document=lambda doc: {**doc, "model": "scrubbed"},
        text=lambda text: text,
    )
    assert changed == 1
    assert analyses.load_result(sqlite_store, "an-old").model == "scrubbed"  # type: ignore[union-attr]
    assert analyses.load_result(sqlite_store, "an-other").model != "scrubbed"  # type: ignore[union-attr]
    with sqlite_store.session() as session:
        session.get(AnalysisRow, "an-old").created_at = datetime(2020, 1, 1)
    assert analyses.delete_before(sqlite_store, datetime(2021, 1, 1)) == 1
    assert analyses.load_result(sqlite_store, "an-old") is None
    assert analyses.load_result(sqlite_store, "an-other") is not None


def test_no_other_module_inserts_updates_or_deletes_analyses_rows() -> None:
    root = Path(__file__).resolve().parents[3]
    writes = re.compile(r"(?<!class )AnalysisRow\(|(delete|update|insert)\(AnalysisRow")
    packages = ("core", "store", "analytics", "tools", "agent", "api", "cli", "evals")
    found = {
        path.relative_to(root).as_posix()
        for package in packages
        for path in (root / package).rglob("*.py")
        if writes.search(path.read_text(encoding="utf-8"))
    }
    assert found == {"store/analyses.py"}
