"""`parcours ingest`: load interaction files into the store and the index.

Exit codes: 0 every record stored; 1 done, but some records were rejected, a file held no record, or the
index could not be updated (the stored records stay); 2 bad arguments (a missing file, an unknown format).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.markup import escape

from cli.common import (
    EXIT_INCOMPLETE,
    err_console,
    fail,
    open_index,
    open_store,
    out_console,
    print_json,
    progress_bar,
)

if TYPE_CHECKING:
    from store.db import Store
    from store.ingest import IngestSummary

FORMAT_NAMES = ("auto", "jsonl", "json", "csv", "fhir")
SHOWN_ERRORS = 50


def ingest(
    files: Annotated[list[Path], typer.Argument(help="JSONL, JSON, CSV or FHIR files of interactions.")],
    fmt: Annotated[str, typer.Option("--format", help="auto, jsonl, json, csv or fhir.")] = "auto",
    tenant: Annotated[
        str | None, typer.Option(help="Force this tenant (records naming another are refused).")
    ] = None,
    no_index: Annotated[
        bool,
        typer.Option(
            "--no-index",
            help="Store only; index later with `parcours reindex` (theme vectors: the next analysis).",
        ),
    ] = False,
    defer_themes: Annotated[
        bool,
        typer.Option(
            "--defer-themes",
            help="Do not compute the theme vectors now: `parcours worker` or the next analysis does.",
        ),
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
) -> None:
    """Ingest interaction files: validate, redact, store (idempotent) and index.

    Then the theme vectors of the new interactions are computed (what theme discovery reads), so the next
    `parcours analyze` does not wait for them; with a task queue configured, a worker computes them.
    Exit 1 when a record was rejected, a file held no record or the index was not updated.
    """
    if fmt not in FORMAT_NAMES:
        raise fail(f"unknown format {fmt!r}; expected one of {', '.join(FORMAT_NAMES)}")
    missing = [str(f) for f in files if not f.is_file()]
    if missing:
        raise fail(f"no such file: {', '.join(missing)}")
    from core.privacy.pseudonyms import PseudonymKeyError
    from store.ingest import IngestSummary, ingest_paths
    from store.parsers import detect_format

    store = open_store()
    indexer = None if no_index else open_index()
    summary = IngestSummary()
    empty: list[str] = []
    sizes = [f.stat().st_size for f in files]
    try:
        with progress_bar(as_json=as_json, counts="bytes") as progress:
            task = progress.add_task("ingesting", total=sum(sizes))
            for number, path in enumerate(files):
                offset = sum(sizes[:number])

                def advance(done: int, _total: int, offset: int = offset) -> None:
                    progress.update(task, completed=offset + done)

                part = ingest_paths(
                    store, [path], fmt=fmt, indexer=indexer, tenant=tenant, on_progress=advance
                )
                if part.accepted + part.updated + part.unchanged + part.rejected == 0:
                    read_as = detect_format(path) if fmt == "auto" else fmt
                    empty.append(f"{path}: no interaction record found (read as {read_as})")
                _add(summary, part)
        themes = None if defer_themes or no_index else _theme_vectors(store, indexer, as_json=as_json)
    except PseudonymKeyError as exc:
        raise fail(str(exc)) from None
    finally:
        store.close()
    if as_json:
        print_json({**summary.model_dump(), "empty_files": empty, "theme_vectors": themes})
    else:
        _print(summary)
        if themes is not None:
            err_console.print(_describe(themes))
    for problem in empty:
        err_console.print(
            f"[red]error:[/red] {escape(problem)}; expected JSONL, a JSON array, CSV with the record's "
            "columns or FHIR (choose with --format)",
            highlight=False,
            soft_wrap=True,
        )
    if summary.rejected:
        err_console.print(f"[yellow]{summary.rejected} records rejected[/yellow]; the others are stored")
    for problem in summary.index_errors:
        err_console.print(
            f"[red]index:[/red] {escape(problem)} — records are stored; run `parcours reindex --check`"
        )
    if empty or summary.rejected or summary.index_errors:
        raise typer.Exit(EXIT_INCOMPLETE)


def _theme_vectors(store: Store, indexer: Any, *, as_json: bool) -> dict[str, Any] | None:
    """Compute the theme vectors still missing (or queue the job for a worker); what was done."""
    from analytics.theme_vectors import fill_theme_vectors, pending
    from core.settings import get_settings
    from store.embedder import get_theme_embedder

    settings = get_settings()
    waiting = pending(store)
    if not waiting:
        return None
    if settings.queue_url:
        from api.taskqueue.procrastinate_queue import build_app, defer_theme_vectors

        app = build_app(settings.queue_url, sync=True)
        with app.open():
            defer_theme_vectors(app)
        return {"queued": waiting}
    model = get_theme_embedder(settings, fallback=getattr(indexer, "embedder", None))
    with progress_bar(as_json=as_json) as progress:
        task = progress.add_task("theme vectors", total=waiting)
        done = fill_theme_vectors(
            store=store, embedder=model, on_progress=lambda n: progress.update(task, completed=n)
        )
    return {"interactions": done.interactions, "seconds": round(done.seconds, 1), "model": model.name}


def _describe(themes: dict[str, Any]) -> str:
    if "queued" in themes:
        return f"Theme vectors of {themes['queued']} interactions queued for `parcours worker`."
    return (
        f"Theme vectors of {themes['interactions']} interactions computed in {themes['seconds']} s "
        f"({escape(themes['model'])})."
    )


def _add(into: IngestSummary, part: IngestSummary) -> None:
    into.accepted += part.accepted
    into.updated += part.updated
    into.unchanged += part.unchanged
    into.rejected += part.rejected
    into.errors.extend(part.errors)
    into.index_errors.extend(part.index_errors)
    into.batch_id = into.batch_id or part.batch_id


def _print(summary: IngestSummary) -> None:
    from rich.table import Table

    console = out_console()
    columns = ("accepted", "updated", "unchanged", "rejected")
    table = Table(title="Ingestion")
    for column in columns:
        table.add_column(column, justify="right")
    table.add_row(*(str(getattr(summary, c)) for c in columns))
    console.print(table)
    if not summary.errors:
        return
    errors = Table(title="Rejected records")
    for column in ("record", "id", "reason"):
        errors.add_column(column)
    for error in summary.errors[:SHOWN_ERRORS]:
        errors.add_row(f"#{error.index}", error.id or "(no id)", error.error)
    console.print(errors)
    if len(summary.errors) > SHOWN_ERRORS:
        console.print(f"… and {len(summary.errors) - SHOWN_ERRORS} more (use --json for all)")


def register(app: typer.Typer) -> None:
    """Add the ingestion command."""
    app.command("ingest")(ingest)
