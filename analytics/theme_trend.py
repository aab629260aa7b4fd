"""Growth of a theme or segment against its baseline weeks: a Poisson test on the weekly count."""

from __future__ import annotations

from typing import Any

from scipy.stats import poisson

EMERGING_ALPHA = 0.01
"""p-value under which growth is significant."""
EMERGING_RATIO = 2.0
"""The period's count must be at least this multiple of the baseline weekly mean."""
EMERGING_MIN = 10
"""...and at least this many interactions ("present in volume")."""


def growth_test(
    *, current: int, baseline_total: int, baseline_weeks: int, period_weeks: float = 1.0
) -> dict[str, Any]:
    """Growth ratio, one-sided Poisson p-value and the emerging flag of a count against its baseline.

    Expected count = baseline weekly mean × period weeks, with a floor of 0.5 per week so a theme absent
    before is not infinitely surprising.
    """
    weeks = max(baseline_weeks, 1)
    expected = max(baseline_total / weeks, 0.5) * period_weeks
    p_value = float(poisson.sf(current - 1, expected)) if current > 0 else 1.0
    ratio = current / expected
    emerging = current >= EMERGING_MIN and ratio >= EMERGING_RATIO and p_value < EMERGING_ALPHA
    return {
        "growth": round(ratio, 3),
        "p_value": p_value,
        "expected": round(expected, 2),
        "emerging": emerging,
    }
