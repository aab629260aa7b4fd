"""`parcours search`: semantic and word search over the transcripts, with metadata filters."""

from __future__ import annotations

import dataclasses
from typing import Annotated, Any

import typer

from cli.common import fail, open_index, open_store, out_console, print_json
from cli.dates import parse_period

FILTER_HELP = "channel, queue, language, speaker, csat, abandoned, interaction_id"


def parse_where(pairs: list[str]) -> dict[str, Any]:
    """Filters from `key=value` strings; "queue=a,b" or the same key twice means any of the values."""
    grouped: dict[str, list[str]] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip() or not value.strip():
            raise fail(f"--where takes key=value with key in {FILTER_HELP}, not {pair!r}")
        grouped.setdefault(key.strip(), []).extend(v.strip() for v in value.split(","))
    return {key: values[0] if len(values) == 1 else values for key, values in grouped.items()}


def search(
    query: Annotated[str, typer.Argument(help="What to look for, in any language.")],
    k: Annotated[int, typer.Option("--k", min=1, max=1000, help="How many interactions to return.")] = 10,
    where: Annotated[
        list[str] | None,
        typer.Option("--where", help=f"Filter key=value (repeatable): {FILTER_HELP}."),
    ] = None,
    start: Annotated[
        str | None, typer.Option(help="First day, YYYY-MM-DD, or an ISO week (2026-W47: its Monday).")
    ] = None,
    end: Annotated[
        str | None, typer.Option(help="Last day, inclusive, YYYY-MM-DD or an ISO week (its Sunday).")
    ] = None,
    tenant: Annotated[str, typer.Option(help="Tenant to search.")] = "default",
    as_json: Annotated[bool, typer.Option("--json", help="Print the hits as JSON.")] = False,
) -> None:
    """Search the transcripts by meaning and by words (hybrid), with metadata filters."""
    from analytics.segment_filters import check_filter_values
    from store.retrieval import parse_where as check_where
    from store.retrieval import search_transcripts

    first, last = parse_period(start, end)
    filters = parse_where(where or [])
    store = open_store()
    try:
        filters = check_filter_values(store, tenant=tenant, filters=filters)
        check_where(filters)
    except ValueError as exc:
        store.close()
        raise fail(f"--where: {exc}") from None
    index = open_index()  # loads the embedding model: only once the arguments are known to be good
    try:
        hits = search_transcripts(
            store=store,
            index=index,
            tenant=tenant,
            query=query,
            k=k,
            where=filters,
            start=first,
            end=last,
        )
    except ValueError as exc:
        raise fail(str(exc)) from None
    finally:
        store.close()
    if as_json:
        print_json([dataclasses.asdict(h) for h in hits])
        return
    from rich.table import Table

    console = out_console()
    if not hits:
        console.print("no match", highlight=False)
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
    console.print(table)


def register(app: typer.Typer) -> None:
    """Add `search` to the command line."""
    app.command("search")(search)
