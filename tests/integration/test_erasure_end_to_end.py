"""A patient's data sent through the API, analysed, asked about in the chat and reported, then erased.

After `DELETE /v1/patients/{ref}`, no file under PARCOURS_HOME (database and its WAL, checkpoints, the Chroma
directory, report files) and no table — on PostgreSQL no relation file either — holds the patient's ref,
pseudonym, interaction ids or words; the analysis keeps its counts, the other patients keep their data.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from api.auth import create_key
from api.deps import get_embedder, get_index
from api.main import create_app
from api.report import write_report
from core.results import Period
from evals.generator import generate
from store.db import Store
from store.embedder import FakeEmbedder
from store.pseudonyms import ref_pseudonym
from store.schema import AnalysisRow, ErasureRow
from store.vector_index import VectorIndex, make_client
from tests.leaks import files_holding, relation_files_holding, tables_holding

REF = "IPP-0098765"
WORD = "zorglubine"
END = date(2026, 11, 30)  # the generated weeks end on Sunday 2026-11-29


def _patient_records(monday: date) -> list[dict[str, Any]]:
    texts = [
        f"Bonjour, ma prescription de {WORD} est introuvable à la pharmacie depuis le mardi gras dernier.",
        f"Je rappelle encore pour la {WORD}, personne ne répond, c'est la troisième fois que j'appelle.",
        f"Toujours pas de {WORD} en pharmacie, mon traitement est interrompu depuis une semaine.",
    ]
    return [
        {
            "id": f"secret-call-{n}",
            "channel": "phone",
            "queue": "pharmacie",
            "started_at": f"{monday + timedelta(days=n)}T09:1{n}:00+01:00",
            "patient_ref": REF,
            "agent_ref": "a-2",
            "language": "fr",
            "csat": 1,
            "resolved": False,
            "transcript": [
                {"speaker": "agent", "text": "Service pharmacie, bonjour."},
                {"speaker": "patient", "text": text},
            ],
        }
        for n, text in enumerate(texts)
    ]


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def app_world(request: pytest.FixtureRequest, settings: Any) -> Iterator[tuple[TestClient, Store, Any]]:
    store: Store = request.getfixturevalue("sqlite_store" if request.param == "sqlite" else "pg_store")
    embedder = FakeEmbedder()
    index = VectorIndex(make_client(settings), embedder)
    app = create_app(settings, store=store)
    app.dependency_overrides[get_index] = lambda: index
    app.dependency_overrides[get_embedder] = lambda: embedder
    app.state.index, app.state.embedder = index, embedder
    with TestClient(app) as client:
        yield client, store, index


def test_a_patient_sent_analysed_chatted_about_and_reported_is_erased_everywhere(app_world, settings) -> None:
    client, store, index = app_world
    key = create_key(store, tenant="default", scopes=["admin"], name="dpo").secret
    headers = {"Authorization": f"Bearer {key}"}
    records, _ = generate(weeks=2, per_week=150, seed=5, end=END)
    records = [{k: v for k, v in r.items() if k != "tenant"} for r in records]
    mine = _patient_records(date(2026, 11, 23))
    for start in range(0, len(records), 100):
        assert (
            client.post("/v1/interactions", json=records[start : start + 100], headers=headers).status_code
            == 200
        )
    posted = client.post("/v1/interactions", json={"interactions": mine}, headers=headers).json()
    assert posted["accepted"] == 3 and posted["index_errors"] == []

    from agent.analysis import run_analysis

    result = run_analysis(
        store=store,
        tenant="default",
        period=Period(start=date(2026, 11, 23), end=date(2026, 11, 29)),
        settings=settings,
        index=index,
        embedder=index.embedder,
    )
    write_report(result, settings.reports_dir / result.analysis_id, store=store)
    chat = client.post("/v1/chat", json={"question": f"Quels patients parlent de {WORD} ?"}, headers=headers)
    assert chat.status_code == 200 and "secret-call-" in chat.text  # the chat quoted the patient

    pseudonym = ref_pseudonym(store, tenant="default", ref=REF, kind="patient")
    needles = [REF, pseudonym, WORD, "secret-call-0", "secret-call-1", "secret-call-2"]
    before = files_holding(settings.home_dir, needles)
    # the patient's words are stored before erasure: in a file of the home (SQLite) or in a table (PostgreSQL;
    # which quotes reach the report depends on the analysis)
    assert (before.get(WORD) or tables_holding(store, [WORD])) and before.get("secret-call-0")
    volumes = _friction_volumes(store, result.analysis_id)

    erased = client.delete(f"/v1/patients/{REF}", params={"reason": "demande DPO n°7"}, headers=headers)
    assert erased.status_code == 200, erased.text
    report = erased.json()
    assert report["complete"], report["problems"]
    assert (
        report["interactions"] == 3 and report["counts"]["checkpoint_threads_deleted"] >= 2
    )  # analysis, chat
    assert files_holding(settings.home_dir, needles) == {}
    assert tables_holding(store, needles) == {}
    if store.dialect == "postgresql":
        assert relation_files_holding(store, needles) in ({}, None)
    assert _friction_volumes(store, result.analysis_id) == volumes  # counts stay
    assert client.get("/v1/interactions/secret-call-1", headers=headers).status_code == 404
    assert client.delete(f"/v1/patients/{REF}", headers=headers).status_code == 404
    other = records[0]["id"]
    assert client.get(f"/v1/interactions/{other}", headers=headers).status_code == 200
    again = client.get(f"/v1/analyses/{result.analysis_id}/report?format=md", headers=headers)
    assert again.status_code == 200 and WORD not in again.text
    with store.session() as s:
        audit = s.get(ErasureRow, report["erasure_id"])
    assert audit.requested_by == "key:dpo" and audit.status == "done" and audit.reason == "demande DPO n°7"


def _friction_volumes(store: Store, analysis_id: str) -> list[int]:
    with store.session() as s:
        result = s.scalar(select(AnalysisRow.result).where(AnalysisRow.id == analysis_id))
    return [f["volume"] for f in result["frictions"]] + [t["size"] for t in result["themes"]]
