"""Theme labels in the registry (`themes.label`): read them, a manager's renaming, generated labels.

A label has a source: `auto` (built from the patients' words when the theme was founded), `model` (written by
the language model for a new theme) or `manager` (renamed by a person). A manager's label is never
overwritten; generated labels are written once per theme, so a theme keeps its name from week to week.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select

from store.db import Store
from store.schema import ThemeRow

LABEL_MAX = 120
"""Longest label a manager may give (a label is a name, not a description)."""
SOURCES = ("auto", "model", "manager")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


@dataclass(frozen=True)
class ThemeLabel:
    """A theme's current name and where it comes from."""

    theme_id: str
    label: str
    source: str | None
    """auto, model, manager, or None for a keyword label written before phrase labels existed."""
    keywords: tuple[str, ...] = ()
    edited_by: str | None = None
    edited_at: datetime | None = None


def _view(row: ThemeRow) -> ThemeLabel:
    return ThemeLabel(
        theme_id=row.id,
        label=row.label,
        source=row.label_source,
        keywords=tuple(row.keywords or ()),
        edited_by=row.label_edited_by,
        edited_at=row.label_edited_at,
    )


def clean_label(text: str) -> str:
    """A label as stored: one line, spaces collapsed, 1 to `LABEL_MAX` characters (ValueError otherwise)."""
    label = " ".join(_CONTROL.sub(" ", text or "").split())
    if not label:
        raise ValueError("the label is empty")
    if len(label) > LABEL_MAX:
        raise ValueError(f"the label has {len(label)} characters; at most {LABEL_MAX}")
    return label


def theme_labels(store: Store, *, tenant: str, ids: list[str] | None = None) -> dict[str, ThemeLabel]:
    """The tenant's theme labels (all, or those of `ids`), by theme id."""
    query = select(ThemeRow).where(ThemeRow.tenant == tenant)
    if ids is not None:
        query = query.where(ThemeRow.id.in_(ids or ["-"]))
    with store.session() as session:
        return {row.id: _view(row) for row in session.execute(query).scalars()}


def rename_theme(store: Store, *, tenant: str, theme_id: str, label: str, by: str) -> ThemeLabel | None:
    """Give a theme the manager's label (kept for good); None if the tenant has no such theme."""
    text = clean_label(label)
    with store.session() as session:
        row = session.get(ThemeRow, theme_id)
        if row is None or row.tenant != tenant:
            return None
        row.label = text
        row.label_source = "manager"
        row.label_edited_by = by[:200]
        row.label_edited_at = datetime.now(UTC).replace(tzinfo=None)
        session.flush()
        return _view(row)


def write_generated_label(store: Store, *, tenant: str, theme_id: str, label: str, source: str) -> bool:
    """Store a generated label (`auto` or `model`) unless a manager named the theme; True if written."""
    if source not in ("auto", "model"):
        raise ValueError(f"a generated label comes from 'auto' or 'model', not {source!r}")
    text = clean_label(label)
    with store.session() as session:
        row = session.get(ThemeRow, theme_id)
        if row is None or row.tenant != tenant or row.label_source == "manager":
            return False
        row.label, row.label_source = text, source
        return True
