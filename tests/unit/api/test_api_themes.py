"""PATCH /v1/themes/{id}: a manager renames a theme; the name shows everywhere and outlives analyses."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from store.schema import ThemeRow


def _theme(world: Any) -> str:
    theme_id = (
        world.seeds["alpha"]["result"].themes[0].theme_id if "result" in world.seeds["alpha"] else "th-x"
    )
    with world.store.session() as session:
        if session.get(ThemeRow, theme_id) is None:
            now = datetime(2026, 11, 23)
            session.add(
                ThemeRow(
                    id=theme_id,
                    tenant="alpha",
                    label="ordonnance · renouveler",
                    keywords=["ordonnance"],
                    created_at=now,
                    updated_at=now,
                )
            )
    return theme_id


def test_a_manager_renames_a_theme_and_findings_show_the_new_name(world: Any) -> None:
    theme_id = _theme(world)
    res = world.client.patch(
        f"/v1/themes/{theme_id}",
        json={"label": "Ordonnances à refaire", "by": "Marie"},
        headers=world.headers(scope="manage"),
    )
    assert res.status_code == 200, res.text
    body = res.json()
    assert body["label"] == "Ordonnances à refaire" and body["label_source"] == "manager"
    assert body["label_edited_by"].startswith("Marie (key:")
    themes = world.client.get("/v1/themes?registry=true", headers=world.headers(scope="read")).json()[
        "themes"
    ]
    assert any(t["theme_id"] == theme_id and t["label"] == "Ordonnances à refaire" for t in themes)


def test_renaming_needs_manage_and_a_real_label(world: Any) -> None:
    theme_id = _theme(world)
    read = world.client.patch(
        f"/v1/themes/{theme_id}", json={"label": "X"}, headers=world.headers(scope="read")
    )
    assert read.status_code == 403
    empty = world.client.patch(
        f"/v1/themes/{theme_id}", json={"label": "   "}, headers=world.headers(scope="manage")
    )
    assert empty.status_code == 400 and "empty" in empty.json()["message"]
    missing = world.client.patch(
        "/v1/themes/th-nope", json={"label": "X"}, headers=world.headers(scope="manage")
    )
    assert missing.status_code == 404 and missing.json()["error"] == "not_found"
