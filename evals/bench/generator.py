"""Benchmark: time to generate the default synthetic data set (8 weeks × 2 500 interactions) as JSONL text."""

from __future__ import annotations

import json
import time
from collections.abc import Iterable
from datetime import date

from evals.generator import generate


def run(quick: bool) -> Iterable[dict[str, object]]:
    """Yield the generation time of 8 × 2 500 interactions (2 × 2 500 when quick), serialised to JSON."""
    weeks, per_week = (2, 2500) if quick else (8, 2500)
    started = time.perf_counter()
    records, truth = generate(weeks=weeks, per_week=per_week, seed=7, end=date(2026, 11, 23))
    size = sum(len(json.dumps(r, ensure_ascii=False)) for r in records)
    truth.model_dump_json()
    elapsed = time.perf_counter() - started
    yield {
        "measure": f"generate {weeks}×{per_week} interactions (+ truth)",
        "value": round(elapsed, 2),
        "unit": "s",
        "target": "< 60" if not quick else "",
        "note": f"{truth.n_interactions} records, {size / 1e6:.1f} MB JSONL",
    }
