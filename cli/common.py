"""What the command modules share: consoles, the store and index of the settings, JSON output, progress.

Imported by every command module when `parcours` starts, so it stays light: the store, the settings and the
embedding model are imported inside the functions that need them. Tables and JSON go to stdout; progress,
notes and errors go to stderr.
"""

from __future__ import annotations

import json
import sys
from typing import TYPE_CHECKING, Any

import typer
from rich.console import Console
from rich.markup import escape

if TYPE_CHECKING:
    from rich.progress import Progress

    from core.settings import Settings
    from store.db import Store

err_console = Console(stderr=True)
"""Progress, notes and errors."""

EXIT_OK = 0
EXIT_INCOMPLETE = 1
"""Done, but not everything went through (records rejected, a file without records, index problems)."""
EXIT_USAGE = 2
"""Bad command line: unknown option value, bad date, reversed period, unknown filter value, missing file."""
EXIT_ERASURE_INCOMPLETE = 3
"""An erasure or purge left copies it could not remove."""


def out_console() -> Console:
    """Tables and results: stdout (a fresh console, so tests capturing stdout see it)."""
    return Console()


def open_store(settings: Settings | None = None) -> Store:
    """The SQL store the settings point to (migrated)."""
    from core.settings import get_settings
    from store.db import Store

    return Store.from_settings(settings or get_settings())


def open_index(settings: Settings | None = None) -> Any:
    """The vector index with the configured embedder (this loads the embedding model)."""
    from core.settings import get_settings
    from store.embedder import get_embedder
    from store.vector_index import VectorIndex

    settings = settings or get_settings()
    return VectorIndex.from_settings(settings, get_embedder(settings))


def tool_context(tenant: str) -> Any:
    """The tools' context (store, index, embedder) for a tenant, and the settings, for ask and chat."""
    from core.settings import get_settings
    from tools.context import ParcoursContext

    settings = get_settings()
    store = open_store(settings)
    index = open_index(settings)
    return ParcoursContext(store=store, tenant=tenant, index=index, embedder=index.embedder), settings


def print_json(value: Any) -> None:
    """Machine output: JSON on stdout."""
    json.dump(value, sys.stdout, ensure_ascii=False, indent=2, default=str)
    sys.stdout.write("\n")


def fail(message: str, code: int = EXIT_USAGE) -> typer.Exit:
    """Print a readable error on stderr and return the exit to raise."""
    # the message may echo what the user typed: escaped, so "[x]" prints as typed
    err_console.print(f"[red]error:[/red] {escape(message)}", highlight=False, soft_wrap=True)
    return typer.Exit(code)


def shows_progress(as_json: bool) -> bool:
    """Progress bars appear on a terminal only, and never beside JSON output."""
    return not as_json and err_console.is_terminal


def progress_bar(*, as_json: bool, counts: str = "items") -> Progress:
    """A rich progress bar on stderr, hidden with --json or when stderr is not a terminal.

    `counts` is "items" (n/total) or "bytes" (read/total size).
    """
    from rich.progress import (
        BarColumn,
        DownloadColumn,
        MofNCompleteColumn,
        Progress,
        TaskProgressColumn,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    amount = {"bytes": DownloadColumn(), "items": MofNCompleteColumn(), "percent": TaskProgressColumn()}
    return Progress(
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        amount[counts],
        TimeElapsedColumn() if counts == "percent" else TimeRemainingColumn(),
        console=err_console,
        transient=True,
        disable=not shows_progress(as_json),
    )
