"""The real bundled embedding model, Chroma on disk and as a server, on generated bilingual data."""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import numpy as np
import pytest
import typer
from typer.testing import CliRunner

from cli import reindex_cmd, search_cmd
from core.settings import get_settings
from store.db import Store
from store.embedder import BUNDLED_MODEL, OnnxQueryEncoder, get_embedder
from store.ingest import ingest_records
from store.retrieval import search_transcripts
from store.vector_index import VectorIndex, collection_name

pytestmark = pytest.mark.slow

CHROMA = Path(sys.executable).parent / "chroma"


@pytest.fixture(scope="module")
def generated() -> tuple[list[dict], dict[str, str]]:
    """A French-speaking centre (tenant chu) and an English-speaking one (tenant nhs), one week each."""
    generator = pytest.importorskip("evals.generator")
    records: list[dict] = []
    themes: dict[str, str] = {}
    for tenant, language in (("chu", "fr"), ("nhs", "en")):
        items, truth = generator.generate(weeks=1, per_week=200, seed=3, tenant=tenant, language=language)
        records += list(items)
        themes.update({f"{tenant}/{k}": v for k, v in truth.interaction_themes.items()})
    return records, themes


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _drop_chroma_clients() -> None:
    from chromadb.api.client import SharedSystemClient

    SharedSystemClient.clear_system_cache()


def test_bundled_model_gives_normalized_vectors_where_meaning_counts() -> None:
    embedder = get_embedder()
    assert embedder is get_embedder() and embedder.name == BUNDLED_MODEL and embedder.dim == 384
    vectors = embedder.encode(
        ["I need to renew my prescription", "Can you refill my medication order?", "Where can I park my car?"]
    )
    assert vectors.dtype == np.float32 and vectors.shape == (3, 384)
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, rtol=1e-4)
    assert float(vectors[0] @ vectors[1]) > float(vectors[0] @ vectors[2]) + 0.2


