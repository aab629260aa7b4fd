"""KPI query latency: every metric weekly by queue over 12 weeks, 1 M interactions, SQLite and PostgreSQL.

`python -m evals.bench kpi [--quick]` (quick: 100 k interactions).

Synthetic rows (no transcripts, one year of contacts) are bulk-inserted through the store (the production
schema, indexes and rollup triggers), then the rollups are built once (`store.kpi_rollup.rebuild`, as the
migration's backfill does). Databases are cached under `PARCOURS_BENCH_CACHE` (default
`~/.cache/parcours/bench`: SQLite files; PostgreSQL databases `parcours_bench_kpi_<n>` on
`PARCOURS_BENCH_POSTGRES_URL`, else `PARCOURS_TEST_POSTGRES_URL`), so a rerun measures at once.

Each metric's p50/p95 (`kpi_series`, rollups) is printed beside two references measured in the same run on
the same database: a raw SQL scan of the same rows (`count(*) GROUP BY week, queue` on interactions) and the
pre-rollup computation (`collect(raw=True)`: SQL aggregates, values and journeys fetched into Python).
"""

from __future__ import annotations

import os
import statistics
import time
from collections.abc import Iterable, Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import create_engine, func, insert, select, text

from analytics.kpi_defs import METRIC_NAMES
from analytics.kpi_queries import Scope
from analytics.kpis import collect, kpi_series, summarize
from store.db import Store
from store.kpi_rollup import rebuild
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
VERSION = 3
"""Bumped when synthetic_rows changes, so cached databases are rebuilt."""


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
    follow_up = rng.random(n) < 0.15
    due_given = rng.random(n) < 0.5
    done_after = np.where(rng.random(n) < 0.8, rng.gamma(2.0, 20.0, n), np.nan)  # hours; nan: never
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
                    "follow_up_required": bool(follow_up[i]),
                    "follow_up_due_at": started + timedelta(hours=48)
                    if follow_up[i] and due_given[i]
                    else None,
                    "follow_up_done_at": None
                    if not follow_up[i] or np.isnan(done_after[i])
                    else started + timedelta(hours=float(done_after[i])),
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


def cache_dir() -> Path:
    """Where generated benchmark databases are kept between runs."""
    path = Path(os.environ.get("PARCOURS_BENCH_CACHE") or Path.home() / ".cache" / "parcours" / "bench")
    path.mkdir(parents=True, exist_ok=True)
    return path


def postgres_base() -> str | None:
    """The PostgreSQL server URL the benchmark may create its databases on, if any."""
    return os.environ.get("PARCOURS_BENCH_POSTGRES_URL") or os.environ.get("PARCOURS_TEST_POSTGRES_URL")


def postgres_database(name: str) -> str:
    """The URL of the benchmark database `name` on the bench PostgreSQL server, created if missing."""
    base = postgres_base()
    assert base, "no PostgreSQL URL"
    admin = create_engine(
        base.replace("postgresql://", "postgresql+psycopg://", 1), isolation_level="AUTOCOMMIT"
    )
    with admin.connect() as conn:
        if not conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).first():
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return base.rsplit("/", 1)[0] + "/" + name


def _url(dialect: str, n: int) -> str:
    if dialect == "sqlite":
        return f"sqlite:///{cache_dir() / f'kpi-v{VERSION}-{n}.db'}"
    return postgres_database(f"parcours_bench_kpi_v{VERSION}_{n}")


def cached_store(dialect: str, n: int) -> tuple[Store, float | None]:
    """A store holding `n` synthetic interactions with built rollups; build seconds (None when cached)."""
    store = Store(_url(dialect, n))
    with store.engine.connect() as conn:
        count = conn.execute(select(func.count()).select_from(InteractionRow)).scalar()
        built = conn.execute(text("SELECT value FROM kpi_state WHERE name = 'ready'")).scalar()
    if count == n and built == "1":
        return store, None
    began = time.perf_counter()
    with store.engine.begin() as conn:
        conn.execute(text("DELETE FROM interactions"))
        for chunk in synthetic_rows(n):
            conn.execute(insert(InteractionRow), chunk)
    with store.engine.begin() as conn:
        rebuild(conn, store.settings)
    with store.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("VACUUM ANALYZE" if dialect == "postgresql" else "ANALYZE")
    return store, time.perf_counter() - began


