"""POST /v1/interactions, POST /v1/interactions:import, GET /v1/interactions/{id}."""

from __future__ import annotations

import json
from typing import Any

from tests.factories import at, interaction


def _mine(**overrides: Any) -> dict[str, Any]:
    record = interaction(**overrides)
    record.pop("tenant")
    return record


def test_batch_is_stored_with_per_record_results_and_is_idempotent(world: Any) -> None:
    headers = world.headers("alpha", "ingest")
    good = _mine(id="new-1", started=at(19, 9))
    bad = _mine(id="new-2", csat=9)
    res = world.client.post(
        "/v1/interactions", json={"interactions": [good, bad, "not an object"]}, headers=headers
    )
    assert res.status_code == 200, res.text
    data = res.json()
    assert (data["accepted"], data["rejected"]) == (1, 2)
    assert [r["status"] for r in data["results"]] == ["accepted", "rejected", "rejected"]
    assert data["results"][1]["id"] == "new-2" and "csat" in data["results"][1]["error"]
    assert "JSON object" in data["results"][2]["error"]
    assert [e["index"] for e in data["errors"]] == [1, 2]

    again = world.client.post("/v1/interactions", json=[good], headers=headers).json()
    assert (again["accepted"], again["unchanged"]) == (0, 1)
    changed = {**good, "csat": 5}
    assert world.client.post("/v1/interactions", json=[changed], headers=headers).json()["updated"] == 1

    stored = world.client.get("/v1/interactions/new-1", headers=world.headers("alpha", "read")).json()
    assert stored["tenant"] == "alpha" and stored["csat"] == 5 and stored["iso_week"] == "2026-W47"
    assert stored["transcript"][0]["speaker"] == "patient"


def test_oversize_batch_is_413(world: Any) -> None:
    record = _mine(id="x")
    res = world.client.post(
        "/v1/interactions", json=[record] * 5001, headers=world.headers("alpha", "ingest")
    )
    assert res.status_code == 413 and "5000" in res.json()["message"]


def test_malformed_and_empty_bodies_are_4xx_json(world: Any) -> None:
    headers = {**world.headers("alpha", "ingest"), "Content-Type": "application/json"}
    res = world.client.post("/v1/interactions", content=b'{"interactions": [', headers=headers)
    assert res.status_code == 422 and res.json()["message"] == "the request body is not valid JSON"
    assert world.client.post("/v1/interactions", json=[], headers=headers).status_code == 400
    assert world.client.post("/v1/interactions", json={"records": []}, headers=headers).status_code == 422


def test_pii_in_a_record_is_redacted_before_storage(world: Any) -> None:
    record = _mine(id="pii-1", text="Mon email est jean.dupont@example.org, rappelez-moi au 06 12 34 56 78")
    world.client.post("/v1/interactions", json=[record], headers=world.headers("alpha", "ingest"))
    stored = world.client.get("/v1/interactions/pii-1", headers=world.headers("alpha", "read")).text
    assert "jean.dupont@example.org" not in stored and "06 12 34 56 78" not in stored


def test_import_jsonl_upload_reports_line_numbers(world: Any) -> None:
    lines = [json.dumps(_mine(id="imp-1")), "{not json", json.dumps(_mine(id="imp-2", channel="fax"))]
    res = world.client.post(
        "/v1/interactions:import",
        files={"file": ("batch.jsonl", "\n".join(lines) + "\n", "application/x-ndjson")},
        headers=world.headers("alpha", "ingest"),
    )
    assert res.status_code == 200, res.text
    data = res.json()
    assert (data["accepted"], data["rejected"]) == (1, 2)
    assert [e["index"] for e in data["errors"]] == [2, 3]
    assert data["errors"][1]["id"] == "imp-2"


def test_import_csv_raw_body(world: Any) -> None:
    csv_text = (
        "id,started_at,channel,queue,text,csat\n"
        "csv-1,2026-11-17T10:00:00+01:00,phone,cardiologie,je voudrais un rendez-vous,4\n"
        "csv-2,2026-11-17T11:00:00+01:00,email,cardiologie,merci pour la réponse,\n"
    )
    res = world.client.post(
        "/v1/interactions:import",
        content=csv_text.encode(),
        headers={**world.headers("alpha", "ingest"), "Content-Type": "text/csv"},
    )
    assert res.status_code == 200, res.text
    assert res.json()["accepted"] == 2
    stored = world.client.get("/v1/interactions/csv-2", headers=world.headers("alpha", "read")).json()
    assert stored["channel"] == "email" and stored["csat"] is None


def test_import_bad_input_is_4xx(world: Any) -> None:
    headers = world.headers("alpha", "ingest")
    empty = world.client.post("/v1/interactions:import", files={"file": ("a.jsonl", b"")}, headers=headers)
    assert empty.status_code == 400
    wrong = world.client.post(
        "/v1/interactions:import?format=xml", files={"file": ("a.x", b"x")}, headers=headers
    )
    assert wrong.status_code == 422
    binary = world.client.post(
        "/v1/interactions:import?format=jsonl",
        files={"file": ("a.jsonl", b"\xff\xfe\x00bad")},
        headers=headers,
    )
    assert binary.status_code == 400 and "UTF-8" in binary.json()["message"]
    form = world.client.post("/v1/interactions:import", data={"other": "x"}, headers=headers)
    assert form.status_code == 415
    no_file = world.client.post(
        "/v1/interactions:import", files={"other": ("a.jsonl", b"{}")}, headers=headers
    )
    assert no_file.status_code == 400 and "'file'" in no_file.json()["message"]


def test_unknown_interaction_is_404(world: Any) -> None:
    res = world.client.get("/v1/interactions/nope", headers=world.headers("alpha", "read"))
    assert res.status_code == 404 and res.json()["error"] == "not_found"
