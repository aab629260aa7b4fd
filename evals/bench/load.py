"""Load test: mixed ingest, KPI, search and report calls against a real `parcours serve` on 127.0.0.1.

A fresh home gets a key, seed interactions (through the API) and a finished analysis (run by the server's
own worker); then locust users (`evals.bench._load_users`, a separate process) send, for `duration`
seconds, batches of 20 new interactions, KPI series, searches and HTML reports. Printed: throughput,
p95 latency, errors (must be 0) and records lost (ids the server said it stored, missing from the database
afterwards: must be 0).

`python -m evals.bench.load [--duration 60] [--users 8] [--overlap] [--json]`; `make bench` runs 60 s.
`--overlap` makes every user draw its ids from one shared pool, so the same new ids race.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

SEED_RECORDS = 120
WEEK_START = "2026-11-16"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _env(home: Path) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("PARCOURS_") or k == "PARCOURS_EMBEDDING_MODEL"
    }
    env.update(
        PARCOURS_HOME=str(home), HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1", ANONYMIZED_TELEMETRY="False"
    )
    return env


@contextmanager
def serving(home: Path, port: int) -> Iterator[str]:
    """`parcours serve` on 127.0.0.1:port for this home, until the block ends."""
    log = open(home / "serve.log", "w", encoding="utf-8")  # noqa: SIM115 - closed below
    server = subprocess.Popen(
        [sys.executable, "-c", "from cli.main import main; main()", "serve", "--port", str(port)],
        env=_env(home),
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if server.poll() is not None:
                raise RuntimeError(f"parcours serve exited: {(home / 'serve.log').read_text()[-2000:]}")
            try:
                if httpx.get(f"{url}/readyz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.3)
        else:
            raise RuntimeError("parcours serve did not become ready in 120 s")
        yield url
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log.close()


def _seed(url: str, key: str) -> str:
    """Seed interactions through the API and run one analysis in the server; returns its id."""
    import random
    from datetime import UTC, datetime

    from evals.bench._load_users import record

    rng = random.Random(0)
    start = datetime.fromisoformat(WEEK_START).replace(tzinfo=UTC)
    batch = [record(f"seed-{n:04d}", rng, start) for n in range(SEED_RECORDS)]
    headers = {"Authorization": f"Bearer {key}"}
    with httpx.Client(base_url=url, headers=headers, timeout=300) as client:
        client.post("/v1/interactions", json={"interactions": batch}).raise_for_status()
        started = client.post("/v1/analyses", json={"start": WEEK_START, "end": "2026-11-22"})
        started.raise_for_status()
        analysis_id = str(started.json()["analysis_id"])
        deadline = time.monotonic() + 600
        while time.monotonic() < deadline:
            status = client.get(f"/v1/analyses/{analysis_id}").json()
            if status["status"] == "done":
                return analysis_id
            if status["status"] == "failed":
                raise RuntimeError(f"seed analysis failed: {status.get('error')}")
            time.sleep(1)
    raise RuntimeError("seed analysis did not finish in 600 s")


def _stored(home: Path, ids: list[str]) -> set[str]:
    from sqlalchemy import select

    from core.settings import Settings
    from store.db import Store
    from store.schema import InteractionRow

    store = Store.from_settings(Settings(home=home))
    try:
        found: set[str] = set()
        with store.session() as session:
            for i in range(0, len(ids), 500):
                chunk = ids[i : i + 500]
                found.update(
                    session.execute(
                        select(InteractionRow.ext_id).where(
                            InteractionRow.tenant == "default", InteractionRow.ext_id.in_(chunk)
                        )
                    ).scalars()
                )
        return found
    finally:
        store.close()


def measure(
    *, duration: float, users: int, overlap: bool = False, home: Path | None = None
) -> dict[str, Any]:
    """Run the load test on a fresh home; the figures as a dict."""
    with tempfile.TemporaryDirectory(prefix="parcours-load-") as scratch:
        home = home or Path(scratch) / "home"
        home.mkdir(parents=True, exist_ok=True)
        from api.auth import create_key
        from core.settings import Settings
        from store.db import Store

        store = Store.from_settings(Settings(home=home))
        key = create_key(store, tenant="default", scopes=["admin"], name="load").secret
        store.close()
        with serving(home, _free_port()) as url:
            analysis_id = _seed(url, key)
            out = home / "locust.json"
            child = subprocess.run(
                [
                    sys.executable, "-m", "evals.bench._load_users",
                    "--host", url, "--key", key, "--analysis", analysis_id, "--week-start", WEEK_START,
                    "--users", str(users), "--duration", str(duration), "--out", str(out),
                    *(["--overlap"] if overlap else []),
                ],
                env=_env(home),
                capture_output=True,
                text=True,
                timeout=duration + 300,
            )  # fmt: skip
            if child.returncode != 0:
                raise RuntimeError(f"locust failed: {child.stderr[-3000:]}")
            figures = json.loads(out.read_text())
        sent = figures.pop("stored_ids")
        figures["records_stored_by_server"] = len(sent)
        figures["records_lost"] = len(set(sent) - _stored(home, sent))
        figures.update(duration_s=duration, users=users, overlap=overlap)
        return figures


def run(quick: bool = False) -> list[dict[str, object]]:
    """Bench rows: 60 s of mixed load with 8 users (10 s with --quick)."""
    duration = 10.0 if quick else 60.0
    figures = measure(duration=duration, users=8)
    note = f"{duration:.0f} s, 8 users, ingest/kpi/search/report 3:3:3:1"
    rows: list[dict[str, object]] = [
        {"measure": "load throughput", "value": round(figures["rps"], 1), "unit": "req/s", "note": note},
        {"measure": "load p95 latency", "value": figures["p95_ms"], "unit": "ms", "note": note},
        {"measure": "load errors", "value": figures["failures"], "unit": "requests", "target": "0"},
        {"measure": "load records lost", "value": figures["records_lost"], "unit": "records", "target": "0",
         "note": f"of {figures['records_stored_by_server']} stored"},
    ]  # fmt: skip
    for name, entry in sorted(figures["by_name"].items()):
        rows.append(
            {
                "measure": f"load {name} p95",
                "value": entry["p95_ms"],
                "unit": "ms",
                "note": f"{entry['requests']} calls",
            }
        )
    return rows


def main() -> None:
    """Command line: print the figures."""
    parser = argparse.ArgumentParser(description="Parcours load test against a real parcours serve")
    parser.add_argument("--duration", type=float, default=60.0)
    parser.add_argument("--users", type=int, default=8)
    parser.add_argument("--overlap", action="store_true", help="users share one pool of new ids")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    figures = measure(duration=args.duration, users=args.users, overlap=args.overlap)
    if args.json:
        print(json.dumps(figures))
        return
    print(
        f"{figures['requests']} requests in {args.duration:.0f} s with {args.users} users: "
        f"{figures['rps']:.1f} req/s, p95 {figures['p95_ms']} ms, errors {figures['failures']}, "
        f"records lost {figures['records_lost']} of {figures['records_stored_by_server']}"
    )
    for name, entry in sorted(figures["by_name"].items()):
        print(f"  {name}: {entry['requests']} calls, p95 {entry['p95_ms']} ms, failures {entry['failures']}")
    for error in figures["errors"]:
        print(f"  error: {error}")


if __name__ == "__main__":
    main()
