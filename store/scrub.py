"""Scrubbing erased data out of derived copies: analysis results, actions, notes, themes, serialized state.

A `Scrubber` knows what was erased: the interaction ids, the patient pseudonyms (and the ref as the caller
gave it), the passages of the erased texts (runs of five words) and the words only the erased texts used.
It rewrites JSON documents in place of the stored ones:

- an evidence item (`{"interaction_id": …, "quote": …}`) of an erased interaction keeps its place, its id and
  quote replaced by the erasure marker ("[supprimé]" / "[erased]"), so counts and ranks do not move;
- erased ids are removed from id lists (`interaction_ids`, `unassigned_ids`); sizes and volumes stay;
- words only the erased texts used leave keyword lists and term profiles;
- in any other text, erased ids, refs and passages are replaced by the marker (quotes of other interactions
  are left alone: they are other patients' words, which may share common phrases).

`hits(text)` says whether a text (e.g. a serialized checkpoint) holds an erased id or ref at all.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from core.text import fold

MARKERS = {"fr": "[supprimé]", "en": "[erased]"}
SHINGLE = 5
"""Words in a row that make a passage of an erased text recognisable elsewhere."""
_WORD = re.compile(r"\w+")
_TOKEN = re.compile(r"[\w\-@/#+]+(?:\.[\w\-@/#+]+)*")
"""What an id looks like inside a text; ids with other characters are looked for as plain substrings."""
_SUBSTRING_SEARCH = 400
"""Up to this many erased values, `hits` also looks for each as a plain substring."""
_ID_LISTS = frozenset({"interaction_ids", "unassigned_ids"})
_TERM_LISTS = frozenset({"keywords"})


def marker(language: str | None) -> str:
    """The erasure marker in a language (French unless English)."""
    return MARKERS["en"] if (language or "").lower().startswith("en") else MARKERS["fr"]


def shingles(texts: Iterable[str]) -> set[tuple[str, ...]]:
    """The runs of SHINGLE folded words of the texts."""
    out: set[tuple[str, ...]] = set()
    for text in texts:
        words = _WORD.findall(fold(text))
        out.update(tuple(words[i : i + SHINGLE]) for i in range(len(words) - SHINGLE + 1))
    return out


def _variants(value: str) -> set[str]:
    """A value as it may appear serialized: plain, HTML-escaped, JSON-escaped."""
    return {value, html.escape(value), json.dumps(value, ensure_ascii=False)[1:-1], json.dumps(value)[1:-1]}


@dataclass
class Scrubber:
    """What was erased, and how to rewrite the copies that mention it."""

    ids: frozenset[str]
    refs: frozenset[str] = frozenset()
    passages: frozenset[tuple[str, ...]] = frozenset()
    terms: frozenset[str] = frozenset()
    language: str | None = None
    markers: dict[str, str] = field(default_factory=dict)
    """Marker per erased id (the language of its interaction); `language` gives the default."""

    def __post_init__(self) -> None:
        self._needles = {v for value in self.ids | self.refs if value for v in _variants(value)}
        self._odd = sorted((v for v in self._needles if not _TOKEN.fullmatch(v)), key=len, reverse=True)
        self.marker = marker(self.language)

    def hits(self, text: str) -> bool:
        """Whether the text holds an erased id or ref."""
        if not self._needles:
            return False
        if not self._needles.isdisjoint(_TOKEN.findall(text)) or any(o in text for o in self._odd):
            return True
        # Serialized state may glue a length byte to a value: look for the values themselves when few.
        return len(self._needles) <= _SUBSTRING_SEARCH and any(n in text for n in self._needles)

    def text(self, value: str, *, passages: bool = True) -> str:
        """The text with erased ids, refs, passages and words replaced by the marker."""
        if self._needles:
            value = _TOKEN.sub(lambda m: self.marker if m.group() in self._needles else m.group(), value)
            for odd in self._odd:
                value = value.replace(odd, self.marker)
        if passages and self.passages:
            value = self._passages(value)
        if self.terms:
            value = _WORD.sub(lambda m: self.marker if fold(m.group()) in self.terms else m.group(), value)
        return value

    def _passages(self, value: str) -> str:
        words = list(_WORD.finditer(value))
        if len(words) < SHINGLE:
            return value
        folded = [fold(w.group()) for w in words]
        covered = [False] * len(words)
        for i in range(len(words) - SHINGLE + 1):
            if tuple(folded[i : i + SHINGLE]) in self.passages:
                covered[i : i + SHINGLE] = [True] * SHINGLE
        if not any(covered):
            return value
        parts, pos, i = [], 0, 0
        while i < len(words):
            if not covered[i]:
                i += 1
                continue
            j = i
            while j + 1 < len(words) and covered[j + 1]:
                j += 1
            parts += [value[pos : words[i].start()], self.marker]
            pos = words[j].end()
            i = j + 1
        parts.append(value[pos:])
        return "".join(parts)

    def document(self, value: Any) -> Any:
        """A JSON document (dicts, lists, strings, numbers) with every erased item scrubbed."""
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, list):
            return [self.document(v) for v in value]
        if not isinstance(value, dict):
            return value
        own = value.get("interaction_id")
        if isinstance(own, str) and own in self.ids:
            gone = self.markers.get(own, self.marker)
            return {
                k: gone if k in ("interaction_id", "quote") else self.document(v) for k, v in value.items()
            }
        out: dict[str, Any] = {}
        for key, item in value.items():
            if key in _ID_LISTS and isinstance(item, list):
                out[key] = [v for v in item if not (isinstance(v, str) and v in self.ids)]
            elif key in _TERM_LISTS and isinstance(item, list):
                out[key] = [v for v in item if not (isinstance(v, str) and fold(v) in self.terms)]
            elif key == "quote" and isinstance(item, str) and isinstance(own, str):
                out[key] = self.text(item, passages=False)  # another interaction's words: ids and refs only
            else:
                out[key] = self.document(item)
        return out

    def term_profile(self, profile: dict[str, Any]) -> dict[str, Any]:
        """A theme's term weights without the erased words."""
        return {k: v for k, v in profile.items() if fold(k) not in self.terms}
