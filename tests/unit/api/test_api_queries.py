"""KPIs, search, classify, chat (SSE), health, readiness, metrics and the OpenAPI schema."""

from __future__ import annotations

import json
import sys
import types
from typing import Any

import numpy as np
import pytest

from api.deps import get_index
from store.analyses import now as now_utc
from store.schema import ThemeRow


def test_kpi_series_by_week_and_queue(world: Any) -> None:
    headers = world.headers("alpha", "read")
    res = world.client.get("/v1/kpis?metric=volume&week=2026-W47&by=queue", headers=headers)
    assert res.status_code == 200, res.text
    rows = {r["group"]["queue"]: r["value"] for r in res.json()["rows"]}
    assert rows == {"cardiologie": 2, "radiologie": 1}
    weekly = world.client.get(
        "/v1/kpis?metric=volume&start=2026-11-09&end=2026-11-22", headers=headers
    ).json()
    assert weekly["interval"] == "week" and [r["value"] for r in weekly["rows"]][-1] == 3
    filtered = world.client.get(
        "/v1/kpis?metric=volume&week=2026-W47&where=queue=radiologie", headers=headers
    )
    assert sum(r["value"] for r in filtered.json()["rows"]) == 1


def test_headline_kpis_without_metric(world: Any) -> None:
    res = world.client.get("/v1/kpis?week=2026-W47", headers=world.headers("alpha", "read"))
    assert res.status_code == 200, res.text
    data = res.json()
    assert data["baseline"] == {"start": "2026-10-19", "end": "2026-11-15"}
    volume = next(k for k in data["kpis"] if k["metric"] == "volume")
    assert volume["value"] == 3


@pytest.mark.parametrize(
    ("query", "status"),
    [
        ("metric=speed", 422),
        ("metric=fcr&by=planet", 400),
        ("metric=fcr&week=47", 400),
        ("metric=fcr&interval=year", 422),
        ("metric=fcr&where=queue", 400),
        ("metric=fcr&start=2026-11-01", 400),
        ("metric=fcr&start=2026-13-01&end=2026-12-01", 422),
    ],
)
def test_bad_kpi_queries_are_4xx(world: Any, query: str, status: int) -> None:
    res = world.client.get(f"/v1/kpis?{query}", headers=world.headers("alpha", "read"))
    assert res.status_code == status, res.text
    assert res.json()["message"]


def test_search_finds_the_tenants_transcripts(world: Any) -> None:
    res = world.client.get("/v1/search?q=site%20de%20réservation&k=2", headers=world.headers("alpha", "read"))
    assert res.status_code == 200, res.text
    hits = res.json()["hits"]
    assert hits[0]["interaction_id"] == "alpha-call-3" and "réservation" in hits[0]["quote"]
    assert len(hits) <= 2


def test_search_bad_input_and_no_index(world: Any) -> None:
    headers = world.headers("alpha", "read")
    assert world.client.get("/v1/search", headers=headers).status_code == 422
    assert world.client.get("/v1/search?q=x&k=0", headers=headers).status_code == 422
    assert (
        world.client.get("/v1/search?q=x&start=2026-11-20&end=2026-11-01", headers=headers).status_code == 400
    )
    world.client.app.dependency_overrides[get_index] = lambda: None
    res = world.client.get("/v1/search?q=x", headers=headers)
    assert res.status_code == 503 and res.json()["error"] == "unavailable"


def test_classify_matches_known_themes(world: Any) -> None:
    encode = world.embedder.encode
    with world.store.session() as session:
        for theme_id, text in (
            ("alpha-th-renewal", "renouveler mon ordonnance"),
            ("alpha-th-portal", "le site de réservation ne marche plus"),
        ):
            session.add(
                ThemeRow(
                    id=theme_id,
                    tenant="alpha",
                    label=text,
                    keywords=[],
                    size=1,
                    centroid=encode([text])[0].astype(np.float32).tobytes(),
                    created_at=now_utc(),
                    updated_at=now_utc(),
                )
            )
    res = world.client.post(
        "/v1/classify",
        json={"text": "je dois renouveler mon ordonnance", "k": 2},
        headers=world.headers("alpha", "read"),
    )
    assert res.status_code == 200, res.text
    matches = res.json()["matches"]
    assert (
        matches[0]["theme_id"] == "alpha-th-renewal" and matches[0]["similarity"] > matches[1]["similarity"]
    )
    assert "alpha-fr-renewal" in matches[0]["friction_ids"]
    assert (
        world.client.post(
            "/v1/classify", json={"text": ""}, headers=world.headers("alpha", "read")
        ).status_code
        == 422
    )


