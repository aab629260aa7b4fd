"""The analytics functions the analysis nodes call, by name (a run's context may override one: tests do)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from analytics.anomalies import find_anomalies
from analytics.frictions import score_frictions
from analytics.kpis import headline_kpis
from analytics.theme_registry import assign_period_themes

REAL_STEPS: dict[str, Callable[..., Any]] = {
    "headline_kpis": headline_kpis,
    "find_anomalies": find_anomalies,
    "assign_period_themes": assign_period_themes,
    "score_frictions": score_frictions,
}
"""Step name -> the analytics function that implements it."""


def step(overrides: dict[str, Callable[..., Any]], name: str) -> Callable[..., Any]:
    """The function for a step: the context's override, else the real analytics function."""
    return overrides.get(name) or REAL_STEPS[name]