def _span(weeks: int = 12) -> tuple[date, date]:
    return END - timedelta(weeks=weeks) + timedelta(days=1), END


def _time(call: Any, repeats: int, *args: Any) -> list[float]:
    out = []
    for i in range(repeats + 1):
        began = time.perf_counter()
        call(*args)
        if i:  # the first run warms the caches
            out.append((time.perf_counter() - began) * 1000)
    return out


def _series(store: Store, metric: str) -> None:
    start, end = _span()
    rows = kpi_series(
        store=store, tenant="default", metric=metric, start=start, end=end, by="queue", interval="week"
    )
    assert len(rows) >= 8 * len(QUEUES), (metric, len(rows))


def _raw_python(store: Store, metric: str) -> None:
    start, end = _span()
    scope = Scope(store, "default", start, end, ("queue",), "week", None)
    for sample in collect(scope, metric, raw=True).values():
        summarize(metric, sample, min_sample=store.settings.min_sample)


def _raw_scan(store: Store) -> None:
    start, end = _span()
    t = InteractionRow.__table__.c
    stmt = (
        select(t.iso_week, t.queue, func.count())
        .where(t.tenant == "default", t.local_date >= start, t.local_date <= end)
        .group_by(t.iso_week, t.queue)
    )
    with store.session() as session:
        assert len(session.execute(stmt).all()) == 12 * len(QUEUES)


def _p95(values: list[float]) -> float:
    return float(np.quantile(values, 0.95))


def _row(measure: str, value: float, unit: str, target: str = "", note: str = "") -> dict[str, Any]:
    return {"measure": measure, "value": round(value, 2), "unit": unit, "target": target, "note": note}


def run(quick: bool) -> Iterable[dict[str, Any]]:
    """Yield, per database and size, each metric's latency with its ratios to the raw references."""
    sizes = [100_000] if quick else [1_000_000]
    dialects = ["sqlite"] + (["postgresql"] if postgres_base() else [])
    for n, dialect in [(n, d) for n in sizes for d in dialects]:
        label = f"{n // 1000} k" if n < 1_000_000 else f"{n // 1_000_000} M"
        store, build = cached_store(dialect, n)
        where = f"{dialect} @ {label}"
        if build is not None:
            yield _row(f"kpi bench store build, {where}", build, "s", note="bulk insert + rollup rebuild")
        scan = _time(_raw_scan, 5, store)
        scan_p95 = _p95(scan)
        yield _row(f"raw SQL scan (count by week, queue), {where}", scan_p95, "ms", note="p95, reference")
        for metric in METRIC_NAMES:
            fast = _time(_series, 3 if quick else 20, store, metric)
            raw = _time(_raw_python, 1, store, metric)  # slow by nature: one warm and one timed run
            p95, raw_p95 = _p95(fast), _p95(raw)
            target = "< 200 ms" if n >= 1_000_000 else ""
            yield {
                **_row(f"kpi {metric} weekly by queue 12 w p95, {where}", p95, "ms", target),
                "p50": round(statistics.median(fast), 2),
                "raw_python_ms": round(raw_p95, 1),
                "raw_scan_ms": round(scan_p95, 1),
                "vs_raw_python": round(raw_p95 / p95, 1),
                "vs_raw_scan": round(p95 / scan_p95, 2),
                "note": f"{len(fast)} runs; pre-rollup Python {raw_p95:.0f} ms (× {raw_p95 / p95:.1f} "
                f"faster); raw SQL scan {scan_p95:.0f} ms (rollup = {p95 / scan_p95:.2f} × scan)",
            }
        store.close()
