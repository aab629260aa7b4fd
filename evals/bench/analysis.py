"""The weekly analysis of one large generated week, after ingest: wall time, peak memory, reads of the period.

`python -m evals.bench analysis [--quick]` (full: 5 weeks of 100 k interactions, the last one analysed;
quick: 5 weeks of 4 000). `python -m evals.bench.analysis --per-week N [--tree DIR]` measures one size, with
the code of another checkout when `--tree` is given (a before/after comparison on the same database).

The weeks are generated (`evals.generator`) and ingested through `store.ingest.ingest_records` (SQL only: the
analysis does not read the vector index) into a SQLite home cached under `PARCOURS_BENCH_CACHE`; one analysis
runs there once, so the embedding cache is warm and the themes exist, as for a centre analysed every week.
Each measured run copies that home and analyses the last week offline with the bundled embedding models in a
fresh process: its wall time, its peak resident memory (`ru_maxrss`) and how many SELECTs on interactions
bounded by dates it made.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable
from datetime import date
from pathlib import Path
from typing import Any

from evals.bench.kpi import cache_dir

WEEKS = 5
END = date(2026, 11, 30)
SEED = 11
CHILD = """
import json, re, resource, sys, time
from core.periods import parse_period
from core.settings import Settings
from store.db import Store
from sqlalchemy import event
home, week = sys.argv[1], sys.argv[2]
settings = Settings(home=home)
store = Store.from_settings(settings)
dated = []
def count(conn, cursor, statement, *args):
    where = statement.upper().partition("WHERE")[2]
    if statement.lstrip().upper().startswith("SELECT") and re.search(r"(FROM|JOIN)\\s+\\"?INTERACTIONS\\b",
            statement.upper()) and "LOCAL_DATE" in where and not re.search(r"\\bMATCH\\b|@@", statement):
        dated.append(1)
event.listen(store.engine, "before_cursor_execute", count)
from agent.analysis import run_analysis
import faulthandler
faulthandler.dump_traceback_later(600, repeat=True)
began = time.perf_counter()
run = f"an-bench-{time.time_ns()}"  # a new run each time (a finished one would only be read back)
result = run_analysis(store=store, period=parse_period(week), model=None, analysis_id=run)
wall = time.perf_counter() - began
print(json.dumps({"wall_s": round(wall, 1), "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF)
    .ru_maxrss / 1024), "dated_selects": len(dated), "frictions": len(result.frictions),
    "themes": len(result.themes), "actions": len(result.actions)}))
"""


def _env(home: Path, tree: Path | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PARCOURS_")}
    env.update(PARCOURS_HOME=str(home), PARCOURS_PSEUDONYM_KEY="bench-analysis-key-0123456789abcdef0123")
    if tree is not None:
        env["PYTHONPATH"] = str(tree)
    return env


def cached_home(per_week: int) -> tuple[Path, str, float | None]:
    """The home holding the generated weeks, ingested and analysed once; its last week; build seconds."""
    home = cache_dir() / f"analysis-v1-{per_week}"
    done = home / "built.json"
    if done.exists():
        return home, json.loads(done.read_text())["week"], None
    from evals.generator import generate
    from store.db import Store
    from store.ingest import ingest_records

    shutil.rmtree(home, ignore_errors=True)
    home.mkdir(parents=True)
    began = time.perf_counter()
    os.environ["PARCOURS_PSEUDONYM_KEY"] = _env(home)["PARCOURS_PSEUDONYM_KEY"]
    from core.settings import Settings

    store = Store.from_settings(Settings(home=home))
    records, truth = generate(weeks=WEEKS, per_week=per_week, seed=SEED, end=END)
    summary = ingest_records(store, records, collect=False)
    store.close()
    week = truth.weeks[-1]
    _measure(home, week, None)  # warms the embedding cache and names the themes
    done.write_text(json.dumps({"week": week, "rejected": summary.rejected}))
    return home, week, time.perf_counter() - began


def _measure(home: Path, week: str, tree: Path | None) -> dict[str, Any]:
    log = cache_dir() / "analysis-child.log"  # the analysis's own log (and a traceback every 10 minutes)
    with log.open("w") as errors:
        child = subprocess.run(
            [sys.executable, "-X", "faulthandler", "-c", CHILD, str(home), week],
            env={**_env(home, tree), "PYTHONFAULTHANDLER": "1"},
            cwd=str(tree) if tree else None,
            stdout=subprocess.PIPE,
            stderr=errors,
            text=True,
            check=False,
        )
    if child.returncode != 0:
        raise RuntimeError(f"analysis failed: see {log}")
    return json.loads(child.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def measure(per_week: int, tree: Path | None = None) -> dict[str, Any]:
    """One measured analysis of the last week, on a copy of the cached home."""
    home, week, built = cached_home(per_week)
    with tempfile.TemporaryDirectory(prefix="parcours-analysis-") as scratch:
        copy = Path(scratch) / "home"
        shutil.copytree(home, copy)
        figures = _measure(copy, week, tree)
    figures.update(week=week, per_week=per_week, build_s=None if built is None else round(built))
    return figures


def run(quick: bool = False) -> Iterable[dict[str, object]]:
    """Bench rows: wall time, peak memory and dated reads of the analysis of one week."""
    per_week = 4_000 if quick else 100_000
    figures = measure(per_week)
    note = f"{figures['week']}, {per_week} interactions a week, {WEEKS} weeks ingested"
    yield {"measure": "analysis wall time", "value": figures["wall_s"], "unit": "s", "note": note}
    yield {"measure": "analysis peak memory", "value": figures["peak_rss_mb"], "unit": "MiB", "note": note}
    yield {
        "measure": "analysis reads of interactions by date",
        "value": figures["dated_selects"],
        "unit": "SELECTs",
        "note": "the transcript search's full-text matches not counted",
    }


def main() -> None:
    """Command line: measure one size, optionally with another checkout's code."""
    parser = argparse.ArgumentParser(description="Parcours analysis benchmark")
    parser.add_argument("--per-week", type=int, default=4_000)
    parser.add_argument("--tree", type=Path, default=None, help="a checkout whose code runs the analysis")
    args = parser.parse_args()
    print(json.dumps(measure(args.per_week, args.tree)))


if __name__ == "__main__":
    main()
