"""Inference with few treated clusters: calibrated on small generated panels where the truth is known."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest

from analytics.impact_inference import Panel, estimate

PANELS = 100


def panel(
    rng: np.random.Generator,
    *,
    effect: float = 0.0,
    segments: int = 8,
    before: int = 1,
    after: int = 3,
    hours: int = 2,
    per_hour: int = 9,
    day_sd: float = 0.25,
    shares: bool = False,
) -> Panel:
    """Segment 0 is the target: one day a week, `before` weeks then `after` weeks from the start.

    Each segment × day draws a shock shared by its contacts (its load, its staffing) — the correlation the
    clusters carry; waits are gamma around it (or 0/1 outcomes around a share of 0.3). From the start the
    target's waits are multiplied by (1 + effect) (or its share moves by `effect` points).
    """
    ys, rows, clusters, segs = [], [], [], []
    weeks = before + after
    for s in range(segments):
        level = math.log(60.0 * (1 + 0.2 * s))
        for week in range(weeks):
            shock = rng.normal(0.0, day_sd)
            treated_after = s == 0 and week >= before
            n = int(rng.poisson(hours * per_hour)) + 1
            if shares:
                p = min(max(0.3 + shock * 0.4 + (effect if treated_after else 0.0), 0.01), 0.99)
                y = (rng.random(n) < p).astype(float)
            else:
                mean = math.exp(level + shock) * ((1 + effect) if treated_after else 1.0)
                y = rng.gamma(2.0, mean / 2.0, size=n)
            x = np.zeros(1 + (segments - 1) + (weeks - 1) + 1)
            x[0] = 1.0
            if s > 0:
                x[s] = 1.0
            if week > 0:
                x[segments - 1 + week] = 1.0
            x[-1] = 1.0 if treated_after else 0.0
            ys.append(y)
            rows.append(np.tile(x, (n, 1)))
            clusters.append(np.full(n, s * weeks + week))
            segs.append(np.full(n, s))
    y = np.concatenate(ys)
    seg = np.concatenate(segs)
    return Panel(
        y=y,
        x=np.vstack(rows),
        w=np.ones_like(y),
        cluster=np.concatenate(clusters),
        segment=seg,
        comparison=seg != 0,
        relative=not shares,
    )


def _cluster_robust_p(p: Panel) -> float:
    """The former inference (cluster-robust errors, t-based): what the new one replaces."""
    import statsmodels.api as sm

    fit = sm.GLM(p.y, p.x, family=sm.families.Poisson()).fit(
        cov_type="cluster", cov_kwds={"groups": p.cluster}, use_t=True
    )
    return float(fit.pvalues[-1])


def test_with_one_day_before_the_start_a_placebo_is_rarely_significant() -> None:
    rng = np.random.default_rng(20261205)
    panels = [panel(rng) for _ in range(PANELS)]
    new = [estimate(p).p_value < 0.05 for p in panels]
    old = [_cluster_robust_p(p) < 0.05 for p in panels]
    assert np.mean(new) <= 0.08  # a 5 % test
    assert np.mean(old) >= 0.15  # cluster-robust errors with four target days are far too small


def test_a_planted_fall_lies_inside_the_interval_near_its_nominal_rate_and_is_often_found() -> None:
    rng = np.random.default_rng(7)
    fits = [estimate(panel(rng, effect=-0.4, before=2, per_hour=12)) for _ in range(PANELS)]
    truth = math.log(0.6)
    covered = np.mean([f.low <= truth <= f.high for f in fits])
    assert covered >= 0.92
    assert np.mean([f.p_value < 0.05 and f.beta < 0 for f in fits]) >= 0.4  # power, with two days before
    assert abs(np.mean([f.beta for f in fits]) - truth) < 0.05  # the ratio of means, unbiased


def test_shares_are_measured_in_points_with_a_calibrated_interval() -> None:
    rng = np.random.default_rng(11)
    null = [estimate(panel(rng, shares=True, before=2)) for _ in range(PANELS)]
    assert np.mean([f.p_value < 0.05 for f in null]) <= 0.08
    moved = [estimate(panel(rng, shares=True, before=2, effect=-0.15)) for _ in range(PANELS)]
    assert np.mean([f.low <= -0.15 <= f.high for f in moved]) >= 0.92


def test_the_same_data_give_the_same_interval() -> None:
    p = panel(np.random.default_rng(3), effect=-0.4)
    a, b = estimate(p), estimate(p)
    assert a == b
    assert a.df == 7 * 4 - (1 + 7 + 3 + 1)  # comparison days minus parameters
    assert a.tau2 > 0.0  # the day shocks are seen in the comparisons


def test_a_target_whose_days_wander_more_keeps_the_wider_cluster_robust_interval() -> None:
    rng = np.random.default_rng(5)
    calm = panel(rng, day_sd=0.02, before=6, after=6)
    wild_y = calm.y.copy()
    target = calm.segment == 0
    for c in np.unique(calm.cluster[target]):  # the target's days only: × 0.4 or × 2.5
        wild_y[calm.cluster == c] *= 2.5 if c % 2 else 0.4
    wild = Panel(**{**calm.__dict__, "y": wild_y})
    fitted = estimate(wild)
    assert fitted.robust_wider
    assert fitted.high - fitted.low > 2 * (estimate(calm).high - estimate(calm).low)


def test_no_rows_or_an_effect_confounded_with_the_fixed_effects_is_refused() -> None:
    p = panel(np.random.default_rng(1))
    with pytest.raises(ValueError, match="no rows"):
        estimate(Panel(**{**p.__dict__, "y": p.y[:0], "x": p.x[:0], "w": p.w[:0]}))
    x = p.x.copy()
    x[:, -1] = x[:, 1]  # 'treated after' is exactly another segment's fixed effect
    with pytest.raises(ValueError, match="cannot be separated"):
        estimate(Panel(**{**p.__dict__, "x": x}))


def test_rows_that_are_means_of_contacts_give_the_same_effect_and_a_like_interval() -> None:
    """Handle times arrive as hourly means weighted by their contacts: the same data, grouped, agree."""
    p = panel(np.random.default_rng(2), before=2, effect=-0.3)
    rows: dict[str, list[Any]] = {k: [] for k in ("y", "x", "w", "cluster", "segment", "comparison")}
    for c in np.unique(p.cluster):
        members = np.flatnonzero(p.cluster == c)
        for chunk in np.array_split(members, max(1, members.size // 4)):
            first = chunk[0]
            for key, value in (
                ("y", p.y[chunk].mean()),
                ("x", p.x[first]),
                ("w", float(chunk.size)),
                ("cluster", c),
                ("segment", p.segment[first]),
                ("comparison", p.comparison[first]),
            ):
                rows[key].append(value)
    grouped = Panel(**{k: np.array(v) for k, v in rows.items()}, relative=True)
    a, b = estimate(p), estimate(grouped)
    assert b.beta == pytest.approx(a.beta, abs=1e-9)
    assert 0.8 < b.se / a.se < 1.25
