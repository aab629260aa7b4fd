"""`parcours generate`: synthetic interactions with planted frictions, and their truth."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Annotated

import typer

from cli.common import err_console, fail
from cli.dates import parse_day


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
        raise fail(f"--language must be fr, en or mix, not {language!r}")
    end_day = parse_day(end, "--end")
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


def register(app: typer.Typer) -> None:
    """Add the generate command."""
    app.command("generate")(generate_command)
