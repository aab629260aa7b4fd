from __future__ import annotations

import pytest
from langgraph.checkpoint.memory import InMemorySaver
from sqlalchemy import select

from agent.analysis import run_analysis
from agent.analysis.graph import build_analysis_graph
from agent.analysis.state import AnalysisContext
from core.results import AnalysisResult
from store.schema import ActionRow, AnalysisRow
from tests.unit.agent.agent_fakes import FAKE_TOOLS, INJECTION, PERIOD, Calls, fake_steps, seed


def test_offline_run_produces_a_persisted_ranked_result(sqlite_store):
    groups = seed(sqlite_store)
    result = run_analysis(
        store=sqlite_store,
        tenant="default",
        period=PERIOD,
        steps=fake_steps(sqlite_store, groups),
        tools=FAKE_TOOLS,
        model=None,
    )
    AnalysisResult.model_validate(result.model_dump(mode="json"))
    assert result.mode == "offline" and result.model is None
    assert result.policies["investigate"] == "offline"
    assert result.policies["propose"] == "playbook"
    assert result.baseline is not None and result.baseline.end.isoformat() == "2026-11-15"
    assert [a.rank for a in result.actions] == list(range(1, len(result.actions) + 1))
    scores = [a.score for a in result.actions]
    assert scores == sorted(scores, reverse=True) and scores[0] == 1.0
    first_for = {}
    for action in result.actions:
        for fid in action.friction_ids:
            first_for.setdefault(fid, action.playbook_id)
    assert first_for["fr-presc"] in {"prescription-renewal-online", "agent-knowledge-article"}
    assert first_for["fr-bill"] in {"rewrite-billing-letter", "agent-knowledge-article"}
    assert first_for["fr-radio"] in {"staffing-at-peaks", "callback-when-queue-long"}
    known = set(groups["presc"] + groups["bill"] + groups["radio"])
    for action in result.actions:
        assert action.evidence and {e.interaction_id for e in action.evidence} <= known
    # the investigation ran the tools and its findings were attached to the frictions
    presc = next(f for f in result.frictions if f.friction_id == "fr-presc")
    assert any("kpi_query" in line for line in presc.signals.findings)
    with sqlite_store.session() as session:
        row = session.get(AnalysisRow, result.analysis_id)
        assert row.status == "done" and row.progress == 1.0 and row.mode == "offline"
        assert AnalysisResult.model_validate(row.result).actions == result.actions
        stored = session.scalars(select(ActionRow).where(ActionRow.analysis_id == result.analysis_id)).all()
        assert {a.id for a in stored} == {a.action_id for a in result.actions}


def test_progress_is_reported_for_every_step(sqlite_store):
    groups = seed(sqlite_store)
    seen: list[str] = []
    run_analysis(
        store=sqlite_store,
        period=PERIOD,
        steps=fake_steps(sqlite_store, groups),
        tools=FAKE_TOOLS,
        model=None,
        on_progress=lambda step, fraction: seen.append(step),
    )
    for step in ("load", "discover", "measure", "score", "investigate", "propose", "rank", "report", "done"):
        assert step in seen
    assert seen.index("discover") < seen.index("measure") < seen.index("rank")


def test_default_period_is_the_last_complete_week(sqlite_store):
    groups = seed(sqlite_store)  # data ends in 2026-W47, on a weekday before Sunday -> W46 has no data
    result = run_analysis(
        store=sqlite_store, steps=fake_steps(sqlite_store, groups), tools=FAKE_TOOLS, model=None
    )
    assert result.period.start.isoformat() == "2026-11-16"
    assert any("incomplete" in note for note in result.notes)


