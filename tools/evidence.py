"""How transcript quotes travel to the model: escaped `<transcript id="…">…</transcript>` blocks.

Every tool that shows a quote, an interaction id or any other text a patient, a sender or the model chose
goes through `escape_data`/`transcript_block`, so no such text can close a block, open a new one or
forge another interaction's id. The graphs never read these blocks back: they read the quotes from the
tools' artifacts (`artifact_quotes`).
"""

from __future__ import annotations

from html import escape
from typing import Any


def escape_data(text: object) -> str:
    """Text a sender or the model chose, made inert inside a tool result (<, > and & escaped)."""
    return escape(str(text), quote=False)


def transcript_block(interaction_id: str, text: str, *, limit: int = 400) -> str:
    """A quote wrapped so the model treats it as data: whitespace folded, cut at `limit`, escaped."""
    quote = " ".join(text.split())
    if len(quote) > limit:
        quote = quote[: limit - 1] + "…"
    return f'<transcript id="{escape(interaction_id, quote=True)}">{escape_data(quote)}</transcript>'


def without_quotes(text: str) -> list[str]:
    """The lines of a tool result besides its quotes (a transcript block is a line of its own).

    What a finding says of a tool call; the quotes themselves travel as data, in the tool's artifact.
    """
    lines = (line.strip() for line in text.splitlines())
    return [line for line in lines if line and not line.startswith("<transcript id=")]


def artifact_quotes(artifact: Any) -> list[tuple[str, str]]:
    """The (interaction id, raw quote) pairs a tool returned as data: search hits, theme quotes, frictions."""
    if not isinstance(artifact, dict):
        return []
    items: list[Any] = []
    if artifact.get("kind") == "search":
        items = list(artifact.get("rows") or [])
    elif artifact.get("kind") == "theme":
        items = list(artifact.get("quotes") or [])
    elif artifact.get("kind") == "frictions":
        items = [e for row in artifact.get("rows") or [] for e in row.get("evidence") or []]
    return [
        (str(item["interaction_id"]), str(item["quote"]))
        for item in items
        if isinstance(item, dict) and item.get("interaction_id") and item.get("quote")
    ]
