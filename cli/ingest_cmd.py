"""`parcours ingest`: load interaction files into the store and the index."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, DownloadColumn, Progress, TimeRemainingColumn
from rich.table import Table

from cli.common import err_console, fail, open_index, open_store, print_json
from core.privacy.pseudonyms import PseudonymKeyError
from core.settings import get_settings
from store.ingest import ingest_paths
from store.parsers import FORMATS


def ingest(
    files: Annotated[list[Path], typer.Argument(help="JSONL, JSON or CSV files of interactions.")],
    fmt: Annotated[str, typer.Option("--format", help="auto, jsonl, json or csv.")] = "auto",
    tenant: Annotated[
        str | None, typer.Option(help="Force this tenant (records naming another are refused).")
    ] = None,
    no_index: Annotated[
        bool, typer.Option("--no-index", help="Store only; index later with `parcours reindex`.")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
) -> None:
    """Ingest interaction files: validate, redact, store (idempotent) and index."""
    if fmt not in FORMATS:
        raise fail(f"unknown format {fmt!r}; expected one of {', '.join(FORMATS)}")
    missing = [str(f) for f in files if not f.is_file()]
    if missing:
        raise fail(f"no such file: {', '.join(missing)}")
    settings = get_settings()
    store = open_store(settings)
    indexer = None if no_index else open_index(settings)
    with Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        DownloadColumn(),
        TimeRemainingColumn(),
        console=err_console,
        transient=True,
        disable=as_json and not err_console.is_terminal,
    ) as progress:
        task = progress.add_task("ingesting", total=sum(f.stat().st_size for f in files))
        try:
            summary = ingest_paths(
                store,
                files,
                fmt=fmt,
                indexer=indexer,
                tenant=tenant,
                on_progress=lambda done, total: progress.update(task, completed=done, total=total),
            )
        except PseudonymKeyError as exc:
            raise fail(str(exc)) from None
    if as_json:
        print_json(summary.model_dump())
    else:
        table = Table(title="Ingestion")
        for column in ("accepted", "updated", "unchanged", "rejected"):
            table.add_column(column, justify="right")
        table.add_row(*(str(getattr(summary, c)) for c in ("accepted", "updated", "unchanged", "rejected")))
        err_console.print(table)
        for error in summary.errors[:50]:
            err_console.print(f"  [yellow]#{error.index}[/yellow] {error.id or '(no id)'}: {error.error}")
        if len(summary.errors) > 50:
            err_console.print(f"  … and {len(summary.errors) - 50} more (use --json for all)")
        for problem in summary.index_errors:
            err_console.print(
                f"[red]index:[/red] {problem} — records are stored; run `parcours reindex --check`"
            )
    store.close()


def register(app: typer.Typer) -> None:
    """Add the ingestion command."""
    app.command("ingest")(ingest)
