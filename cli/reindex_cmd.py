"""`parcours reindex`: rebuild the vector index from the SQL store, or check it."""

from __future__ import annotations

from typing import Annotated

import typer

from cli.common import EXIT_INCOMPLETE, open_index, open_store, out_console, print_json, progress_bar


def reindex(
    tenant: Annotated[str | None, typer.Option(help="Rebuild only this tenant.")] = None,
    check: Annotated[
        bool, typer.Option("--check", help="Only report interactions missing from or stale in the index.")
    ] = False,
    fix: Annotated[bool, typer.Option("--fix", help="With --check: repair only what is wrong.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the outcome as JSON.")] = False,
) -> None:
    """Rebuild the vector index from the SQL store (or check it with --check; exit 1 when it is not ok)."""
    store = open_store()
    index = open_index()
    try:
        if check:
            report = index.check(store=store, fix=fix, tenant=tenant)
            if as_json:
                print_json(report)
            else:
                out_console().print(report)
            if not report["ok"] and not fix:
                raise typer.Exit(EXIT_INCOMPLETE)
            return
        with progress_bar(as_json=as_json) as progress:
            task = progress.add_task("reindexing", total=None)
            done = index.reindex(
                store=store,
                tenant=tenant,
                progress=lambda n, total: progress.update(task, completed=n, total=total),
            )
    finally:
        store.close()
    outcome = {"indexed": done, "chunks": index.count(tenant), "collections": index.prefix + "_*"}
    if as_json:
        print_json(outcome)
    else:
        out_console().print(
            f"indexed {done} interactions ({outcome['chunks']} chunks in {index.prefix}_*)", highlight=False
        )


def register(app: typer.Typer) -> None:
    """Add `reindex` to the command line."""
    app.command("reindex")(reindex)
