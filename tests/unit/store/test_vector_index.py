from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import chromadb
import numpy as np
import pytest
from chromadb.config import Settings as ChromaSettings
from sqlalchemy import delete, select

from store.db import Store
from store.embedder import FakeEmbedder
from store.ingest import ingest_records
from store.schema import InteractionRow
from store.vector_index import VectorIndex, chunk_turns, collection_name, split_chunk_id
from tests.factories import at, interaction


@pytest.fixture
def client(tmp_path: Path) -> chromadb.ClientAPI:
    return chromadb.PersistentClient(
        path=str(tmp_path / "chroma"), settings=ChromaSettings(anonymized_telemetry=False)
    )


@pytest.fixture
def index(client: chromadb.ClientAPI) -> VectorIndex:
    return VectorIndex(client, FakeEmbedder())


class FailingEmbedder(FakeEmbedder):
    def encode(self, texts: Sequence[str]) -> np.ndarray:
        raise RuntimeError("embedding server down")


def _hashes(store: Store) -> dict[str, tuple[str, str | None]]:
    with store.session() as session:
        rows = session.execute(
            select(InteractionRow.ext_id, InteractionRow.content_hash, InteractionRow.indexed_hash)
        )
        return {ext: (content, indexed) for ext, content, indexed in rows}


def _chunks(index: VectorIndex, ext_id: str, tenant: str = "default") -> dict[str, dict]:
    collection = index.collection(tenant, create=False)
    if collection is None:
        return {}
    got = collection.get(where={"interaction_id": ext_id}, include=["metadatas"])
    return dict(zip(got["ids"], got["metadatas"], strict=True))


def test_chunks_merge_same_speaker_runs_and_keep_speakers_apart() -> None:
    chunks = chunk_turns(
        [
            (0, "patient", "Bonjour."),
            (1, "patient", "J'ai un souci."),
            (2, "agent", "Je vous écoute."),
            (3, "patient", "  "),
            (4, "patient", "Ma facture est fausse."),
        ]
    )
    assert [(c.speaker, c.text, c.seq_start, c.seq_end) for c in chunks] == [
        ("patient", "Bonjour.\nJ'ai un souci.", 0, 1),
        ("agent", "Je vous écoute.", 2, 2),
        ("patient", "Ma facture est fausse.", 4, 4),
    ]
    assert [c.number for c in chunks] == [0, 1, 2]


def test_long_turns_are_split_at_sentence_ends() -> None:
    sentence = "Le portail de réservation affiche une erreur depuis la mise à jour. "
    chunks = chunk_turns([(0, "patient", sentence * 40)], max_chars=300)
    assert len(chunks) > 5
    assert all(len(c.text) <= 300 for c in chunks)
    assert all(c.text.endswith(".") for c in chunks)
    assert " ".join(c.text for c in chunks) == (sentence * 40).strip()


def test_endless_sentence_is_cut_at_spaces() -> None:
    chunks = chunk_turns([(0, "patient", "mot " * 500)], max_chars=200)
    assert all(0 < len(c.text) <= 200 for c in chunks)
    assert sum(len(c.text.split()) for c in chunks) == 500


def test_each_model_and_tenant_has_its_own_collection() -> None:
    model = "sentence-transformers/all-MiniLM-L6-v2"
    names = {
        collection_name(model, "default"),
        collection_name(model, "chu-nord"),
        collection_name("/m/e5", "default"),
    }
    assert len(names) == 3
    assert collection_name(model, "default").startswith("parcours_all-minilm-l6-v2_")
    assert collection_name(model, "default") == collection_name(model, "default")
    assert collection_name(model, "Chu Nord!") != collection_name(model, "chu-nord")  # same slug, other hash


def test_chunk_ids_name_their_tenant_interaction_and_number() -> None:
    assert split_chunk_id("default", "default:call:7:3") == ("call:7", 3)  # an id may hold colons
    assert split_chunk_id("default", "other:call-1:0") is None
    assert split_chunk_id("def", "default:call-1:0") is None
    assert split_chunk_id("default", "default:call-1") is None


