from __future__ import annotations

from typing import Any

from evals.runner import table_rows


def test_table_says_plainly_what_broke() -> None:
    report = {
        "suites": {"synthetic": {"generated": 10, "generate_seconds": 0.1, "error": "analysis failed: X"}}
    }
    rows = table_rows(report)
    assert ("synthetic", "error", "—", "analysis failed: X") in rows
    assert ("synthetic", "records generated", "10", "0.1 s") in rows


def test_synthetic_suite_ingests_then_scores_the_analysis(monkeypatch: Any) -> None:
    from datetime import date

    import evals.runner as runner
    from core.results import Action, AnalysisResult, ExpectedImpact, Friction, ThemeResult
    from evals.generator import generate

    _, truth = generate(weeks=2, per_week=60, seed=3, end=date(2026, 11, 23))
    week = truth.weeks[-1]
    in_week = sorted(i for i, w in truth.interaction_weeks.items() if w == week)
    portal = [i for i in in_week if truth.interaction_themes[i] == "booking_portal_broken"]
    calls: dict[str, Any] = {}

    def fake_analysis(**kwargs: Any) -> AnalysisResult:
        calls.update(kwargs)
        return AnalysisResult(
            analysis_id="an-test",
            period=kwargs["period"],
            themes=[ThemeResult(theme_id="th-all", label="all", size=len(in_week), interaction_ids=in_week)],
            frictions=[
                Friction(
                    friction_id="fr-1",
                    rank=1,
                    title="portal",
                    score=1,
                    volume=len(portal),
                    share=0.1,
                    emerging=True,
                    interaction_ids=portal,
                )
            ],
            actions=[
                Action(
                    action_id="ac-1",
                    rank=1,
                    title="fix",
                    description="",
                    playbook_id="fix-broken-portal-or-link",
                    friction_ids=["fr-1"],
                    expected_impact=ExpectedImpact(patients_affected=1, kpi="fcr", delta=0),
                    effort="S",
                    confidence=0.5,
                    score=1,
                )
            ],
        )

    monkeypatch.setattr("agent.analysis.run_analysis", fake_analysis)
    report = runner.run_synthetic(weeks=2, per_week=60, seed=3, end=date(2026, 11, 23), fake_embedder=True)
    assert report["ingest"]["rejected"] == 0 and report["ingest"]["accepted"] == report["generated"]
    assert report["indexed"] and calls["index"] is not None
    unindexed = runner.run_synthetic(
        weeks=2, per_week=60, seed=3, end=date(2026, 11, 23), fake_embedder=True, with_index=False
    )
    assert not unindexed["indexed"] and calls["index"] is None
    assert unindexed["metrics"] == report["metrics"]  # the fake analysis does not search: same scores
    assert str(calls["period"].start) == "2026-11-16" and str(calls["period"].end) == "2026-11-22"
    metrics = report["metrics"]
    assert metrics["weeks"] == [week]
    planted = metrics["frictions"]["planted-b"]
    assert planted["found"] and planted["rank"] == 1 and planted["rr"] == 1.0
    assert planted["emerging"]["right_week"]
    assert metrics["themes"]["clusters"] == 1
    rows = runner.table_rows({"suites": {"synthetic": report}})
    assert ("synthetic", "planted-b found in top 5", "True", "F1=1.000 rank=1") in rows
    # theme quality is scored separately on each language's interactions, and the gap printed
    by_language = metrics["themes_by_language"]
    assert set(by_language) == {"en", "fr"}
    assert sum(s["n"] for s in by_language.values()) == metrics["themes"]["n"]
    labels = [metric for _, metric, _, _ in rows]
    assert "fr interactions only: theme ACC / NMI / ARI" in labels
    assert "theme ACC gap between languages" in labels
