"""Bad input answers 4xx with a reason, never 5xx; Prometheus label sets stay bounded."""

from __future__ import annotations

import re
from typing import Any

import pytest

BAD_QUERIES = [
    "/v1/search?q=x&where=csat=abc",
    "/v1/search?q=x&where=date=2026-13-45",
    "/v1/search?q=x&where=foo=bar",
    "/v1/search?q=x&where=pk=99999999999999999999999",
    "/v1/search?q=x&where=date=0001-01-01",
    "/v1/search?q=x&where=abandoned=maybe",
    "/v1/search?q=x&where=tenant=beta",
    "/v1/search?q=x&where=novalue",
    "/v1/search?q=x&start=0001-01-01&end=9999-12-25",
    "/v1/kpis?start=0001-01-01&end=0001-01-07",
    "/v1/kpis?start=9999-12-25&end=9999-12-31",
    "/v1/kpis?metric=fcr&start=0001-01-01&end=0001-01-07",
    "/v1/kpis?metric=attrition&start=9999-12-25&end=9999-12-31",
    "/v1/kpis?week=9999-W52",
    "/v1/kpis?metric=fcr&week=0001-W01",
    "/v1/kpis?metric=fcr&where=csat=abc",
    "/v1/kpis?metric=fcr&by=foo",
    "/v1/kpis?start=2026-13-45&end=2026-11-22",
]


@pytest.mark.parametrize("url", BAD_QUERIES)
def test_bad_queries_are_400_with_a_reason(world: Any, url: str) -> None:
    response = world.client.get(url, headers=world.headers())
    assert response.status_code in (400, 422), response.text
    assert response.json()["message"]


def test_extreme_dates_in_an_analysis_request_are_400(world: Any) -> None:
    for body in ({"start": "0001-01-01", "end": "0001-01-07"}, {"week": "9999-W51"}):
        response = world.client.post("/v1/analyses", json=body, headers=world.headers())
        assert response.status_code == 400, response.text


@pytest.mark.parametrize(
    "url",
    [
        "/v1/search?q=x&start=2026-11-22&end=2026-11-16",
        "/v1/kpis?metric=fcr&start=2026-11-22&end=2026-11-16",
        "/v1/kpis?week=2025-W53",
    ],
)
def test_periods_are_refused_with_the_same_words_as_everywhere(world: Any, url: str) -> None:
    response = world.client.get(url, headers=world.headers())
    assert response.status_code == 400, response.text
    message = response.json()["message"]
    assert "the period is reversed" in message or "week 53 does not exist in 2025" in message


def test_good_filters_still_search(world: Any) -> None:
    response = world.client.get(
        "/v1/search?q=rendez-vous&where=channel=phone&where=csat=2&start=2026-11-01&end=2026-11-30",
        headers=world.headers(),
    )
    assert response.status_code == 200, response.text


def _series(text: str, name: str) -> list[str]:
    return [line for line in text.splitlines() if line.startswith(name + "{")]


def test_metrics_labels_stay_bounded_under_made_up_methods_and_paths(world: Any) -> None:
    for n in range(12):
        world.client.request(f"FOO{n}", "/v1/kpis", headers=world.headers())
        world.client.get(f"/no/such/path/{n}")
    text = world.client.get("/metrics").text
    series = _series(text, "parcours_http_requests_total")
    methods = {re.search(r'method="([^"]*)"', line)[1] for line in series}  # type: ignore[index]
    routes = {re.search(r'route="([^"]*)"', line)[1] for line in series}  # type: ignore[index]
    assert methods <= {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "other"}
    assert "other" in methods
    assert not any("/no/such/path" in r for r in routes) and "unmatched" in routes
    assert len(series) < 10
