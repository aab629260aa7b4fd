"""API KPI and search filters: an unknown value is a 400 naming the allowed ones; agents match by ref."""

from __future__ import annotations

from typing import Any


def test_an_unknown_filter_value_is_refused_with_the_allowed_ones(world: Any) -> None:
    headers = world.headers("alpha", "read")
    kpis = world.client.get("/v1/kpis?metric=volume&where=channel=telephone", headers=headers)
    assert kpis.status_code == 400 and "allowed values: phone, chat" in kpis.json()["message"]
    queue = world.client.get("/v1/kpis?metric=volume&where=queue=cardio", headers=headers)
    assert queue.status_code == 400 and "cardiologie, radiologie" in queue.json()["message"]
    search = world.client.get("/v1/search?q=ordonnance&where=channel=telephone", headers=headers)
    assert search.status_code == 400 and "allowed values: phone" in search.json()["message"]


def test_an_agent_filter_takes_the_ref_the_records_carried(world: Any) -> None:
    headers = world.headers("alpha", "read")
    url = "/v1/kpis?metric=volume&start=2026-11-16&end=2026-11-22&interval=week"
    by_ref = world.client.get(url + "&where=agent=a-1", headers=headers)
    assert by_ref.status_code == 200, by_ref.text
    assert [row["value"] for row in by_ref.json()["rows"]] == [3.0]  # the three seeded calls, handled by a-1
    unknown = world.client.get(url + "&where=agent=a-2", headers=headers)
    assert unknown.status_code == 400 and "no agent a-2" in unknown.json()["message"]
