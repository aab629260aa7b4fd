"""The weekly analysis of one large generated week, after ingest: wall time, peak memory, reads of the period.

`python -m evals.bench analysis [--quick]` (full: 5 weeks of 100 k interactions, the last one analysed;
quick: 5 weeks of 4 000). `python -m evals.bench.analysis --per-week N [--baseline-per-week M] [--tree DIR]
[--profile FILE]` measures one size (earlier weeks of M interactions, an even sample of the generated ones),
with the code of another checkout when `--tree` is given, writing the analysis's cProfile with `--profile`.

The weeks are generated (`evals.generator`) and ingested through `store.ingest.ingest_records` (SQL only: the
analysis does not read the vector index) into a SQLite home cached under `PARCOURS_BENCH_CACHE`. Then, as
after any ingestion, the theme-vector job (`analytics.theme_vectors`) computes the theme vectors of every
ingested interaction (timed: vectors cached per second), and the week before the last is analysed once, so
the registry holds themes as in a centre analysed every week. Each measured run copies that home and runs the
**first** analysis of the last week, offline, with the configured theme model(s)
(`PARCOURS_THEME_EMBEDDING_MODEL` is passed on; `same` = MiniLM alone), in a fresh process: its wall time, its
peak resident memory (`ru_maxrss`), how many SELECTs on interactions bounded by dates it made and how many
vectors it had to encode (new embedding-cache rows).
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
home, week, profile = sys.argv[1], sys.argv[2], sys.argv[3]
settings = Settings(home=home)
store = Store.from_settings(settings)
from sqlalchemy import func, select
from store.schema import EmbeddingCacheRow
def cached():
    with store.session() as session:
        return session.execute(select(func.count()).select_from(EmbeddingCacheRow)).scalar_one()
before = cached()
dated = []
def count(conn, cursor, statement, *args):
    where = statement.upper().partition("WHERE")[2]
    if statement.lstrip().upper().startswith("SELECT") and re.search(r"(FROM|JOIN)\\s+\\"?INTERACTIONS\\b",
            statement.upper()) and "LOCAL_DATE" in where and not re.search(r"\\bMATCH\\b|@@", statement):
        dated.append(1)
event.listen(store.engine, "before_cursor_execute", count)
from agent.analysis import run_analysis
import faulthandler, os
faulthandler.dump_traceback_later(600, repeat=True)
embedder = None
if os.environ.get("PARCOURS_BENCH_HASHING"):
    from store.embedder import FakeEmbedder
    embedder = FakeEmbedder(384)
began = time.perf_counter()
run = f"an-bench-{time.time_ns()}"  # a new run each time (a finished one would only be read back)
if profile:
    import cProfile
    profiler = cProfile.Profile()
    result = profiler.runcall(run_analysis, store=store, period=parse_period(week), model=None,
        analysis_id=run, embedder=embedder)
    profiler.dump_stats(profile)
else:
    result = run_analysis(store=store, period=parse_period(week), model=None, analysis_id=run,
        embedder=embedder)
wall = time.perf_counter() - began
print(json.dumps({"wall_s": round(wall, 1), "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF)
    .ru_maxrss / 1024), "dated_selects": len(dated), "frictions": len(result.frictions),
    "themes": len(result.themes), "actions": len(result.actions), "texts_encoded": cached() - before}))
"""
FILL = """
import json, resource, sys
from sqlalchemy import func, select
from analytics.theme_vectors import fill_theme_vectors, pending
from core.settings import Settings
from store.db import Store
from store.embedder import get_theme_embedder
from store.schema import EmbeddingCacheRow
settings = Settings(home=sys.argv[1])
store = Store.from_settings(settings)
def cached():
    with store.session() as session:
        return session.execute(select(func.count()).select_from(EmbeddingCacheRow)).scalar_one()
before, waiting = cached(), pending(store)
import os
from store.embedder import FakeEmbedder
model = FakeEmbedder(384) if os.environ.get("PARCOURS_BENCH_HASHING") else get_theme_embedder(settings)
done = fill_theme_vectors(store=store, embedder=model)
encoded = cached() - before
print(json.dumps({"fill_interactions": done.interactions, "fill_s": round(done.seconds),
    "theme_model": model.name,
    "fill_vectors_cached": encoded, "fill_vectors_per_s": round(encoded / max(done.seconds, 1e-9), 1),
    "fill_peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)}))
"""


