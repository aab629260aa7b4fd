"""Load against a real `parcours serve` on 127.0.0.1 (locust, short and bounded): no error, no record lost."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

pytestmark = pytest.mark.slow


def _load(*args: str) -> dict:
    done = subprocess.run(
        [sys.executable, "-m", "evals.bench.load", "--json", *args],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    print(
        f"\nload {args}: {figures['requests']} requests, {figures['rps']:.1f} req/s, "
        f"p95 {figures['p95_ms']} ms, errors {figures['failures']}, "
        f"records lost {figures['records_lost']} of {figures['records_stored_by_server']}"
    )
    return figures


def test_mixed_load_loses_nothing_and_never_fails() -> None:
    figures = _load("--duration", "8", "--users", "4")
    assert figures["failures"] == 0, figures["errors"]
    assert figures["records_lost"] == 0 and figures["records_stored_by_server"] > 0
    assert {"ingest", "kpi", "search", "report"} <= set(figures["by_name"])
    assert all(entry["requests"] > 0 for entry in figures["by_name"].values())


def test_overlapping_ingests_under_load_lose_nothing() -> None:
    figures = _load("--duration", "10", "--users", "6", "--overlap")
    assert figures["failures"] == 0, figures["errors"]
    assert figures["records_lost"] == 0
