"""`parcours search` and `parcours reindex`: semantic search over transcripts and the index's upkeep."""

from __future__ import annotations

import dataclasses
from datetime import date
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn
from rich.table import Table

from cli.common import err_console, fail, open_index, open_store, print_json
from core.settings import get_settings


def _parse_where(pairs: list[str]) -> dict[str, object]:
    grouped: dict[str, list[str]] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise fail(f"--where takes key=value, not {pair!r}")
        # "queue=a,b" or the same key twice means any of the values
        grouped.setdefault(key.strip(), []).extend(v.strip() for v in value.split(","))
    return {key: values[0] if len(values) == 1 else values for key, values in grouped.items()}


def search(
    query: Annotated[str, typer.Argument(help="What to look for, in any language.")],
    k: Annotated[int, typer.Option("--k", help="How many interactions to return.")] = 10,
    where: Annotated[
        list[str] | None,
        typer.Option("--where", help="Filter key=value (channel, queue, language, speaker, csat, ...)."),
    ] = None,
    start: Annotated[str | None, typer.Option(help="First day (YYYY-MM-DD), inclusive.")] = None,
    end: Annotated[str | None, typer.Option(help="Last day (YYYY-MM-DD), inclusive.")] = None,
    tenant: Annotated[str, typer.Option(help="Tenant to search.")] = "default",
    as_json: Annotated[bool, typer.Option("--json", help="Print the hits as JSON.")] = False,
) -> None:
    """Search the transcripts by meaning and by words (hybrid), with metadata filters."""
    from store.retrieval import search_transcripts

    try:
        first = date.fromisoformat(start) if start else None
        last = date.fromisoformat(end) if end else None
    except ValueError as exc:
        raise fail(f"bad date: {exc}") from None
    settings = get_settings()
    store = open_store(settings)
    index = open_index(settings)
    try:
        hits = search_transcripts(
            store=store,
            index=index,
            tenant=tenant,
            query=query,
            k=k,
            where=_parse_where(where or []),
            start=first,
            end=last,
        )
    except ValueError as exc:
        raise fail(str(exc)) from None
    if as_json:
        print_json([dataclasses.asdict(h) for h in hits])
        return
    table = Table(title=f"Search: {query}")
    for column in ("#", "interaction", "score", "speaker", "queue", "date", "quote"):
        table.add_column(column)
    for n, hit in enumerate(hits, start=1):
        quote = " ".join(hit.quote.split())
        table.add_row(
            str(n),
            hit.interaction_id,
            f"{hit.score:.4f}",
            hit.speaker,
            str(hit.metadata.get("queue") or ""),
            str(hit.metadata.get("date")),
            quote[:160] + ("…" if len(quote) > 160 else ""),
        )
    err_console.print(table if hits else "no match")


def reindex(
    tenant: Annotated[str | None, typer.Option(help="Rebuild only this tenant.")] = None,
    check: Annotated[
        bool, typer.Option("--check", help="Only report interactions missing from or stale in the index.")
    ] = False,
    fix: Annotated[bool, typer.Option("--fix", help="With --check: repair only what is wrong.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the outcome as JSON.")] = False,
) -> None:
    """Rebuild the vector index from the SQL store (or check it with --check)."""
    settings = get_settings()
    store = open_store(settings)
    index = open_index(settings)
    if check:
        report = index.check(store=store, fix=fix, tenant=tenant)
        if as_json:
            print_json(report)
        else:
            err_console.print(report)
        if not report["ok"] and not fix:
            raise typer.Exit(1)
        return
    with Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=err_console,
        transient=True,
        disable=as_json and not err_console.is_terminal,
    ) as progress:
        task = progress.add_task("reindexing", total=None)
        done = index.reindex(
            store=store,
            tenant=tenant,
            progress=lambda n, total: progress.update(task, completed=n, total=total),
        )
    outcome = {"indexed": done, "chunks": index.count(tenant), "collections": index.prefix + "_*"}
    if as_json:
        print_json(outcome)
    else:
        err_console.print(f"indexed {done} interactions ({outcome['chunks']} chunks in {index.prefix}_*)")


def register(app: typer.Typer) -> None:
    """Add `search` and `reindex` to the command line."""
    app.command("search")(search)
    app.command("reindex")(reindex)
