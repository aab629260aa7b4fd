"""The analytics functions the analysis nodes call, resolved by name (overridable through the context).

Imports are lazy so the graph can be built (and tested with fakes) while an analytics module is missing.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

REAL_STEPS = {
    "headline_kpis": ("analytics.kpis", "headline_kpis"),
    "find_anomalies": ("analytics.anomalies", "find_anomalies"),
    "assign_period_themes": ("analytics.theme_registry", "assign_period_themes"),
    "score_frictions": ("analytics.frictions", "score_frictions"),
}
"""Step name -> (module, function) of the real implementation."""


def step(overrides: dict[str, Callable[..., Any]], name: str) -> Callable[..., Any]:
    """The function for a step: the context's override, else the real analytics function."""
    if name in overrides:
        return overrides[name]
    module, attribute = REAL_STEPS[name]
    return getattr(importlib.import_module(module), attribute)  # type: ignore[no-any-return]
