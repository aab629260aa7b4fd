"""`parcours generate` (synthetic data with planted frictions) and `parcours eval` (quality suites)."""

from __future__ import annotations

import json
import sys
import time
from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from cli.common import fail, print_json

err_console = Console(stderr=True)


def generate_command(
    out: Annotated[Path, typer.Option("--out", help="JSONL file to write ('-' for stdout).")],
    weeks: Annotated[int, typer.Option(help="Weeks of data, ending the Sunday before --end.")] = 8,
    per_week: Annotated[int, typer.Option("--per-week", help="Interactions per week.")] = 2500,
    seed: Annotated[int, typer.Option(help="Random seed (same seed, same data).")] = 7,
    tenant: Annotated[str, typer.Option(help="Tenant written in every record.")] = "default",
    language: Annotated[str, typer.Option(help="fr, en or mix (about 75 % French).")] = "mix",
    truth: Annotated[
        Path | None, typer.Option("--truth", help="Where to write the truth file (JSON).")
    ] = None,
    end: Annotated[
        str | None,
        typer.Option(help="Generate up to the Sunday before this date (YYYY-MM-DD); default today."),
    ] = None,
) -> None:
    """Generate realistic bilingual contact-centre interactions with planted frictions (and their truth)."""
    from evals.generator import generate

    if language not in ("fr", "en", "mix"):
        err_console.print("[red]error:[/red] --language must be fr, en or mix")
        raise typer.Exit(2)
    try:
        end_day = date.fromisoformat(end) if end else None
    except ValueError:
        err_console.print(f"[red]error:[/red] --end must be a date like 2026-11-23, not {end!r}")
        raise typer.Exit(2) from None
    started = time.perf_counter()
    records, truth_model = generate(
        weeks=weeks, per_week=per_week, seed=seed, tenant=tenant, language=language, end=end_day
    )
    count = 0
    handle = sys.stdout if str(out) == "-" else out.open("w", encoding="utf-8")
    try:
        for record in records:
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")
            count += 1
    finally:
        if handle is not sys.stdout:
            handle.close()
    if truth is not None:
        truth.write_text(truth_model.model_dump_json(indent=1), encoding="utf-8")
    elapsed = time.perf_counter() - started
    err_console.print(
        f"generated {count} interactions ({truth_model.weeks[0]} → {truth_model.weeks[-1]}, "
        f"{len(truth_model.themes)} themes, {len(truth_model.frictions)} planted frictions) "
        f"in {elapsed:.1f} s"
        + ("" if str(out) == "-" else f" → {out}")
        + (f"; truth → {truth}" if truth else "")
    )


def eval_command(
    suite: Annotated[str, typer.Option(help="synthetic, dstc11-insurance, banking77, chat or all.")] = "all",
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON on stdout.")] = False,
    weeks: Annotated[int, typer.Option(help="Synthetic suite: weeks generated.")] = 6,
    per_week: Annotated[
        int, typer.Option("--per-week", help="Synthetic suite: interactions per week.")
    ] = 2000,
    seed: Annotated[int, typer.Option(help="Synthetic suite: random seed.")] = 7,
    fake_embedder: Annotated[
        bool,
        typer.Option("--fake-embedder", help="Use the hashing embedder instead of the real model (fast)."),
    ] = False,
    labelled: Annotated[
        Path | None,
        typer.Option(
            "--labelled",
            help="Score theme discovery on your own labelled JSONL ({text, label[, language, date]}) "
            "through ingest and the analysis, instead of the suites.",
        ),
    ] = None,
) -> None:
    """Score theme discovery, frictions, anomalies and actions against known answers."""
    from evals.runner import SUITES, print_table, run_eval

    if suite not in (*SUITES, "all"):
        raise fail(f"--suite must be one of {', '.join(SUITES)} or all")
    if labelled is not None and not labelled.is_file():
        raise fail(f"--labelled: no such file: {labelled}")
    try:
        report = run_eval(
            suite=suite,
            weeks=weeks,
            per_week=per_week,
            seed=seed,
            fake_embedder=fake_embedder,
            labelled=labelled,
        )
    except ValueError as exc:
        raise fail(str(exc)) from exc
    if as_json:
        print_table(report, err_console)
        print_json(report)
    else:
        print_table(report)
    if any(s.get("error") for s in report["suites"].values()):
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    """Add the generate and eval commands."""
    app.command("generate")(generate_command)
    app.command("eval")(eval_command)
