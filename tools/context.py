"""What every agent tool receives through LangGraph's runtime context (no globals)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from core.results import Period
from store.db import Store


@dataclass
class ParcoursContext:
    """Dependencies and scope of one agent run; tools read it from `runtime.context`."""

    store: Store
    """The SQL store (source of truth)."""
    tenant: str = "default"
    """Every query is filtered by this tenant."""
    index: Any | None = None
    """The vector index (store.vector_index.VectorIndex) for transcript search, if available."""
    embedder: Any | None = None
    """The embedder used for themes and search."""
    period: Period | None = None
    """The analysed period, used when a tool call names none."""
    baseline: Period | None = None
    """The baseline period for comparisons."""
    dataset: Any | None = None
    """The analysed period's interactions, read once (analytics.dataset.PeriodDataset), when an analysis runs:
    the KPI tools compute from it the periods it holds."""
