from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats as sps

from analytics import stats


def test_wilson_matches_the_textbook_interval() -> None:
    low, high = stats.wilson(8, 10)  # type: ignore[misc]
    assert (round(low, 4), round(high, 4)) == (0.4902, 0.9433)
    assert stats.wilson(0, 0) is None
    zero = stats.wilson(0, 20)
    assert zero is not None and zero[0] == 0.0 and 0.16 < zero[1] < 0.17
    assert stats.wilson(20, 20)[1] == 1.0  # type: ignore[index]


def test_two_proportion_test() -> None:
    p = stats.two_proportion_p(30, 100, 50, 100)
    assert p is not None
    z = (0.3 - 0.5) / math.sqrt(0.4 * 0.6 * (2 / 100))
    assert p == pytest.approx(2 * sps.norm.sf(abs(z)))
    assert stats.two_proportion_p(30, 100, 50, 100, alternative="less") == pytest.approx(p / 2)
    assert stats.two_proportion_p(30, 100, 50, 100, alternative="greater") == pytest.approx(1 - p / 2)
    assert stats.two_proportion_p(1, 0, 1, 10) is None
    assert stats.two_proportion_p(5, 5, 5, 5) == 1.0


def test_welch_matches_scipy() -> None:
    rng = np.random.default_rng(1)
    a, b = rng.normal(10, 2, 40), rng.normal(11, 3, 25)
    ours = stats.welch_p(a.size, a.mean(), a.var(ddof=1), b.size, b.mean(), b.var(ddof=1))
    assert ours == pytest.approx(sps.ttest_ind(a, b, equal_var=False).pvalue)
    assert stats.welch_p(1, 1.0, 0.0, 5, 1.0, 1.0) is None


def test_moments_from_sql_sums() -> None:
    values = np.array([100.0, 200.0, 300.0])
    mean, var = stats.moments(3, values.sum(), (values**2).sum())
    assert (mean, var) == (200.0, pytest.approx(10000.0))
    assert stats.mean_ci(3, mean, var)[0] == pytest.approx(200 - sps.t.ppf(0.975, 2) * 100 / math.sqrt(3))  # type: ignore[index]


def test_exact_quantile_interval_covers_the_true_median() -> None:
    rng = np.random.default_rng(4)
    covered = 0
    for _ in range(200):
        ci = stats.quantile_ci(rng.exponential(100, 60), 0.5)
        assert ci is not None and ci[0] <= ci[1]
        covered += ci[0] <= 100 * math.log(2) <= ci[1]
    assert covered >= 180  # nominal 95 %, exact intervals are conservative
    assert stats.quantile_ci([5.0], 0.5) == (5.0, 5.0)


def test_mann_whitney() -> None:
    assert stats.mann_whitney_p([1, 2, 3, 4, 5], [6, 7, 8, 9, 10]) == pytest.approx(
        sps.mannwhitneyu([1, 2, 3, 4, 5], [6, 7, 8, 9, 10]).pvalue
    )
    assert stats.mann_whitney_p([3, 3], [3, 3, 3]) == 1.0
    assert stats.mann_whitney_p([], [1.0]) is None


def test_poisson_interval_and_rate_comparison() -> None:
    low, high = stats.poisson_ci(10)
    assert (round(low, 3), round(high, 3)) == (4.795, 18.39)
    assert stats.poisson_ci(0)[0] == 0.0
    # 100 contacts in 7 days against 400 in 28: the same daily rate.
    assert stats.rate_ratio_p(100, 7, 400, 28) == pytest.approx(1.0)
    assert stats.rate_ratio_p(200, 7, 400, 28) < 1e-6  # type: ignore[operator]


def test_benjamini_hochberg() -> None:
    p = [0.01, 0.04, 0.03, 0.005, None]
    q = stats.benjamini_hochberg(p)
    assert q[4] is None
    assert q[:4] == pytest.approx([0.02, 0.04, 0.04, 0.02])
    assert stats.benjamini_hochberg([]) == []
    assert stats.benjamini_hochberg([0.5, 0.9]) == pytest.approx([0.9, 0.9])


@pytest.mark.parametrize(
    ("hits", "n", "published"),
    # Newcombe (1998), Statistics in Medicine 17:857, table I, method 3 (Wilson score, no correction)
    [
        (81, 263, (0.2553, 0.3662)),
        (15, 148, (0.0624, 0.1605)),
        (0, 20, (0.0, 0.1611)),
        (1, 29, (0.0061, 0.1718)),
    ],
)
def test_wilson_is_scipys_interval_and_the_published_one(
    hits: int, n: int, published: tuple[float, float]
) -> None:
    ours = stats.wilson(hits, n)
    theirs = sps.binomtest(hits, n).proportion_ci(method="wilson")
    assert ours == pytest.approx((theirs.low, theirs.high), abs=1e-15)
    assert ours is not None and (round(ours[0], 4), round(ours[1], 4)) == published


@pytest.mark.parametrize(("n", "mean", "var"), [(2, 1.0, 0.5), (12, 240.0, 900.0), (5000, 61.5, 4.2)])
def test_mean_interval_is_scipys_t_interval(n: int, mean: float, var: float) -> None:
    theirs = sps.t.interval(0.95, n - 1, loc=mean, scale=math.sqrt(var / n))
    assert stats.mean_ci(n, mean, var) == pytest.approx(theirs, rel=1e-12)


def test_benjamini_hochberg_known_values() -> None:
    # Benjamini & Hochberg (1995), the 15 p-values of their example: 4 hypotheses rejected at q = 0.05
    p = [
        0.0001,
        0.0004,
        0.0019,
        0.0095,
        0.0201,
        0.0278,
        0.0298,
        0.0344,
        0.0459,
        0.3240,
        0.4262,
        0.5719,
        0.6528,
        0.7590,
        1.0,
    ]
    q = stats.benjamini_hochberg(list(reversed(p)))[::-1]
    assert sum(v <= 0.05 for v in q if v is not None) == 4
    assert q[:4] == pytest.approx([0.0015, 0.003, 0.0095, 0.035625])
