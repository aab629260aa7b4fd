"""The impact suite's figures from its seeds' runs: coverage, improved, placebo silence, false positives."""

from __future__ import annotations

from typing import Any

from evals.impact_suite import impact_rows, score_impact


def _run(seed: int, fixed: dict[str, Any] | None, placebo_state: str | None) -> dict[str, Any]:
    run: dict[str, Any] = {"seed": seed}
    if fixed is not None:
        run["fixed"] = {"true_effect": -0.35, **fixed}
    if placebo_state is not None:
        run["placebo"] = {"true_effect": 0.0, "state": placebo_state}
    return run


def test_the_runs_are_scored_as_the_readme_reports_them() -> None:
    runs = [
        _run(1, {"state": "improved", "covered": True}, "no_effect_detected"),
        _run(2, {"state": "no_effect_detected", "covered": True}, "improved"),
        _run(3, {"state": "too_early", "covered": False}, "too_early"),
        _run(4, {"adopted": False, "found": False}, "no_effect_detected"),  # friction not found
        {"seed": 5, "error": "ValueError: boom"},
    ]
    suite = score_impact(runs, seconds=12.34)
    assert suite["seeds"] == 5 and suite["seconds"] == 12.3
    assert suite["errors"] == ["seed 5: ValueError: boom"]
    assert (suite["fixed_measured"], suite["fixed_covered"], suite["fixed_improved"]) == (3, 2, 1)
    assert suite["fixed_coverage"] == 0.667
    assert (suite["placebo_measured"], suite["placebo_no_effect"]) == (3, 2)
    assert suite["placebo_fpr"] == 0.25 and suite["placebo_fpr_ok"] is False  # 1 of 4 placebos
    rows = impact_rows(suite)
    assert rows[0] == ("impact", "error", "—", "seed 5: ValueError: boom")
    assert ("impact", "placebo false-positive rate", "0.250", "target ≤ 0.10: NOT MET") in rows


def test_a_silent_placebo_meets_the_target() -> None:
    runs = [_run(s, {"state": "improved", "covered": True}, "no_effect_detected") for s in range(1, 11)]
    suite = score_impact(runs)
    assert suite["placebo_fpr"] == 0.0 and suite["placebo_fpr_ok"] is True
    assert suite["fixed_coverage"] == 1.0
