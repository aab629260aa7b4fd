"""Theme labels in the registry: a manager's name is kept for good; generated names are written once."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import update

from store.db import Store
from store.schema import ThemeRow
from store.theme_labels import clean_label, rename_theme, theme_labels, write_generated_label


def _theme(
    store: Store, theme_id: str = "th-1", tenant: str = "default", source: str | None = "auto"
) -> None:
    now = datetime(2026, 11, 23)
    with store.session() as session:
        session.add(
            ThemeRow(
                id=theme_id,
                tenant=tenant,
                label="ordonnance · renouvellement",
                keywords=["ordonnance"],
                size=3,
                created_at=now,
                updated_at=now,
                label_source=source,
            )
        )
        session.flush()
        session.execute(update(ThemeRow).values(label_source=source))  # None: a row from before the migration


def test_a_new_theme_row_says_its_label_is_generated(sqlite_store: Store) -> None:
    now = datetime(2026, 11, 23)
    with sqlite_store.session() as session:
        session.add(
            ThemeRow(id="th-x", tenant="default", label="x", keywords=[], created_at=now, updated_at=now)
        )
    assert theme_labels(sqlite_store, tenant="default")["th-x"].source == "auto"


def test_a_manager_renames_a_theme_and_generated_labels_never_overwrite_it(sqlite_store: Store) -> None:
    _theme(sqlite_store)
    view = rename_theme(
        sqlite_store, tenant="default", theme_id="th-1", label="  Ordonnances\n à renouveler ", by="Marie"
    )
    assert view is not None and view.label == "Ordonnances à renouveler" and view.source == "manager"
    assert view.edited_by == "Marie" and view.edited_at is not None
    assert not write_generated_label(
        sqlite_store, tenant="default", theme_id="th-1", label="Renouvellement", source="model"
    )
    assert (
        theme_labels(sqlite_store, tenant="default", ids=["th-1"])["th-1"].label == "Ordonnances à renouveler"
    )


def test_another_tenant_cannot_rename_or_see_a_theme(sqlite_store: Store) -> None:
    _theme(sqlite_store, tenant="chu-a")
    assert rename_theme(sqlite_store, tenant="chu-b", theme_id="th-1", label="x", by="Eve") is None
    assert theme_labels(sqlite_store, tenant="chu-b") == {}
    assert theme_labels(sqlite_store, tenant="chu-a")["th-1"].source == "auto"


def test_a_generated_label_replaces_a_keyword_label(sqlite_store: Store) -> None:
    _theme(sqlite_store, source=None)
    assert theme_labels(sqlite_store, tenant="default")["th-1"].source is None
    assert write_generated_label(
        sqlite_store, tenant="default", theme_id="th-1", label="Renouvellement d'ordonnance", source="auto"
    )
    view = theme_labels(sqlite_store, tenant="default")["th-1"]
    assert (view.label, view.source) == ("Renouvellement d'ordonnance", "auto")


@pytest.mark.parametrize("bad", ["", "   ", "x" * 121])
def test_a_bad_label_is_refused_with_a_reason(bad: str) -> None:
    with pytest.raises(ValueError, match="label"):
        clean_label(bad)
