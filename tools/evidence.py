"""How transcript quotes travel to the model: escaped `<transcript id="…">…</transcript>` blocks.

Every tool that shows a quote, an interaction id or any other text a patient, a sender or the model chose
goes through `escape_data`/`transcript_block`, so no such text can close a block, open a new one or
forge another interaction's id. The graphs read quotes from the tools' artifacts, never from these blocks;
`parse_transcripts` reads them back for the chat's check of what the model was shown.
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


def without_quotes(text: str) -> list[str]:
    """The lines of a tool result besides its quotes (a transcript block is a line of its own).

    What a finding says of a tool call; the quotes themselves travel as data, in the tool's artifact.
    """
    lines = (line.strip() for line in text.splitlines())
    return [line for line in lines if line and not line.startswith("<transcript id=")]
