"""French→English glossary of contact-centre vocabulary, to bridge languages in theme discovery.

The bundled embedding model reads English: a French message and an English message on one topic land far
apart. `Glossary.gloss` turns a French text into an English bag of its topic words, in order
("Mon ordonnance est expirée, comment la renouveler ?" → "prescription expired renew"), which the model
places next to English messages about the same thing. Unknown words are dropped (names, drugs, dates).

The file is tab-separated `french<TAB>english`, `#` starts a comment; French entries may be several words
("prise de sang") and are matched longest first, accents and case folded, apostrophes and hyphens split
("d'IRM" → "irm", "rendez-vous" → "rendez vous"). A hospital can ship its own file
(`PARCOURS_GLOSSARY_PATH`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path

from analytics.theme_lexical import FOLDED_STOP_WORDS
from core.text import fold

DEFAULT_PATH = Path(__file__).with_name("glossary_fr_en.tsv")
_TOKENS = re.compile(r"[^\W\d_]+")


def tokens(text: str) -> list[str]:
    """Folded word tokens (apostrophes, hyphens and digits split words)."""
    return _TOKENS.findall(fold(text))


@dataclass(frozen=True)
class Glossary:
    """French word sequences (folded token tuples) → English."""

    entries: dict[tuple[str, ...], str]

    @cached_property
    def _reach(self) -> dict[str, int]:
        """First word of an entry → the length of the longest entry starting with it."""
        reach: dict[str, int] = {}
        for key in self.entries:
            reach[key[0]] = max(reach.get(key[0], 0), len(key))
        return reach

    def matches(self, words: list[str]) -> list[tuple[int, int, str]]:
        """(start, length, English) of each entry in folded words, longest match first, left to right."""
        found = []
        reach = self._reach  # a word no entry starts with is passed at once (most words of a text)
        i = 0
        while i < len(words):
            for n in range(min(reach.get(words[i], 0), len(words) - i), 0, -1):
                english = self.entries.get(tuple(words[i : i + n]))
                if english:
                    found.append((i, n, english))
                    i += n
                    break
            else:
                i += 1
        return found

    def gloss(self, text: str) -> str:
        """The English gloss of a French text: matched entries in order, repeats next to each other merged."""
        return self.read(text)[0]

    def coverage(self, text: str) -> float:
        """Share of a text's content words (not stop words, 3+ letters) that an entry covers."""
        return self.read(text)[1]

    def read(self, text: str) -> tuple[str, float]:
        """`gloss` and `coverage` of a text at once (its words are read and matched once)."""
        words = tokens(text)
        covered = [False] * len(words)
        out: list[str] = []
        for start, length, english in self.matches(words):
            covered[start : start + length] = [True] * length
            if not out or out[-1] != english:
                out.append(english)
        content = [
            c for w, c in zip(words, covered, strict=True) if w not in FOLDED_STOP_WORDS and len(w) > 2
        ]
        return " ".join(out), (sum(content) / len(content) if content else 0.0)


def parse_glossary(text: str, *, source: str = "glossary") -> Glossary:
    """A glossary from its TSV text; a malformed line raises ValueError naming the line."""
    entries: dict[tuple[str, ...], str] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        parts = [p.strip() for p in line.split("\t")]
        if len(parts) != 2 or not parts[0] or not parts[1]:
            raise ValueError(f"{source}, line {number}: expected 'french<TAB>english', got {raw!r}")
        key = tuple(tokens(parts[0]))
        if not key:
            raise ValueError(f"{source}, line {number}: the French side has no word: {parts[0]!r}")
        entries.setdefault(key, parts[1])
    if not entries:
        raise ValueError(f"{source}: no entry")
    return Glossary(entries=entries)


@lru_cache(maxsize=4)
def load_glossary(path: Path | None = None) -> Glossary:
    """The glossary at `path` (default: the bundled French→English one), parsed once per path."""
    target = Path(path) if path else DEFAULT_PATH
    try:
        text = target.read_text(encoding="utf-8")
    except OSError as exc:
        raise ValueError(f"cannot read the glossary {target}: {exc}") from exc
    return parse_glossary(text, source=str(target))
