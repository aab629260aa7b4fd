"""`parcours purge`: delete what the retention settings no longer keep (run it daily, e.g. from cron)."""

from __future__ import annotations

from typing import Annotated

import typer

from cli.common import EXIT_ERASURE_INCOMPLETE, err_console, open_store, out_console, print_json


def purge(
    as_json: Annotated[bool, typer.Option("--json", help="Print the purge report as JSON.")] = False,
) -> None:
    """Apply the retention settings: old interactions (and their copies), analyses, checkpoints, errors."""
    from rich.table import Table

    from analytics.erasure_texts import embedded_texts
    from core.settings import get_settings
    from store.retention import purge as run_purge

    settings = get_settings()
    store = open_store(settings)
    try:
        report = run_purge(
            store=store, settings=settings, derived_texts=embedded_texts, requested_by="cli:purge"
        )
    finally:
        store.close()
    if as_json:
        print_json(report.model_dump())
    else:
        table = Table(title=f"Purge {report.erasure_id}")
        table.add_column("kept since (UTC)")
        table.add_column("data")
        for name, cutoff in report.cutoffs.items():
            table.add_row(cutoff or "forever", name.replace("_", " "))
        out_console().print(table)
        removed = ", ".join(f"{n.replace('_', ' ')}: {c}" for n, c in report.counts.items()) or "nothing"
        out_console().print(f"removed or rewritten — {removed}")
        for problem in report.problems:
            err_console.print(f"[yellow]incomplete:[/yellow] {problem}")
    if not report.complete:
        raise typer.Exit(EXIT_ERASURE_INCOMPLETE)


def register(app: typer.Typer) -> None:
    """Add the purge command."""
    app.command("purge")(purge)
