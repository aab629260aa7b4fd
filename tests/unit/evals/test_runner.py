from __future__ import annotations

from typing import Any

from evals.runner import optional, table_rows


def test_optional_names_what_is_missing() -> None:
    value, reason = optional("evals.no_such_module", "thing")
    assert value is None and reason == "not available yet: evals.no_such_module.thing"
    value, reason = optional("evals.metrics", "no_such_function")
    assert value is None and reason == "not available yet: evals.metrics.no_such_function"
    value, reason = optional("evals.metrics", "theme_scores")
    assert callable(value) and reason is None


def test_table_says_plainly_what_has_nothing_to_score() -> None:
    report = {
        "suites": {
            "synthetic": {
                "generated": 10,
                "generate_seconds": 0.1,
                "valid_records": 10,
                "missing": ["not available yet: agent.analysis.run_analysis"],
            }
        }
    }
    rows = table_rows(report)
    assert ("synthetic", "—", "—", "nothing to score: not available yet: agent.analysis.run_analysis") in rows
    assert ("synthetic", "records valid", "10", "checked against core.models") in rows


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

    real_optional = runner.optional

    def patched(module: str, attribute: str) -> tuple[Any, str | None]:
        if (module, attribute) == ("agent.analysis", "run_analysis"):
            return fake_analysis, None
        return real_optional(module, attribute)

    monkeypatch.setattr(runner, "optional", patched)
    report = runner.run_synthetic(weeks=2, per_week=60, seed=3, end=date(2026, 11, 23), fake_embedder=True)
    assert report["ingest"]["rejected"] == 0 and report["ingest"]["accepted"] == report["generated"]
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
