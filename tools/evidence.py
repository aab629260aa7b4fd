"""How transcript quotes travel to the model: escaped `<transcript id="…">…</transcript>` blocks.

Every tool that shows a quote, an interaction id or any other text a patient, a sender or the model chose
goes through `escape_data`/`transcript_block`, so no such text can close a block, open a new one or
forge another interaction's id. `parse_transcripts` reads the blocks back (unescaped) for the graphs.
"""

from __future__ import annotations

import re
from html import escape, unescape

TRANSCRIPT_BLOCK = re.compile(r'<transcript id="([^"<>]*)">([^<]*)</transcript>')
"""One block as `transcript_block` writes it: the id and the text are escaped, so neither holds < or "."""


def escape_data(text: object) -> str:
    """Text a sender or the model chose, made inert inside a tool result (<, > and & escaped)."""
    return escape(str(text), quote=False)


def transcript_block(interaction_id: str, text: str, *, limit: int = 400) -> str:
    """A quote wrapped so the model treats it as data: whitespace folded, cut at `limit`, escaped."""
    quote = " ".join(text.split())
    if len(quote) > limit:
        quote = quote[: limit - 1] + "…"
    return f'<transcript id="{escape(interaction_id, quote=True)}">{escape_data(quote)}</transcript>'


def parse_transcripts(text: str) -> list[tuple[str, str]]:
    """The (interaction id, quote) of each block in a tool result, unescaped, in order."""
    return [(unescape(i), unescape(q)) for i, q in TRANSCRIPT_BLOCK.findall(text)]


def strip_transcripts(text: str) -> str:
    """A tool result without its transcript blocks."""
    return TRANSCRIPT_BLOCK.sub("", text)