def test_nearest_returns_ids_and_distances_and_metadata_on_demand(store: Store, index: VectorIndex) -> None:
    ingest_records(
        store,
        [
            interaction(id="a", transcript=[{"speaker": "patient", "text": "portail en panne"}]),
            interaction(id="b", transcript=[{"speaker": "patient", "text": "facture fausse"}]),
        ],
        indexer=index,
    )
    vector = index.embedder.encode(["portail en panne"])[0]
    bare = index.nearest(tenant="default", embedding=vector, n=5)
    assert [chunk_id for chunk_id, _, _ in bare] == ["default:a:0", "default:b:0"]
    assert all(meta is None for _, meta, _ in bare) and bare[0][2] < bare[1][2]
    full = index.nearest(tenant="default", embedding=vector, n=1, metadata=True)
    assert full[0][1] is not None and full[0][1]["interaction_id"] == "a"
    meta = index.chunk_metadata("default", ["default:b:0", "default:missing:0"])
    assert list(meta) == ["default:b:0"] and meta["default:b:0"]["speaker"] == "patient"
    assert index.nearest(tenant="nobody", embedding=vector, n=5) == []


def test_filtered_queries_return_exact_matches_even_when_selective(store: Store, index: VectorIndex) -> None:
    records = [
        interaction(
            id=f"q-{n}",
            queue="rare" if n == 7 else "common",
            transcript=[{"speaker": "patient", "text": f"rendez-vous numéro {n} en cardiologie"}],
        )
        for n in range(400)
    ]
    ingest_records(store, records, indexer=index)
    vector = index.embedder.encode(["rendez-vous numéro 7 en cardiologie"])[0]
    common = index.query(tenant="default", embedding=vector, n=20, where=[{"queue": "common"}])
    assert len(common) == 20 and all(h.metadata["queue"] == "common" for h in common)
    rare = index.query(tenant="default", embedding=vector, n=20, where=[{"queue": "rare"}])
    assert [h.metadata["interaction_id"] for h in rare] == ["q-7"]
    far = index.embedder.encode(["facture"])[0]  # q-7 is not among the nearest: Chroma applies the filter
    assert [
        h.metadata["interaction_id"]
        for h in index.query(tenant="default", embedding=far, n=5, where=[{"queue": "rare"}])
    ] == ["q-7"]


def test_ingestion_indexes_chunks_with_filterable_metadata(store: Store, index: VectorIndex) -> None:
    record = interaction(
        id="call-1",
        queue="radiologie",
        csat=None,
        language="fr",
        started=at(16, 8),
        transcript=[
            {"speaker": "patient", "text": "Je n'arrive pas à joindre la radiologie."},
            {"speaker": "agent", "text": "Je vous passe le service."},
            {"speaker": "patient", "text": "Merci."},
        ],
    )
    summary = ingest_records(store, [record], indexer=index)
    assert summary.index_errors == []
    chunks = _chunks(index, "call-1")
    assert sorted(chunks) == ["default:call-1:0", "default:call-1:1", "default:call-1:2"]
    first = chunks["default:call-1:0"]
    assert first["speaker"] == "patient" and chunks["default:call-1:1"]["speaker"] == "agent"
    assert first["date"] == 20261116 and first["csat"] == -1 and first["abandoned"] is False
    assert first["queue"] == "radiologie" and first["channel"] == "phone" and first["tenant"] == "default"
    content, indexed = _hashes(store)["call-1"]
    assert indexed == content