KEPT = ("PARCOURS_THEME_EMBEDDING_MODEL", "PARCOURS_BENCH_HASHING")
"""Settings the bench passes on to its children (`same`: the themes read MiniLM alone, a faster measure;
`PARCOURS_BENCH_HASHING=1`, set by `--hashing-vectors`: theme vectors of the tests' hashing embedder, 384
dimensions like MiniLM, so everything but a model's encoding is timed at sizes whose encoding would take
hours here)."""


def _env(home: Path, tree: Path | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PARCOURS_") or k in KEPT}
    env.update(PARCOURS_HOME=str(home), PARCOURS_PSEUDONYM_KEY="bench-analysis-key-0123456789abcdef0123")
    if tree is not None:
        env["PYTHONPATH"] = str(tree)
    return env


def _subsampled(records: Iterable[dict[str, Any]], weeks: dict[str, str], last: str, keep: float):
    """The last week's records, and an even share `keep` of the earlier weeks' records."""
    seen: dict[str, int] = {}
    for record in records:
        week = weeks.get(str(record.get("id")), last)
        if week == last or keep >= 1:
            yield record
            continue
        n = seen[week] = seen.get(week, 0) + 1
        if int(n * keep) != int((n - 1) * keep):
            yield record


def cached_home(
    per_week: int, baseline_per_week: int | None = None
) -> tuple[Path, list[str], dict[str, Any]]:
    """The home holding the generated weeks, ingested, theme vectors filled, the week before analysed once.

    Returns the home, the generated weeks and what the build measured (seconds, vectors cached). The
    earlier weeks hold `baseline_per_week` interactions each (default `per_week`): an even sample of the
    generated ones.
    """
    base = per_week if baseline_per_week is None else baseline_per_week
    model = (
        "hashing"
        if os.environ.get("PARCOURS_BENCH_HASHING")
        else os.environ.get("PARCOURS_THEME_EMBEDDING_MODEL", "")
    )
    name = f"analysis-v2-{per_week}" + (f"-b{base}" if base != per_week else "")
    home = cache_dir() / (name + (f"-t{model.replace('/', '_')}" if model else ""))
    done, ingested = home / "built.json", home / "ingested.json"
    if done.exists():
        return home, json.loads(done.read_text())["weeks"], json.loads(done.read_text())
    os.environ["PARCOURS_PSEUDONYM_KEY"] = _env(home)["PARCOURS_PSEUDONYM_KEY"]
    from core.settings import Settings
    from store.db import Store

    if not ingested.exists():
        from evals.generator import generate
        from store.ingest import ingest_records

        shutil.rmtree(home, ignore_errors=True)
        home.mkdir(parents=True)
        began = time.perf_counter()
        store = Store.from_settings(Settings(home=home))
        records, truth = generate(weeks=WEEKS, per_week=per_week, seed=SEED, end=END)
        sample = _subsampled(records, truth.interaction_weeks, truth.weeks[-1], base / per_week)
        summary = ingest_records(store, sample, collect=False)
        store.close()
        ingested.write_text(
            json.dumps(
                {
                    "weeks": truth.weeks,
                    "accepted": summary.accepted,
                    "rejected": summary.rejected,
                    "ingest_s": round(time.perf_counter() - began),
                }
            )
        )
    built: dict[str, Any] = json.loads(ingested.read_text())
    built.update(_fill(home))  # what `parcours ingest` or the worker does after an ingestion
    warm = _measure(
        home, built["weeks"][-2], None
    )  # the registry holds themes, as in a centre analysed weekly
    built["warm_analysis"] = warm
    done.write_text(json.dumps(built))
    return home, built["weeks"], built


def _fill(home: Path) -> dict[str, Any]:
    """Compute the theme vectors of everything ingested (the queued job), in a child process; its figures."""
    child = subprocess.run(
        [sys.executable, "-c", FILL, str(home)],
        env=_env(home),
        stdout=subprocess.PIPE,
        text=True,
        check=True,
    )
    return json.loads(child.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def _measure(home: Path, week: str, tree: Path | None, profile: Path | None = None) -> dict[str, Any]:
    log = cache_dir() / "analysis-child.log"  # the analysis's own log (and a traceback every 10 minutes)
    with log.open("w") as errors:
        child = subprocess.run(
            [sys.executable, "-X", "faulthandler", "-c", CHILD, str(home), week, str(profile or "")],
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


def measure(
    per_week: int,
    tree: Path | None = None,
    *,
    baseline_per_week: int | None = None,
    profile: Path | None = None,
) -> dict[str, Any]:
    """One measured analysis of the last week, on a copy of the cached home (its first analysis)."""
    home, weeks, built = cached_home(per_week, baseline_per_week)
    with tempfile.TemporaryDirectory(prefix="parcours-analysis-", dir=cache_dir()) as scratch:
        copy = Path(scratch) / "home"
        shutil.copytree(home, copy)
        figures = _measure(copy, weeks[-1], tree, profile)
    figures.update(
        week=weeks[-1],
        per_week=per_week,
        baseline_per_week=per_week if baseline_per_week is None else baseline_per_week,
        theme_model=built.get("theme_model"),
        ingest_s=built.get("ingest_s"),
        fill_s=built.get("fill_s"),
        fill_vectors_per_s=built.get("fill_vectors_per_s"),
    )
    return figures


def run(quick: bool = False) -> Iterable[dict[str, object]]:
    """Bench rows: wall time, peak memory, dated reads and texts encoded by the first analysis of a week."""
    per_week = 4_000 if quick else 100_000
    figures = measure(per_week)
    note = (
        f"{figures['week']}, {per_week} interactions a week, {WEEKS} weeks ingested, "
        f"theme model {figures['theme_model']}"
    )
    yield {
        "measure": "analysis wall time",
        "value": figures["wall_s"],
        "unit": "s",
        "target": "< 120 s at 100 k",
        "note": note,
    }
    yield {
        "measure": "analysis peak memory",
        "value": figures["peak_rss_mb"],
        "unit": "MiB",
        "target": "< 4096 MiB",
        "note": note,
    }
    yield {
        "measure": "analysis reads of interactions by date",
        "value": figures["dated_selects"],
        "unit": "SELECTs",
        "note": "the transcript search's full-text matches not counted",
    }
    yield {
        "measure": "analysis texts encoded",
        "value": figures["texts_encoded"],
        "unit": "vectors",
        "note": "theme vectors computed after ingestion: the analysis finds them cached",
    }
    if figures.get("fill_s") is not None:
        yield {
            "measure": "theme vectors after ingestion",
            "value": figures["fill_vectors_per_s"],
            "unit": "vectors/s",
            "note": f"{figures['fill_s']} s for every ingested interaction (the queued job), {note}",
        }


def main() -> None:
    """Command line: measure one size, optionally with another checkout's code."""
    parser = argparse.ArgumentParser(description="Parcours analysis benchmark")
    parser.add_argument("--per-week", type=int, default=4_000)
    parser.add_argument(
        "--baseline-per-week",
        type=int,
        default=None,
        help="interactions in each earlier week (default: --per-week), an even sample of the generated ones",
    )
    parser.add_argument("--tree", type=Path, default=None, help="a checkout whose code runs the analysis")
    parser.add_argument("--profile", type=Path, default=None, help="write the analysis's cProfile here")
    parser.add_argument(
        "--hashing-vectors",
        action="store_true",
        help="theme vectors of the tests' hashing embedder: times everything but a model's encoding",
    )
    args = parser.parse_args()
    if args.hashing_vectors:
        os.environ["PARCOURS_BENCH_HASHING"] = "1"
    figures = measure(
        args.per_week, args.tree, baseline_per_week=args.baseline_per_week, profile=args.profile
    )
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
