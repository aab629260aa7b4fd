"""Statistics behind every KPI: intervals, period-over-period tests and multiple-comparison control.

Pure functions over counts or arrays; no database, no model.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Sequence
from types import ModuleType

import numpy as np

Z95 = 1.959963984540054


def wilson(successes: int, n: int) -> tuple[float, float] | None:
    """The 95 % Wilson score interval of a proportion; None when n is 0."""
    # The interval of scipy.stats.binomtest(successes, n).proportion_ci(method="wilson"), to 1e-15 (tests
    # compare them). That call is not made here: it computes the exact test's p-value first (about 8 ms a
    # call, once per row of a KPI table) and imports scipy.stats, which `parcours kpi` keeps out of its
    # start-up (README "Start-up time").
    if n <= 0:
        return None
    p = successes / n
    denom = 1 + Z95 * Z95 / n
    centre = (p + Z95 * Z95 / (2 * n)) / denom
    half = Z95 * math.sqrt(p * (1 - p) / n + Z95 * Z95 / (4 * n * n)) / denom
    return max(0.0, centre - half), min(1.0, centre + half)


def two_proportion_p(x1: int, n1: int, x2: int, n2: int, *, alternative: str = "two-sided") -> float | None:
    """P-value of the pooled two-proportion z-test of x1/n1 against x2/n2.

    `alternative` is "two-sided", "greater" (first share larger) or "less".
    """
    if n1 <= 0 or n2 <= 0:
        return None
    pooled = (x1 + x2) / (n1 + n2)
    se = math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
    diff = x1 / n1 - x2 / n2
    if se == 0:
        return 1.0 if diff == 0 or alternative != "two-sided" else 0.0
    return _tail(_special().ndtr, diff / se, alternative)


def welch_p(
    n1: int, mean1: float, var1: float, n2: int, mean2: float, var2: float, *, alternative: str = "two-sided"
) -> float | None:
    """P-value of Welch's test for two means given their sample sizes, means and variances."""
    if n1 < 2 or n2 < 2:
        return None
    se2 = var1 / n1 + var2 / n2
    diff = mean1 - mean2
    if se2 <= 0:
        return 1.0 if diff == 0 else 0.0
    se = math.sqrt(se2)
    df_den = (var1 / n1) ** 2 / (n1 - 1) + (var2 / n2) ** 2 / (n2 - 1)
    df = se2 * se2 / df_den if df_den > 0 else n1 + n2 - 2
    return _tail(functools.partial(_special().stdtr, df), diff / se, alternative)


@functools.lru_cache(maxsize=4096)
def _t975(df: int) -> float:
    """Student's t 97.5 % quantile (cached: a KPI series asks for the same few sizes again and again)."""
    return float(_special().stdtrit(df, 0.975))


def mean_ci(n: int, mean: float, var: float) -> tuple[float, float] | None:
    """95 % t-interval of a mean from its sample size, mean and variance."""
    if n < 2:
        return None
    half = _t975(n - 1) * math.sqrt(max(var, 0.0) / n)
    return mean - half, mean + half


def moments(n: int, total: float, sumsq: float) -> tuple[float, float]:
    """Mean and unbiased variance from a count, a sum and a sum of squares (as SQL returns them)."""
    if n <= 0:
        return math.nan, math.nan
    mean = total / n
    if n < 2:
        return mean, 0.0
    return mean, max(0.0, (sumsq - n * mean * mean) / (n - 1))


def quantile_ci(values: Sequence[float] | np.ndarray, q: float) -> tuple[float, float] | None:
    """Exact distribution-free 95 % interval of a quantile from order statistics (binomial ranks).

    Where the sample is too small for an exact 95 % interval, the widest available one (min, max) is given.
    """
    arr = np.sort(np.asarray(values, dtype=float))
    n = arr.size
    if n == 0:
        return None
    if n >= 200:  # normal approximation of the binomial ranks (scipy's ppf is slow per call)
        half = Z95 * math.sqrt(n * q * (1 - q))
        lo, hi = int(math.floor(n * q - half)), int(math.ceil(n * q + half)) + 1
    else:
        lo = _binom_ppf(0.025, n, q)  # number of values below the lower bound
        hi = _binom_ppf(0.975, n, q) + 1
    lo = min(max(lo, 1), n) - 1
    hi = min(max(hi, 1), n) - 1
    return float(arr[lo]), float(arr[hi])


def mann_whitney_p(a: Sequence[float] | np.ndarray, b: Sequence[float] | np.ndarray) -> float | None:
    """Two-sided p-value of the Mann–Whitney U test (times: is one sample stochastically larger?)."""
    x, y = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    if x.size == 0 or y.size == 0:
        return None
    if np.all(x == x[0]) and np.all(y == x[0]):
        return 1.0
    return float(_sps().mannwhitneyu(x, y, alternative="two-sided").pvalue)


def poisson_ci(count: int) -> tuple[float, float]:
    """Exact (Garwood) 95 % interval of a Poisson count."""
    # Garwood's bounds chi2.ppf(q, 2k) / 2 are the gamma quantiles gammaincinv(k, q), bit for bit
    lo = 0.0 if count == 0 else float(_special().gammaincinv(count, 0.025))
    return lo, float(_special().gammaincinv(count + 1, 0.975))


def rate_ratio_p(c1: int, t1: float, c2: int, t2: float) -> float | None:
    """Two-sided exact p-value that two Poisson counts share one rate, given their exposures (e.g. days)."""
    if t1 <= 0 or t2 <= 0 or c1 + c2 == 0:
        return None
    return float(_sps().binomtest(c1, c1 + c2, t1 / (t1 + t2)).pvalue)


def benjamini_hochberg(p_values: Sequence[float | None]) -> list[float | None]:
    """Benjamini–Hochberg adjusted p-values (q-values), in the input order; None stays None."""
    given = [i for i, p in enumerate(p_values) if p is not None]
    out: list[float | None] = [None] * len(p_values)
    if given:
        q_values = _sps().false_discovery_control([p_values[i] for i in given], method="bh")
        for i, q in zip(given, q_values, strict=True):
            out[i] = float(q)
    return out


def _sps() -> ModuleType:
    # scipy.stats costs seconds to import (it parses every distribution's docstring); only the tests that
    # need it (Mann-Whitney, exact binomial, Benjamini-Hochberg) import it, so `parcours kpi` starts fast.
    from scipy import stats

    return stats


def _special() -> ModuleType:
    # The functions scipy.stats's t, norm, chi2 and binom call themselves, without importing scipy.stats.
    from scipy import special

    return special


def _binom_ppf(q: float, n: int, p: float) -> int:
    """scipy.stats.binom.ppf(q, n, p) for 0 < q < 1."""
    from scipy.special import _ufuncs

    return int(_ufuncs._binom_ppf(q, n, p))


def _tail(cdf: Callable[[float], float], statistic: float, alternative: str) -> float:
    """The p-value of a statistic whose distribution is symmetric about 0 (normal, Student's t)."""
    if alternative == "greater":
        return float(cdf(-statistic))
    if alternative == "less":
        return float(cdf(statistic))
    return float(2 * cdf(-abs(statistic)))
