"""One seed of `parcours eval --suite impact` end to end, small: generate, ingest, analyse, adopt, measure."""

from __future__ import annotations

import pytest

from evals.impact_suite import run_impact_seed

pytestmark = pytest.mark.slow


def test_one_small_seed_runs_through_the_product_path() -> None:
    run = run_impact_seed(seed=3, per_week=400)
    assert "error" not in run, run.get("error")
    assert run["generated"] > 2000
    # the placebo is a stated target: adopted whatever the analysis found, and measured by the later analysis
    placebo = run["placebo"]
    assert placebo["adopted"]
    assert placebo["state"] in ("too_early", "no_effect_detected", "improved", "worsened")
    assert placebo["n_before"] > 0 and placebo["ci"][0] <= placebo["effect"] <= placebo["ci"][1]
    # the fixed action's truth is read from the generator whether or not the small seed showed its friction
    assert run["fixed"]["planted_effect"] == pytest.approx(-0.4)