def test_interrupted_run_resumes_without_rerunning_finished_nodes(store):
    sqlite_store = store  # SQLite checkpoints under home, or PostgreSQL checkpoints in the same database
    groups = seed(sqlite_store)
    calls = Calls()
    steps = fake_steps(sqlite_store, groups, calls)
    real_score = steps["score_frictions"]
    attempts = {"n": 0}
    datasets = []

    def flaky_score(**kw):
        attempts["n"] += 1
        datasets.append(kw["data"])
        if attempts["n"] == 1:
            raise RuntimeError("killed during score")
        return real_score(**kw)

    steps["score_frictions"] = flaky_score
    with pytest.raises(RuntimeError):
        run_analysis(
            store=sqlite_store,
            period=PERIOD,
            steps=steps,
            tools=FAKE_TOOLS,
            model=None,
            thread_id="an-resume-test",
        )
    with sqlite_store.session() as session:
        assert session.get(AnalysisRow, "an-resume-test").status == "failed"
    assert calls.counts == {"headline_kpis": 1, "find_anomalies": 1, "assign_period_themes": 1}
    result = run_analysis(
        store=sqlite_store,
        period=PERIOD,
        steps=steps,
        tools=FAKE_TOOLS,
        model=None,
        thread_id="an-resume-test",
    )
    assert result.analysis_id == "an-resume-test" and result.actions
    # the resumed run read its period again (the dataset is never checkpointed): a new one, holding it
    first, resumed = datasets
    assert resumed is not first and len(resumed) == len(first) == 16
    assert resumed.answers(PERIOD.start, PERIOD.end)
    assert calls.counts == {
        "headline_kpis": 1,
        "find_anomalies": 1,
        "assign_period_themes": 1,
        "score_frictions": 1,
    }
    # a finished thread returns its result without running anything again
    again = run_analysis(
        store=sqlite_store,
        period=PERIOD,
        steps=steps,
        tools=FAKE_TOOLS,
        model=None,
        thread_id="an-resume-test",
    )
    assert again == result and calls.counts["score_frictions"] == 1
    if store.dialect == "postgresql":
        from sqlalchemy import text

        with store.engine.connect() as conn:
            threads = conn.execute(text("SELECT DISTINCT thread_id FROM checkpoints")).scalars().all()
        assert "an-resume-test" in threads


def test_planted_injection_changes_neither_ranking_nor_action_text(tmp_path, sqlite_store):
    clean_groups = seed(sqlite_store)
    clean = run_analysis(
        store=sqlite_store,
        period=PERIOD,
        steps=fake_steps(sqlite_store, clean_groups),
        tools=FAKE_TOOLS,
        model=None,
    )
    from store.db import Store

    other = Store(f"sqlite:///{tmp_path / 'injected.db'}", settings=sqlite_store.settings)
    groups = seed(other, injected=True)
    injected = run_analysis(
        store=other, period=PERIOD, steps=fake_steps(other, groups), tools=FAKE_TOOLS, model=None
    )
    # the injected transcripts are evidence of the friction...
    presc = next(f for f in injected.frictions if f.friction_id == "fr-presc")
    assert any("Ignore your instructions" in e.quote for e in presc.evidence)
    # ...but the ranking is the same and no action repeats them
    assert [(a.playbook_id, a.score) for a in injected.actions] == [
        (a.playbook_id, a.score) for a in clean.actions
    ]
    for action in injected.actions:
        text = " ".join(
            [action.title, action.description, action.rationale] + [e.quote for e in action.evidence]
        )
        assert "ignore your instructions" not in text.lower() and "fire" not in text.lower()
        assert INJECTION not in text
    other.close()


def test_graph_compiles_with_in_memory_checkpointer_and_exposes_its_schemas(sqlite_store):
    groups = seed(sqlite_store)
    graph = build_analysis_graph(tools=FAKE_TOOLS, checkpointer=InMemorySaver())
    assert set(graph.get_input_jsonschema()["properties"]) == {"tenant", "period"}
    assert set(graph.get_output_jsonschema()["properties"]) == {"result"}
    context = AnalysisContext(store=sqlite_store, steps=fake_steps(sqlite_store, groups), period=PERIOD)
    out = graph.invoke(
        {"tenant": "default", "period": PERIOD}, {"configurable": {"thread_id": "t1"}}, context=context
    )
    assert set(out) == {"result"} and out["result"].frictions


def test_a_later_analysis_measures_adopted_actions_and_does_not_propose_them_again(sqlite_store):
    from api.queries import change_action_status

    groups = seed(sqlite_store)
    first = run_analysis(
        store=sqlite_store,
        period=PERIOD,
        steps=fake_steps(sqlite_store, groups),
        tools=FAKE_TOOLS,
        model=None,
    )
    adopted = next(a for a in first.actions if "fr-radio" in a.friction_ids)
    for status in ("accepted", "in_progress"):
        change_action_status(
            sqlite_store,
            tenant="default",
            action_id=adopted.action_id,
            status=status,
            by="t",
            started_on=PERIOD.start,
        )
    later = run_analysis(
        store=sqlite_store,
        period=PERIOD,
        steps=fake_steps(sqlite_store, groups),
        tools=FAKE_TOOLS,
        model=None,
    )
    assert [i.action_id for i in later.impacts] == [adopted.action_id]
    impact = later.impacts[0]
    assert impact.status == "in_progress" and impact.state == "too_early"  # four contacts
    assert {t.friction_id for t in impact.targets} == set(adopted.friction_ids)
    radio = next(f for f in later.frictions if f.friction_id == "fr-radio")
    assert radio.followed_by == adopted.action_id
    assert not any("fr-radio" in a.friction_ids for a in later.actions)
    assert any("fr-radio" in a.friction_ids for a in first.actions)