def test_an_updated_interaction_loses_its_stale_chunks(store: Store, index: VectorIndex) -> None:
    turns = [{"speaker": s, "text": f"phrase {n}"} for n, s in enumerate(["patient", "agent"] * 3)]
    ingest_records(store, [interaction(id="call-2", transcript=turns)], indexer=index)
    assert len(_chunks(index, "call-2")) == 6
    summary = ingest_records(store, [interaction(id="call-2", transcript=turns[:2])], indexer=index)
    assert summary.updated == 1
    assert sorted(_chunks(index, "call-2")) == ["default:call-2:0", "default:call-2:1"]
    content, indexed = _hashes(store)["call-2"]
    assert indexed == content


def test_an_abandoned_call_without_text_is_marked_indexed_with_no_chunk(
    store: Store, index: VectorIndex
) -> None:
    ingest_records(store, [interaction(id="call-3", abandoned=True, transcript=None)], indexer=index)
    assert _chunks(index, "call-3") == {}
    content, indexed = _hashes(store)["call-3"]
    assert indexed == content
    assert index.check(store=store)["ok"]


def test_embedding_failure_keeps_the_record_and_check_repairs_it(
    store: Store, client, index: VectorIndex
) -> None:
    broken = VectorIndex(client, FailingEmbedder())
    summary = ingest_records(store, [interaction(id="call-4"), interaction(id="call-5")], indexer=broken)
    assert summary.accepted == 2 and summary.index_errors
    assert {ext: indexed for ext, (_, indexed) in _hashes(store).items()} == {"call-4": None, "call-5": None}
    report = index.check(store=store)
    assert report["ok"] is False and report["stale"] == 2 and report["fixed"] == 0
    fixed = index.check(store=store, fix=True)
    assert fixed["fixed"] == 2
    assert index.check(store=store)["ok"]
    assert len(_chunks(index, "call-4")) == 2


def test_check_finds_interactions_missing_from_the_index_and_orphans(
    store: Store, index: VectorIndex
) -> None:
    ingest_records(store, [interaction(id=f"call-{n}") for n in range(10, 14)], indexer=index)
    index.collection("default").delete(where={"interaction_id": "call-10"})
    with store.session() as session:
        session.execute(delete(InteractionRow).where(InteractionRow.ext_id == "call-11"))
    report = index.check(store=store)
    assert report["missing"] == 1 and report["orphans"] == 1 and report["examples"] == ["call-10"]
    index.check(store=store, fix=True)
    assert index.check(store=store)["ok"]
    assert _chunks(index, "call-11") == {} and len(_chunks(index, "call-10")) == 2


def test_reindex_rebuilds_everything_or_one_tenant(store: Store, client, index: VectorIndex) -> None:
    records = [interaction(id=f"a-{n}") for n in range(3)] + [interaction(id="b-0", tenant="other")]
    ingest_records(store, records)  # stored without an index
    assert index.check(store=store)["stale"] == 4
    assert index.reindex(store=store) == 4
    assert index.count() == 8 and index.check(store=store)["ok"]
    assert index.tenants() == ["default", "other"]
    fresh = VectorIndex(client, FakeEmbedder())
    assert fresh.reindex(store=store, tenant="other") == 1
    assert fresh.count() == 8 and fresh.count("other") == 2
    assert index.check(store=store)["ok"]
    assert VectorIndex(client, FakeEmbedder(dim=32)).tenants() == []  # another model has its own collections


def test_patient_vectors_embed_the_patient_side_once_per_tenant(store: Store, client) -> None:
    embedder = FakeEmbedder()
    index = VectorIndex(client, embedder)
    ingest_records(
        store,
        [
            interaction(
                id="p-1",
                transcript=[
                    {"speaker": "patient", "text": "Ma facture est incompréhensible"},
                    {"speaker": "agent", "text": "Je vérifie"},
                ],
            ),
            interaction(id="p-2", abandoned=True, transcript=None),
            interaction(id="p-3", tenant="other"),
        ],
    )
    with store.session() as session:
        pks = dict(session.execute(select(InteractionRow.ext_id, InteractionRow.pk)).tuples().all())
    vectors = index.patient_vectors(store=store, tenant="default", pks=list(pks.values()))
    assert set(vectors) == {pks["p-1"]}
    np.testing.assert_allclose(vectors[pks["p-1"]], embedder.encode(["Ma facture est incompréhensible"])[0])
    encoded = embedder.texts_encoded
    index.patient_vectors(store=store, tenant="default", pks=[pks["p-1"]])
    assert embedder.texts_encoded == encoded  # served from the cache


