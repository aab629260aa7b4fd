"""`parcours demo`: sample data with planted frictions → ingest → analysis of the last week → report."""

from __future__ import annotations

import json
import time
from typing import Annotated

import typer

from cli.common import err_console, open_index, open_store, out_console, progress_bar


def demo(
    weeks: Annotated[int, typer.Option(help="Weeks of sample data.")] = 8,
    per_week: Annotated[int, typer.Option(help="Interactions per week.")] = 500,
    seed: Annotated[int, typer.Option(help="Random seed of the generator.")] = 7,
) -> None:
    """Generate sample data, ingest it, analyse the last week, write the report, show the top findings."""
    from rich.table import Table

    from agent.analysis import run_analysis
    from api.report import write_report
    from core.settings import get_settings
    from evals.generator import generate
    from store.ingest import ingest_paths

    settings = get_settings()
    console = out_console()
    demo_dir = settings.home_dir / "demo"
    demo_dir.mkdir(parents=True, exist_ok=True)
    data_path, truth_path = demo_dir / "interactions.jsonl", demo_dir / "truth.json"

    started = time.perf_counter()
    records, truth = generate(weeks=weeks, per_week=per_week, seed=seed)
    with data_path.open("w", encoding="utf-8") as handle:
        for record in records:
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")
    truth_path.write_text(truth.model_dump_json(indent=2), encoding="utf-8")
    err_console.print(f"1/4 generated {weeks} weeks × {per_week} interactions → {data_path}")

    store = open_store(settings)
    index = open_index(settings)
    with progress_bar(as_json=False, counts="bytes") as progress:
        task = progress.add_task("2/4 ingesting, redacting and indexing", total=data_path.stat().st_size)
        summary = ingest_paths(
            store,
            [data_path],
            indexer=index,
            on_progress=lambda done, total: progress.update(task, completed=done, total=total),
        )
    err_console.print(
        f"2/4 ingested: {summary.accepted} new, {summary.updated} updated, {summary.unchanged} unchanged, "
        f"{summary.rejected} rejected"
    )
    with progress_bar(as_json=False, counts="percent") as progress:
        task = progress.add_task("3/4 analysing the last week", total=1.0)
        result = run_analysis(
            store=store,
            tenant="default",
            settings=settings,
            index=index,
            embedder=index.embedder,
            on_progress=lambda step, fraction: progress.update(
                task, description=f"3/4 analysing: {step}", completed=fraction
            ),
        )
    err_console.print(
        f"3/4 analysis {result.analysis_id} of {result.period.start} → {result.period.end} ({result.mode})"
    )
    report = write_report(
        result, settings.reports_dir / result.analysis_id, store=store, language=settings.language
    )
    err_console.print(f"4/4 report written in {time.perf_counter() - started:.0f} s")

    frictions = Table(title="Top frictions")
    for column in ("#", "friction", "volume", "score"):
        frictions.add_column(column)
    for f in result.frictions[:5]:
        frictions.add_row(str(f.rank), f.title, str(f.volume), f"{f.score:.2f}")
    console.print(frictions)
    actions = Table(title="Top actions")
    for column in ("#", "action", "effort", "score"):
        actions.add_column(column)
    for a in result.actions[:5]:
        actions.add_row(str(a.rank), a.title, a.effort, f"{a.score:.2f}")
    console.print(actions)
    console.print(f"Report: [bold]{report}[/bold]")
    console.print("Web app: [bold]parcours serve[/bold] (then open http://127.0.0.1:8000/)")
    store.close()


def register(app: typer.Typer) -> None:
    """Add the demo command."""
    app.command("demo")(demo)
