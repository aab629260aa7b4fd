"""Text folding: the one way Parcours compares French and English words without case or accents."""

from __future__ import annotations

import unicodedata


def strip_accents(text: str) -> str:
    """The text without accents, case kept ("Hôpital Nord" → "Hopital Nord")."""
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def fold(text: str) -> str:
    """Lower-case text without accents ("Rendez-Vous prévu" → "rendez-vous prevu")."""
    return strip_accents(text.lower())