def test_query_is_always_restricted_to_the_tenant(store: Store, index: VectorIndex) -> None:
    text = [{"speaker": "patient", "text": "Le portail de réservation est en panne"}]
    ingest_records(
        store,
        [interaction(id="mine", transcript=text), interaction(id="theirs", tenant="other", transcript=text)],
        indexer=index,
    )
    vector = index.embedder.encode(["portail en panne"])[0]
    hits = index.query(tenant="default", embedding=vector, n=10)
    assert [h.metadata["interaction_id"] for h in hits] == ["mine"]
    assert index.query(tenant="nobody", embedding=vector, n=10) == []


def test_from_settings_uses_an_embedded_index_under_home(settings, sqlite_store: Store) -> None:
    index = VectorIndex.from_settings(settings, FakeEmbedder())
    ingest_records(sqlite_store, [interaction(id="x-1")], indexer=index)
    assert settings.chroma_path.is_dir() and any(settings.chroma_path.iterdir())
    assert index.count() == 2


def test_searches_keep_the_collection_handle_and_follow_a_rebuild_elsewhere(
    client: chromadb.ClientAPI, tmp_path: Path
) -> None:
    ours = VectorIndex(client, FakeEmbedder())
    elsewhere = VectorIndex(  # another process's `parcours reindex`
        chromadb.PersistentClient(
            path=str(tmp_path / "chroma"), settings=ChromaSettings(anonymized_telemetry=False)
        ),
        FakeEmbedder(),
    )
    vector = np.ones(ours.embedder.dim, dtype=np.float32)

    def put(index: VectorIndex, chunk_id: str, pk: int) -> None:
        index.collection("default").upsert(
            ids=[chunk_id], embeddings=vector.reshape(1, -1), metadatas=[{"tenant": "default", "pk": pk}]
        )

    put(ours, "default:a:0", 1)
    assert [c for c, _, _ in ours.nearest(tenant="default", embedding=vector, n=5)] == ["default:a:0"]
    assert "default" in ours._handles
    elsewhere.drop("default")
    put(elsewhere, "default:b:0", 2)
    assert [c for c, _, _ in ours.nearest(tenant="default", embedding=vector, n=5)] == ["default:b:0"]
    assert ours.chunk_metadata("default", ["default:b:0"]) == {"default:b:0": {"tenant": "default", "pk": 2}}
    elsewhere.drop("default")
    assert ours.nearest(tenant="default", embedding=vector, n=5) == []
    assert ours.chunk_metadata("default", ["default:b:0"]) == {}


def test_searches_use_a_wide_hnsw_search_even_on_older_collections(client: chromadb.ClientAPI) -> None:
    from store.vector_index import HNSW_EF_SEARCH

    index = VectorIndex(client, FakeEmbedder())
    assert index.collection("new").configuration_json["hnsw"]["ef_search"] == HNSW_EF_SEARCH
    older = client.create_collection(  # as collections were made before
        collection_name(index.embedder.name, "old"), configuration={"hnsw": {"space": "cosine"}}
    )
    assert older.configuration_json["hnsw"]["ef_search"] < HNSW_EF_SEARCH
    older.upsert(
        ids=["old:a:0"], embeddings=np.ones((1, index.embedder.dim), dtype=np.float32), metadatas=[{"pk": 1}]
    )
    assert len(index.nearest(tenant="old", embedding=np.ones(index.embedder.dim), n=3)) == 1
    assert client.get_collection(older.name).configuration_json["hnsw"]["ef_search"] == HNSW_EF_SEARCH
