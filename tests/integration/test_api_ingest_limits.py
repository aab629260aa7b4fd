"""POST /v1/interactions under hostile input: size refused before parsing, bad records alone, 4xx not 5xx."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.auth import create_key
from api.deps import get_embedder, get_index
from api.main import create_app
from store.embedder import FakeEmbedder
from store.vector_index import VectorIndex, make_client
from tests.factories import interaction


@pytest.fixture
def api(sqlite_store, settings) -> Iterator[tuple[TestClient, dict[str, dict[str, str]]]]:
    settings = settings.model_copy(update={"max_request_bytes": 200_000})
    embedder = FakeEmbedder()
    index = VectorIndex(make_client(settings), embedder)
    app = create_app(settings, store=sqlite_store)
    app.dependency_overrides[get_index] = lambda: index
    app.dependency_overrides[get_embedder] = lambda: embedder
    app.state.index, app.state.embedder = index, embedder
    headers = {
        scope: {
            "Authorization": f"Bearer {create_key(sqlite_store, tenant='default', scopes=[scope]).secret}"
        }
        for scope in ("ingest", "read", "admin")
    }
    with TestClient(app) as client:
        yield client, headers


def _post(client: TestClient, body: str, headers: dict[str, str]) -> Any:
    return client.post(
        "/v1/interactions", content=body, headers={**headers, "Content-Type": "application/json"}
    )


def test_a_body_over_the_limit_is_413_before_parsing(api) -> None:
    client, headers = api
    big = json.dumps([interaction(id=f"b{i}", text="x" * 5000) for i in range(60)])
    res = _post(client, big, headers["ingest"])
    assert res.status_code == 413 and res.json()["error"] == "too_large"
    stream = client.post(
        "/v1/interactions",
        content=iter([b"[" + b" " * 150_000, b" " * 100_000 + b"]"]),  # no Content-Length: counted while read
        headers={**headers["ingest"], "Content-Type": "application/json"},
    )
    assert stream.status_code == 413


def test_hostile_records_are_rejected_one_by_one_with_the_others_stored(api) -> None:
    client, headers = api
    deep = '{"a":' * 5000 + "1" + "}" * 5000
    records = [
        json.dumps(interaction(id="ok-1")),
        json.dumps(interaction(id="overflow", started_at="0001-01-01T00:30:00+01:00")),
        deep,
        '{"id": "inf", "started_at": "2026-11-16T09:00:00+01:00", "text": "x", "wait_seconds": 1e999}',
        '{"id": "bad json",, }',
        json.dumps(interaction(id="ok-2")),
    ]
    res = _post(client, "[" + ",".join(records) + "]", headers["ingest"])
    assert res.status_code == 200, res.text
    data = res.json()
    assert data["accepted"] == 2 and data["rejected"] == 4 and data["index_errors"] == []
    assert data["batch_id"].startswith("in-")
    by_index = {r["index"]: r for r in data["results"]}
    assert by_index[0]["status"] == by_index[5]["status"] == "accepted"
    assert "between the years" in by_index[1]["error"] and "nested too deeply" in by_index[2]["error"]
    assert "finite" in by_index[3]["error"] and "not valid JSON" in by_index[4]["error"]


@pytest.mark.parametrize(
    ("body", "status"),
    [("", 422), ("[", 422), ("nul", 422), ('{"records": []}', 422), ("[]", 400), ('"x"', 422)],
)
def test_malformed_bodies_are_4xx(api, body: str, status: int) -> None:
    client, headers = api
    assert _post(client, body, headers["ingest"]).status_code == status


def test_erasing_an_interaction_needs_the_admin_scope(api) -> None:
    client, headers = api
    assert _post(client, json.dumps([interaction(id="to-erase")]), headers["ingest"]).status_code == 200
    assert client.delete("/v1/interactions/to-erase", headers=headers["read"]).status_code == 403
    assert client.delete("/v1/patients/p-1", headers=headers["ingest"]).status_code == 403
    res = client.delete("/v1/interactions/to-erase", headers=headers["admin"])
    assert res.status_code == 200 and res.json()["interactions"] == 1
    assert client.get("/v1/interactions/to-erase", headers=headers["read"]).status_code == 404
    assert client.delete("/v1/interactions/to-erase", headers=headers["admin"]).status_code == 404
