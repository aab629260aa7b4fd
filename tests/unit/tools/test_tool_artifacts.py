"""Tools give the model text and the graph the same figures as data (artifacts); the actions tool."""

from __future__ import annotations

from datetime import date

import pytest

from api.queries import change_action_status
from core.results import Period
from store.analyses import save as save_result
from store.db import Store
from store.ingest import ingest_records
from store.theme_labels import rename_theme
from tests.factories import at, interaction
from tests.unit.api.sample import make_result
from tests.unit.tools.conftest import call_tool
from tools.actions import owner_matches
from tools.context import ParcoursContext

W47 = Period(start=date(2026, 11, 16), end=date(2026, 11, 22))


@pytest.fixture
def context(sqlite_store: Store) -> ParcoursContext:
    records = [
        interaction(started=at(16 + i % 5, 9, i), queue="cardiologie", csat=5 if i < 30 else 1)
        for i in range(40)
    ]
    records += [
        interaction(started=at(17, 11, i), queue="radiologie", wait_seconds=900, csat=2) for i in range(10)
    ]
    assert ingest_records(sqlite_store, records).rejected == 0
    save_result(sqlite_store, make_result())
    return ParcoursContext(store=sqlite_store, tenant="default", period=W47)


def test_kpi_query_artifact_holds_the_rows_of_its_table(context: ParcoursContext) -> None:
    message = call_tool(context, "kpi_query", metric="response_time", by="queue")
    artifact = message.artifact
    assert artifact["kind"] == "kpi_series" and artifact["unit"] == "seconds" and artifact["by"] == ["queue"]
    by_queue = {row["group"]["queue"]: row for row in artifact["rows"]}
    assert by_queue["radiologie"]["value"] == 900 and by_queue["radiologie"]["n"] == 10
    assert "radiologie" in message.content and "900s" in message.content


def test_a_weekly_trend_has_one_row_per_week(context: ParcoursContext) -> None:
    artifact = call_tool(
        context, "kpi_query", metric="csat", period="2026-11-02..2026-11-22", interval="week"
    ).artifact
    weeks = {r["bucket"]: r for r in artifact["rows"]}
    assert (
        "2026-W47" in weeks
        and weeks["2026-W47"]["n"] == 50
        and set(weeks) <= {"2026-W45", "2026-W46", "2026-W47"}
    )


def test_a_tool_error_is_text_for_the_model_and_an_error_artifact(context: ParcoursContext) -> None:
    message = call_tool(context, "kpi_query", metric="nope")
    assert message.content.startswith("Error:") and message.artifact["kind"] == "error"


def test_list_actions_ranks_the_latest_analysis_and_filters_by_status_and_owner(
    context: ParcoursContext,
) -> None:
    artifact = call_tool(context, "list_actions", limit=3).artifact
    assert [r["title"] for r in artifact["rows"]] == [
        "Renouvellement d'ordonnance en ligne",
        "Réparer le lien du portail",
    ]
    assert {f["friction_id"] for f in artifact["frictions"]} == {"fr-renewal", "fr-portal"}
    change_action_status(
        context.store, tenant="default", action_id="ac-portal-fix", status="accepted", by="Marie"
    )
    accepted = call_tool(context, "list_actions", status="accepted").artifact
    assert [r["action_id"] for r in accepted["rows"]] == ["ac-portal-fix"] and accepted["rows"][0][
        "status"
    ] == "accepted"
    assert [
        r["owner"] for r in call_tool(context, "list_actions", owner="informatique").artifact["rows"]
    ] == ["DSI"]
    assert call_tool(context, "list_actions", status="nope").content.startswith("Error:")


def test_friction_titles_follow_the_managers_theme_names(
    context: ParcoursContext, sqlite_store: Store
) -> None:
    from datetime import datetime

    from store.schema import ThemeRow

    with sqlite_store.session() as session:
        now = datetime(2026, 11, 23)
        session.add(
            ThemeRow(
                id="th-renewal", tenant="default", label="x", keywords=[], created_at=now, updated_at=now
            )
        )
    rename_theme(
        sqlite_store, tenant="default", theme_id="th-renewal", label="Ordonnances à refaire", by="Marie"
    )
    artifact = call_tool(context, "list_frictions").artifact
    assert artifact["rows"][0]["title"] == "Ordonnances à refaire"


@pytest.mark.parametrize(
    ("wanted", "owner", "expected"),
    [
        ("informatique", "DSI", True),
        ("contact centre manager", "Responsable du centre de contacts", True),
        ("cadre de sante", "Cadre de santé des urgences", True),
        ("informatique", "Qualité et formation", False),
    ],
)
def test_owner_words_match_in_both_languages(wanted: str, owner: str, expected: bool) -> None:
    assert owner_matches(wanted, owner) is expected