def _events(text: str) -> list[tuple[str, Any]]:
    events = []
    for block in text.strip().split("\n\n"):
        lines = dict(line.split(": ", 1) for line in block.split("\n"))
        events.append((lines["event"], json.loads(lines["data"])))
    return events


@pytest.fixture
def fake_chat(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """An agent.chat stand-in speaking the agent's event protocol (token, tool_call, tool_result, final)."""
    calls: dict[str, Any] = {}

    def stream_chat(*, question: str, thread_id: str, context: Any, settings: Any) -> Any:
        calls.update(question=question, thread_id=thread_id, tenant=context.tenant)
        yield {"type": "tool_call", "name": "compare_periods", "args": {"metric": "fcr", "by": "queue"}}
        yield {"type": "tool_result", "name": "compare_periods", "content": "queue | fcr\ncardiologie | 0.64"}
        for piece in ("Le FCR a baissé ", "de 7 points ", "en cardiologie."):
            yield {"type": "token", "text": piece}
        yield {
            "type": "final",
            "answer": {
                "answer": "Le FCR a baissé de 7 points en cardiologie.",
                "thread_id": thread_id,
                "mode": "offline",
                "tools": [],
                "interaction_ids": ["alpha-call-1", "beta-call-1"],
                "notes": [],
            },
        }

    module = types.ModuleType("agent.chat")
    module.stream_chat = stream_chat  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "agent.chat", module)
    return calls


def test_chat_streams_thread_steps_tokens_evidence(world: Any, fake_chat: dict[str, Any]) -> None:
    res = world.client.post(
        "/v1/chat", json={"question": "Pourquoi le FCR baisse ?"}, headers=world.headers("alpha", "read")
    )
    assert res.status_code == 200 and res.headers["content-type"].startswith("text/event-stream")
    events = _events(res.text)
    kinds = [k for k, _ in events]
    assert kinds == ["thread", "step", "step", "token", "token", "token", "evidence", "done"]
    thread_id = events[0][1]["thread_id"]
    assert (
        "".join(d["text"] for k, d in events if k == "token") == "Le FCR a baissé de 7 points en cardiologie."
    )
    assert events[1][1] == {"tool": "compare_periods", "args": {"metric": "fcr", "by": "queue"}}
    assert "cardiologie | 0.64" in events[2][1]["result"]
    evidence = dict(events)["evidence"]
    assert [e["interaction_id"] for e in evidence] == ["alpha-call-1"]  # another tenant's id is never quoted
    assert "troisième fois" in evidence[0]["quote"]
    assert dict(events)["done"]["mode"] == "offline"
    assert fake_chat["thread_id"] == thread_id and fake_chat["tenant"] == "alpha"
    again = world.client.post(
        "/v1/chat",
        json={"question": "Et en radiologie ?", "thread_id": thread_id},
        headers=world.headers("alpha", "read"),
    )
    assert _events(again.text)[0][1]["thread_id"] == thread_id


def test_chat_with_the_offline_agent(world: Any) -> None:
    res = world.client.post(
        "/v1/chat",
        json={"question": "Quelles sont les principales frictions ?"},
        headers=world.headers("alpha", "read"),
    )
    events = _events(res.text)
    assert events[-1][0] == "done", events
    assert events[-1][1]["mode"] == "offline" and any(k == "token" for k, _ in events)


def test_chat_bad_input(world: Any) -> None:
    headers = world.headers("alpha", "read")
    assert world.client.post("/v1/chat", json={"question": ""}, headers=headers).status_code == 422
    assert (
        world.client.post(
            "/v1/chat", json={"question": "x", "thread_id": "a b/c"}, headers=headers
        ).status_code
        == 422
    )


def test_chat_failure_is_an_error_event(world: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    module = types.ModuleType("agent.chat")

    def stream_chat(**_: Any) -> Any:
        yield {"type": "token", "text": "Je "}
        raise RuntimeError("model unreachable")

    module.stream_chat = stream_chat  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "agent.chat", module)
    res = world.client.post("/v1/chat", json={"question": "x"}, headers=world.headers("alpha", "read"))
    assert res.status_code == 200
    assert _events(res.text)[-2:] == [("token", {"text": "Je "}), ("error", {"message": "model unreachable"})]


def test_health_readiness_and_metrics(world: Any) -> None:
    assert world.client.get("/healthz").json() == {"status": "ok"}
    ready = world.client.get("/readyz")
    assert ready.status_code == 200 and ready.json()["checks"] == {
        "database": "ok",
        "migrations": "ok",
        "model": "ok",
        "vector_index": "ok",
    }
    record = {"id": "m-1", "started_at": "2026-11-17T10:00:00+01:00", "text": "bonjour"}
    world.client.post("/v1/interactions", json=[record], headers=world.headers("alpha", "ingest"))
    world.client.get("/v1/interactions/m-1", headers=world.headers("alpha", "read"))
    text = world.client.get("/metrics").text
    assert 'parcours_ingested_records_total{outcome="accepted"} 1.0' in text
    assert 'route="/v1/interactions/{interaction_id}"' in text and 'status="200"' in text
    assert "parcours_http_request_duration_seconds_bucket" in text


