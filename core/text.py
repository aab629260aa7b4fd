"""Text folding: the one way Parcours compares French and English words without case or accents."""

from __future__ import annotations

import re
import unicodedata

_WORD = re.compile(r"\w+", re.UNICODE)


_LATIN_MARKS = re.compile("[\u0300-\u034e\u0350-\u036f]+")
"""The combining diacritical marks block (U+034F, which combines with nothing, excepted): French accents."""


def strip_accents(text: str) -> str:
    """The text without accents, case kept ("Hôpital Nord" → "Hopital Nord").

    Decomposed (NFKD), combining marks dropped. Fast paths with the same result: ASCII text as is; a text
    whose only non-ASCII characters, once decomposed, are Latin accents loses them in one substitution.
    """
    if text.isascii():
        return text
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = _LATIN_MARKS.sub("", decomposed)
    if stripped.isascii():
        return stripped
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def fold(text: str) -> str:
    """Lower-case text without accents ("Rendez-Vous prévu" → "rendez-vous prevu")."""
    return strip_accents(text.lower())


def fold_phrase(text: str) -> str:
    """Folded text, punctuation as spaces, one space between words ("Rendez-vous, S47": "rendez vous s47")."""
    return " ".join(re.sub(r"[^\w\s]|_", " ", fold(text)).split())


def fold_words(text: str) -> list[str]:
    """The folded words of a text, a final plural s/x removed ("Rendez-vous prévus" → rendez, vous, prevu)."""
    words = _WORD.findall(fold(text).replace("'", " ").replace("’", " "))
    return [w[:-1] if len(w) > 3 and w[-1] in "sx" else w for w in words]
