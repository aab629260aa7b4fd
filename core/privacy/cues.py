r"""Fast cue scanning: many fixed phrases found in one linear pass over a lower-cased text.

A regular expression that tries twenty alternatives at every word start is slow on texts made of short words
("a@a@a@…"). Here the phrases are merged into a trie and written as one expression whose alternatives differ
by their first character, so every position fails after one or two character comparisons. Phrases are
written in lower case with three wildcards: a space stands for `\s+`, `~` for `\s*` and `'` for either
apostrophe.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

_WILDCARDS = {" ": r"\s+", "~": r"\s*", "'": "['’]"}
_LOWER = {ord(c): c.lower() for c in "ABCDEFGHIJKLMNOPQRSTUVWXYZÀÂÄÇÉÈÊËÎÏÔÖÙÛÜŸÆŒ"}


def lowered(text: str) -> str:
    """`text` in lower case with the same length (so offsets still point into the original)."""
    lower = text.lower()
    return lower if len(lower) == len(text) else text.translate(_LOWER)


_Node = dict[str, "_Node"]


def _trie(phrases: Iterable[str]) -> _Node:
    root: _Node = {}
    for phrase in phrases:
        node = root
        for char in phrase:
            node = node.setdefault(char, {})
        node[""] = {}
    return root


def _regex(node: _Node) -> str:
    ends = "" in node
    branches = [_WILDCARDS.get(c, re.escape(c)) + _regex(child) for c, child in sorted(node.items()) if c]
    if not branches:
        return ""
    body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
    if ends:
        return f"(?:{body})?" if len(branches) > 1 or len(branches[0]) > 1 else f"{body}?"
    return body


def phrase_pattern(
    phrases: Iterable[str], *, word_start: bool = True, after: str = r"(?=\s)"
) -> re.Pattern[str]:
    """One expression matching any of the phrases (longest first) in a lower-cased text.

    With `word_start`, a phrase must start a word and not follow "<" (a placeholder is never a cue). The
    expression opens on a character class, so the engine skips at C speed to the positions where a phrase
    can start; the boundary is checked only there.
    """
    trie = _trie(phrases)
    if any(c in _WILDCARDS for c in trie):
        raise ValueError("a phrase cannot start with a wildcard")
    firsts = "".join(re.escape(c) for c in sorted(trie))
    boundary = r"(?<![\w<].)" if word_start else ""
    branches = "|".join(f"(?<={re.escape(c)}){_regex(child)}" for c, child in sorted(trie.items()))
    return re.compile(f"[{firsts}]{boundary}(?:{branches}){after}")