class _DownClient:
    """A Chroma client whose server is gone."""

    def heartbeat(self) -> int:
        raise ConnectionError("chroma is down")


class _DownIndex:
    client = _DownClient()

    def index_pks(self, store: Any, pks: Any) -> None:
        raise ConnectionError("chroma is down")


def test_chroma_down_makes_readyz_503_and_ingest_report_it(world: Any) -> None:
    from api.deps import get_index

    app = world.client.app
    app.state.index = _DownIndex()
    app.dependency_overrides[get_index] = lambda: app.state.index
    res = world.client.get("/readyz")
    assert res.status_code == 503
    assert res.json()["checks"]["vector_index"].startswith("error: ConnectionError")
    record = {"id": "down-1", "started_at": "2026-11-17T10:00:00+01:00", "text": "bonjour"}
    ingest = world.client.post("/v1/interactions", json=[record], headers=world.headers("alpha", "ingest"))
    body = ingest.json()
    assert ingest.status_code == 200 and body["accepted"] == 1  # the record is kept
    assert body["index_errors"] == ["ConnectionError: chroma is down"]
    assert "parcours_index_failures_total 1.0" in world.client.get("/metrics").text


def test_unavailable_index_is_reported_by_ingest(world: Any) -> None:
    from api.deps import get_index

    world.client.app.dependency_overrides[get_index] = lambda: None
    record = {"id": "none-1", "started_at": "2026-11-17T10:00:00+01:00", "text": "bonjour"}
    headers = world.headers("alpha", "ingest")
    body = world.client.post("/v1/interactions", json=[record], headers=headers).json()
    assert body["accepted"] == 1 and "unavailable" in body["index_errors"][0]


def test_readyz_waits_for_the_model(world: Any) -> None:
    app = world.client.app
    app.state.embedder, app.state.index, app.state.model_loading = None, None, True
    res = world.client.get("/readyz")
    assert res.status_code == 503 and res.json()["checks"]["model"] == "loading"


def test_readyz_fails_without_migrations(world: Any) -> None:
    from sqlalchemy import text

    with world.store.engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = 'old'"))
    res = world.client.get("/readyz")
    assert res.status_code == 503 and "expected" in res.json()["checks"]["migrations"]


def test_openapi_documents_every_operation_with_examples(world: Any) -> None:
    schema = world.client.get("/openapi.json").json()
    operations = [
        op for path, ops in schema["paths"].items() if path.startswith("/v1") for op in ops.values()
    ]
    assert len(operations) == 21
    assert all(op.get("summary") and op.get("description") for op in operations)
    # both ways to send a key, an example request (curl) for each operation, typed answers and errors
    assert set(schema["components"]["securitySchemes"]) == {"bearer", "apiKey"}
    assert schema["components"]["securitySchemes"]["apiKey"]["name"] == "X-API-Key"
    assert all(op["security"] == [{"bearer": []}, {"apiKey": []}] for op in operations)
    assert all(op["x-codeSamples"][0]["source"].startswith("curl -X ") for op in operations)
    for path in (
        "/v1/frictions/{friction_id}",
        "/v1/actions/{action_id}",
        "/v1/actions/{action_id}/impact",
        "/v1/analyses/{analysis_id}",
    ):
        get = schema["paths"][path]["get"]["responses"]
        assert "404" in get and "$ref" in json.dumps(get["200"])
    for name in (
        "FrictionsPage",
        "ActionDetail",
        "ThemesPage",
        "KpiSeries",
        "InteractionView",
        "AnalysisStatus",
        "ActionImpact",
    ):
        assert name in schema["components"]["schemas"]
    text = json.dumps(schema, ensure_ascii=False)
    for example in ("call-000123", "2026-W47", "Marie Dupont", "personne ne répond", "event: thread"):
        assert example in text
    docs = world.client.get("/docs")
    assert (
        docs.status_code == 200
        and "/docs-assets/swagger-ui-bundle.js" in docs.text
        and "cdn" not in docs.text
    )
    assert world.client.get("/docs-assets/swagger-ui-bundle.js").status_code == 200
    redoc = world.client.get("/redoc")
    assert "/docs-assets/redoc.standalone.js" in redoc.text and "fonts.googleapis" not in redoc.text
