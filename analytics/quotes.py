"""Quotes shown to managers: whole words, whole sentences when they fit, one line."""

from __future__ import annotations

import re

_SENTENCE_END = re.compile(r"[.!?…](?=\s)")


def clip_quote(text: str, limit: int = 300) -> str:
    """The text on one line, cut at a sentence end (or else a word boundary) within `limit`, with "…"."""
    line = " ".join((text or "").split())
    if len(line) <= limit:
        return line
    head = line[: limit - 1]
    ends = [m.end() for m in _SENTENCE_END.finditer(head)]
    if ends and ends[-1] >= limit // 3:
        return head[: ends[-1]] + " …"
    cut = head.rsplit(" ", 1)[0]
    return cut.rstrip(",;:—-– ") + "…"
