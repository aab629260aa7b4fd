"""KPI query latency: a weekly series by queue at 100 k and 1 M interactions on SQLite.

Synthetic rows (no transcripts) are bulk-inserted with SQLAlchemy core into a fresh SQLite store with the
production schema and indexes, one year of contacts; then `kpi_series(by="queue", interval="week")` over the
last 12 weeks is timed for SQL-aggregate metrics (volume, csat), a percentile metric (response_time) and a
patient-journey metric (fcr, also over one week).
"""

from __future__ import annotations

import statistics
import tempfile
import time
from collections.abc import Iterable, Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import insert

from analytics.kpis import kpi_series
from store.db import Store
from store.schema import InteractionRow

QUEUES = [
    "cardiologie",
    "radiologie",
    "pediatrie",
    "oncologie",
    "urgences",
    "maternite",
    "consultations",
    "facturation",
]
CHANNELS = np.array(["phone", "phone", "phone", "chat", "email", "sms", "portal", "voicebot"])
REASONS = ["rendez-vous", "résultats", "ordonnance", "facture", "annulation", "information"]
DAYS = 364
END = date(2026, 11, 22)
CHUNK = 20_000
TARGET_MS = 200.0


def synthetic_rows(n: int, *, seed: int = 5) -> Iterator[list[dict[str, Any]]]:
    """Chunks of interaction rows spread over one year, in time order (as a live centre would write them)."""
    rng = np.random.default_rng(seed)
    first = END - timedelta(days=DAYS - 1)
    day_index = np.sort(rng.integers(0, DAYS, n))
    hours = rng.integers(7, 20, n)
    minutes = rng.integers(0, 60, n)
    channels = CHANNELS[rng.integers(0, len(CHANNELS), n)]
    queues = rng.integers(0, len(QUEUES), n)
    waits = rng.gamma(2.0, 45.0, n)
    abandoned = rng.random(n) < 0.07
    csat = np.where(rng.random(n) < 0.3, rng.integers(1, 6, n), 0)
    patients = rng.integers(0, max(n // 3, 1), n)
    agents = rng.integers(0, 60, n)
    reasons = rng.integers(0, len(REASONS), n)
    days = [first + timedelta(days=i) for i in range(DAYS)]
    iso = [d.isocalendar() for d in days]
    now = datetime(2026, 11, 23)
    for lo in range(0, n, CHUNK):
        chunk = []
        for i in range(lo, min(lo + CHUNK, n)):
            d = int(day_index[i])
            local = datetime(days[d].year, days[d].month, days[d].day, int(hours[i]), int(minutes[i]))
            started = local - timedelta(hours=1)
            channel = str(channels[i])
            sync = channel in ("phone", "chat", "voicebot")
            gave_up = bool(abandoned[i]) and sync
            chunk.append(
                {
                    "tenant": "default",
                    "ext_id": f"b-{i:07d}",
                    "channel": channel,
                    "direction": "inbound",
                    "queue": QUEUES[int(queues[i])],
                    "started_at": started,
                    "ended_at": started + timedelta(minutes=6),
                    "local_date": days[d],
                    "local_hour": int(hours[i]),
                    "local_weekday": iso[d].weekday,
                    "iso_week": f"{iso[d].year}-W{iso[d].week:02d}",
                    "wait_seconds": float(waits[i]) if sync else None,
                    "first_response_seconds": None if sync else float(waits[i]) * 60,
                    "handle_seconds": None if gave_up else 240.0,
                    "abandoned": gave_up,
                    "resolved": not gave_up,
                    "follow_up_required": False,
                    "csat": int(csat[i]) or None,
                    "reason": REASONS[int(reasons[i])],
                    "patient_ref": f"p-{int(patients[i]):07d}",
                    "agent_ref": f"a-{int(agents[i]):02d}",
                    "language": "fr",
                    "attributes": {},
                    "patient_text": "",
                    "full_text": "",
                    "content_hash": "bench",
                    "created_at": now,
                    "updated_at": now,
                }
            )
        yield chunk


def build_store(path: Path, n: int) -> Store:
    """A SQLite store at `path` holding `n` synthetic interactions."""
    store = Store(f"sqlite:///{path}")
    with store.engine.begin() as conn:
        for chunk in synthetic_rows(n):
            conn.execute(insert(InteractionRow), chunk)
    with store.engine.begin() as conn:
        conn.exec_driver_sql("ANALYZE")
    return store


def _timings(store: Store, metric: str, repeats: int, weeks: int = 12) -> list[float]:
    start = END - timedelta(weeks=weeks) + timedelta(days=1)
    out = []
    for i in range(repeats + 1):
        began = time.perf_counter()
        rows = kpi_series(
            store=store, tenant="default", metric=metric, start=start, end=END, by="queue", interval="week"
        )
        elapsed = (time.perf_counter() - began) * 1000
        assert len(rows) == weeks * len(QUEUES), len(rows)
        if i:  # the first run warms the page cache
            out.append(elapsed)
    return out


def _p95(values: list[float]) -> float:
    return float(np.quantile(values, 0.95))


def run(quick: bool) -> Iterable[dict[str, Any]]:
    """Yield p50/p95 latency rows for each size and metric."""
    sizes = [100_000] if quick else [100_000, 1_000_000]
    for n in sizes:
        with tempfile.TemporaryDirectory(prefix="parcours-bench-kpi-") as tmp:
            began = time.perf_counter()
            store = build_store(Path(tmp) / "kpi.db", n)
            build = time.perf_counter() - began
            label = f"{n // 1000}k" if n < 1_000_000 else f"{n // 1_000_000}M"
            yield {
                "measure": f"kpi bench store build ({label} rows)",
                "value": round(build, 1),
                "unit": "s",
                "target": "",
                "note": "bulk insert, 8 queues, 1 year",
            }
            cases = [
                ("volume", 20, 12),
                ("csat", 20, 12),
                ("response_time", 10, 12),
                ("fcr", 3, 12),
                ("fcr", 5, 1),
            ]
            for metric, repeats, weeks in cases:
                times = _timings(store, metric, repeats, weeks)
                sql = metric in ("volume", "csat")
                for name, value in (("p50", statistics.median(times)), ("p95", _p95(times))):
                    yield {
                        "measure": f"kpi weekly series by queue, {weeks} weeks, {metric} {name} @ {label}",
                        "value": round(value, 1),
                        "unit": "ms",
                        "target": f"< {TARGET_MS:.0f}" if name == "p95" and sql and n >= 1_000_000 else "",
                        "note": f"{len(times)} runs; "
                        + (
                            "SQL GROUP BY"
                            if sql
                            else "values fetched"
                            if metric != "fcr"
                            else "journeys in Python"
                        ),
                    }
            store.close()