def test_short_texts_through_onnx_runtime_give_the_models_vectors(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    embedder = get_embedder()
    texts = ["renouvellement de mon ordonnance", "I need my prescription renewed", "Où puis-je me garer ?"]
    onnx = OnnxQueryEncoder(embedder.model, tmp_path)
    exported = list(tmp_path.glob("query-*.onnx"))
    assert len(exported) == 1
    expected = embedder.model.encode(texts, normalize_embeddings=True, convert_to_numpy=True)
    got = onnx.encode(texts)
    assert got.dtype == np.float32 and got.shape == (3, 384)
    np.testing.assert_allclose(got, expected, atol=1e-5)
    stamp = exported[0].stat().st_mtime_ns
    OnnxQueryEncoder(embedder.model, tmp_path)  # another process: the export is reused, not redone
    assert exported[0].stat().st_mtime_ns == stamp
    # Once made, it embeds the short calls (a query); batches stay with torch.
    calls: list[int] = []
    monkeypatch.setattr(embedder, "_onnx", onnx)
    monkeypatch.setattr(onnx, "encode", lambda t: calls.append(len(t)) or expected[: len(t)])
    embedder.encode(texts[:1])
    embedder.encode(texts * 2)
    assert calls == [1]


QUERIES = [  # (tenant, query, theme, how many of the top 5 must be on the theme)
    ("chu", "renouvellement de mon ordonnance", "prescription_renewal", 4),
    ("chu", "mon ordonnance n'est pas renouvelée", "prescription_renewal", 4),
    ("chu", "le site de prise de rendez-vous en ligne ne marche plus", "booking_portal_broken", 4),
    ("chu", "je ne comprends pas le montant de ma facture", "billing_confusion", 2),
    ("nhs", "I need my prescription renewed", "prescription_renewal", 4),
    ("nhs", "the online booking website shows an error", "booking_portal_broken", 4),
    ("nhs", "I don't understand my bill", "billing_confusion", 2),
]


def test_french_and_english_queries_find_their_theme_in_generated_data(generated) -> None:
    records, themes = generated
    settings = get_settings()
    store = Store.from_settings(settings)
    index = VectorIndex.from_settings(settings)
    summary = ingest_records(store, records, indexer=index)
    assert summary.index_errors == [] and summary.accepted == len(records)
    assert any(settings.chroma_path.iterdir())
    for tenant, query, theme, at_least in QUERIES:
        size = sum(1 for key, value in themes.items() if key.startswith(f"{tenant}/") and value == theme)
        assert size >= 5, (
            f"the generator now makes only {size} {theme} contacts for {tenant}: change the seed"
        )
        hits = search_transcripts(store=store, index=index, tenant=tenant, query=query, k=5)
        found = [themes[f"{tenant}/{h.interaction_id}"] for h in hits]
        assert found[0] == theme, (query, found)
        assert found.count(theme) >= at_least, (query, found)
    # the two centres share ids ("call-000001"...) but never see each other's transcripts
    for tenant, language in (("chu", "fr"), ("nhs", "en")):
        hits = search_transcripts(
            store=store, index=index, tenant=tenant, query="prescription ordonnance", k=50
        )
        assert len(hits) >= 10
        assert {h.metadata["language"] for h in hits} == {language}


def test_reindex_after_the_index_directory_is_deleted(generated) -> None:
    records, themes = generated
    settings = get_settings()
    store = Store.from_settings(settings)
    records = records[:40]  # the French centre's first contacts
    ingest_records(store, records, indexer=VectorIndex.from_settings(settings))
    _drop_chroma_clients()
    shutil.rmtree(settings.chroma_path)

    app = typer.Typer()
    search_cmd.register(app)
    reindex_cmd.register(app)
    runner = CliRunner()
    check = runner.invoke(app, ["reindex", "--check", "--json"])
    assert check.exit_code == 1, check.output
    report = json.loads(check.stdout)
    assert report["missing"] > 30 and report["ok"] is False
    rebuilt = runner.invoke(app, ["reindex", "--json"])
    assert rebuilt.exit_code == 0, rebuilt.output
    assert json.loads(rebuilt.stdout)["indexed"] == 40
    assert json.loads(runner.invoke(app, ["reindex", "--check", "--json"]).stdout)["ok"] is True

    patient = next(r for r in records if not r["abandoned"] and r.get("transcript"))
    words = next(t["text"] for t in patient["transcript"] if t["speaker"] == "patient")
    out = runner.invoke(
        app,
        ["search", words, "--k", "3", "--json", "--tenant", "chu", "--where", f"queue={patient['queue']}"],
    )
    assert out.exit_code == 0, out.output
    hits = json.loads(out.stdout)
    assert hits[0]["interaction_id"] == patient["id"]
    assert all(h["metadata"]["queue"] == patient["queue"] for h in hits)


@pytest.fixture
def chroma_server(tmp_path: Path) -> Iterator[str]:
    port = _free_port()
    log = (tmp_path / "chroma.log").open("w")
    process = subprocess.Popen(
        [str(CHROMA), "run", "--path", str(tmp_path / "server"), "--port", str(port)], stdout=log, stderr=log
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{url}/api/v2/heartbeat", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"chroma server did not start: {(tmp_path / 'chroma.log').read_text()[-2000:]}")
            time.sleep(0.2)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def test_a_chroma_server_is_used_when_its_url_is_set(
    generated, chroma_server: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    records, themes = generated
    monkeypatch.setenv("PARCOURS_CHROMA_URL", chroma_server)
    get_settings.cache_clear()
    settings = get_settings()
    store = Store.from_settings(settings)
    index = VectorIndex.from_settings(settings)
    assert not settings.chroma_path.exists() or not any(settings.chroma_path.iterdir())
    summary = ingest_records(store, records[:30], indexer=index)
    assert summary.index_errors == []
    remote = httpx.get(
        f"{chroma_server}/api/v2/tenants/default_tenant/databases/default_database/collections"
    )
    assert [c["name"] for c in remote.json()] == [collection_name(index.embedder.name, "chu")]
    assert index.check(store=store)["ok"]
    patient = next(r for r in records[:30] if not r["abandoned"] and r.get("transcript"))
    words = next(t["text"] for t in patient["transcript"] if t["speaker"] == "patient")
    hits = search_transcripts(store=store, index=index, tenant="chu", query=words, k=3)
    assert hits[0].interaction_id == patient["id"]
