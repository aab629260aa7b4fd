"""The analyses repository: a run's row from start to saved result, its actions, and tenants kept apart."""

from __future__ import annotations

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
