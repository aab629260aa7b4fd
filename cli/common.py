"""What the command modules share: consoles, the store and index of the settings, JSON output."""

from __future__ import annotations

import json
import sys
from typing import Any

import typer
from rich.console import Console

from core.settings import Settings, get_settings
from store.db import Store

err_console = Console(stderr=True)


def open_store(settings: Settings | None = None) -> Store:
    """The SQL store the settings point to (migrated)."""
    return Store.from_settings(settings or get_settings())


def open_index(settings: Settings | None = None) -> Any:
    """The vector index with the configured embedder."""
    from store.embedder import get_embedder
    from store.vector_index import VectorIndex

    settings = settings or get_settings()
    return VectorIndex.from_settings(settings, get_embedder(settings))


def print_json(value: Any) -> None:
    """Machine output: JSON on stdout."""
    json.dump(value, sys.stdout, ensure_ascii=False, indent=2, default=str)
    sys.stdout.write("\n")


def fail(message: str, code: int = 2) -> typer.Exit:
    """Print a readable error on stderr and return the exit to raise."""
    err_console.print(f"[red]error:[/red] {message}")
    return typer.Exit(code)
