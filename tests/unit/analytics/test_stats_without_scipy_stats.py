"""The intervals and tests of analytics.stats give scipy.stats's exact numbers without importing it."""

from __future__ import annotations

import subprocess
import sys

import pytest
from scipy import stats as sps

from analytics import stats


@pytest.mark.parametrize("n", [2, 3, 7, 30, 101, 1000, 100_000])
@pytest.mark.parametrize("q", [0.1, 0.5, 0.9])
def test_quantile_bounds_and_t_quantiles_match_scipy(n: int, q: float) -> None:
    assert stats._binom_ppf(0.025, n, q) == int(sps.binom.ppf(0.025, n, q))
    assert stats._binom_ppf(0.975, n, q) == int(sps.binom.ppf(0.975, n, q))
    half = float(sps.t.ppf(0.975, n - 1)) * (4.0 / n) ** 0.5
    assert stats.mean_ci(n, 10.0, 4.0) == (10.0 - half, 10.0 + half)


@pytest.mark.parametrize("count", [0, 1, 2, 9, 250, 40_000])
def test_poisson_interval_matches_scipy(count: int) -> None:
    lo = 0.0 if count == 0 else float(sps.chi2.ppf(0.025, 2 * count) / 2)
    assert stats.poisson_ci(count) == (lo, float(sps.chi2.ppf(0.975, 2 * count + 2) / 2))


@pytest.mark.parametrize("alternative", ["two-sided", "greater", "less"])
def test_p_values_match_scipy(alternative: str) -> None:
    for x1, n1, x2, n2 in [(40, 100, 55, 120), (3, 10, 9, 12), (500, 1000, 480, 1000)]:
        pooled = (x1 + x2) / (n1 + n2)
        z = (x1 / n1 - x2 / n2) / (pooled * (1 - pooled) * (1 / n1 + 1 / n2)) ** 0.5
        expected = {
            "greater": sps.norm.sf(z),
            "less": sps.norm.cdf(z),
            "two-sided": 2 * sps.norm.sf(abs(z)),
        }[alternative]
        assert stats.two_proportion_p(x1, n1, x2, n2, alternative=alternative) == float(expected)
    a, b = [3.0, 4.5, 5.0, 7.5, 2.0, 6.0], [5.5, 8.0, 9.5, 6.5, 7.0]
    welch = sps.ttest_ind(a, b, equal_var=False, alternative=alternative).pvalue
    va, vb = float(sps.tvar(a)), float(sps.tvar(b))
    ours = stats.welch_p(len(a), sum(a) / len(a), va, len(b), sum(b) / len(b), vb, alternative=alternative)
    assert ours == pytest.approx(float(welch), rel=1e-12)


def test_kpi_statistics_do_not_import_scipy_stats() -> None:
    code = (
        "import sys; from analytics import stats; "
        "stats.wilson(3, 10); stats.mean_ci(5, 1.0, 2.0); stats.quantile_ci([1.0] * 40, 0.9); "
        "stats.poisson_ci(12); stats.two_proportion_p(3, 10, 5, 10); "
        "print('scipy.stats' in sys.modules)"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    assert done.stdout.strip() == "False"
