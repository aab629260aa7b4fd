from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import date
from pathlib import Path

import chromadb
import numpy as np
import pytest
from chromadb.config import Settings as ChromaSettings

from store.db import Store
from store.embedder import FakeEmbedder
from store.ingest import ingest_records
from store.retrieval import chroma_conditions, dense_ranking, parse_where, search_transcripts
from store.vector_index import VectorIndex
from tests.factories import at, interaction


class BlindEmbedder(FakeEmbedder):
    """An embedder that understands nothing (every text maps to a pseudo-random direction)."""

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        rng = np.random.default_rng(len(texts))
        vectors = rng.normal(size=(len(texts), self.dim)).astype(np.float32)
        return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def _client(tmp_path: Path) -> chromadb.ClientAPI:
    return chromadb.PersistentClient(
        path=str(tmp_path / "chroma"), settings=ChromaSettings(anonymized_telemetry=False)
    )


@pytest.fixture
def index(tmp_path: Path) -> VectorIndex:
    return VectorIndex(_client(tmp_path), FakeEmbedder(dim=128))


def _say(patient: str, agent: str = "Je regarde votre dossier.") -> list[dict[str, str]]:
    return [{"speaker": "patient", "text": patient}, {"speaker": "agent", "text": agent}]


CORPUS = [
    interaction(
        id="fr-ordo",
        language="fr",
        queue="pharmacie",
        started=at(16, 9),
        csat=2,
        transcript=_say(
            "Bonjour, c'est pour le renouvellement de mon ordonnance, le médecin n'a pas répondu."
        ),
    ),
    interaction(
        id="en-rx",
        language="en",
        queue="pharmacie",
        started=at(17, 10),
        csat=4,
        transcript=_say("Hello, I need a renewal of my prescription, my GP did not answer.", "Let me check."),
    ),
    interaction(
        id="fr-portail",
        language="fr",
        queue="radiologie",
        started=at(18, 8),
        csat=1,
        transcript=_say("Le portail de réservation en ligne affiche une erreur depuis la mise à jour."),
    ),
    interaction(
        id="en-portal",
        language="en",
        queue="radiologie",
        started=at(19, 8),
        channel="chat",
        transcript=_say("The online booking portal shows an error since the update.", "Sorry about that."),
    ),
    interaction(
        id="fr-facture",
        language="fr",
        queue="facturation",
        started=at(20, 14),
        csat=2,
        transcript=_say("Je ne comprends pas la facture que j'ai reçue, le montant est faux."),
    ),
    interaction(
        id="other-ordo",
        tenant="autre",
        language="fr",
        queue="pharmacie",
        started=at(16, 9),
        transcript=_say("Renouvellement de mon ordonnance, le médecin n'a pas répondu, ordonnance urgente."),
    ),
]


@pytest.fixture
def loaded(store: Store, index: VectorIndex) -> tuple[Store, VectorIndex]:
    summary = ingest_records(store, CORPUS, indexer=index)
    assert summary.accepted == len(CORPUS) and not summary.index_errors
    return store, index


def _ids(hits) -> list[str]:
    return [h.interaction_id for h in hits]


def test_hybrid_search_finds_the_interactions_about_the_query(loaded) -> None:
    store, index = loaded
    hits = search_transcripts(
        store=store, index=index, tenant="default", query="ordonnance renouvellement", k=3
    )
    assert hits[0].interaction_id == "fr-ordo"
    assert hits[0].matched == "both" and hits[0].speaker == "patient"
    assert "renouvellement de mon ordonnance" in hits[0].quote
    assert hits[0].metadata["queue"] == "pharmacie" and hits[0].metadata["date"] == "2026-11-16"
    assert hits[0].score > hits[-1].score


def test_a_search_never_returns_another_tenants_text(loaded) -> None:
    store, index = loaded
    for query in ("ordonnance urgente médecin", "renouvellement", "portail"):
        hits = search_transcripts(store=store, index=index, tenant="default", query=query, k=50)
        assert "other-ordo" not in _ids(hits)
        assert all("urgente" not in h.quote for h in hits)
        theirs = search_transcripts(store=store, index=index, tenant="autre", query=query, k=50)
        assert set(_ids(theirs)) <= {"other-ordo"}
    assert search_transcripts(store=store, index=None, tenant="autre", query="ordonnance", k=5)[
        0
    ].interaction_id == ("other-ordo")


def test_french_query_finds_french_text_without_accents_or_inflection(store: Store, tmp_path: Path) -> None:
    blind = VectorIndex(_client(tmp_path), BlindEmbedder())
    ingest_records(store, CORPUS, indexer=blind)
    hits = search_transcripts(
        store=store, index=blind, tenant="default", query="ordonnances a renouveler", k=3
    )
    assert "fr-ordo" in _ids(hits)[:2]
    hits = search_transcripts(store=store, index=blind, tenant="default", query="réservation erreur", k=3)
    assert _ids(hits)[0] == "fr-portail"


def test_lexical_only_search_works_without_an_index(loaded) -> None:
    store, _ = loaded
    hits = search_transcripts(store=store, index=None, tenant="default", query="facture montant", k=5)
    assert _ids(hits) == ["fr-facture"]
    assert hits[0].matched == "lexical" and hits[0].similarity is None


def test_filters_restrict_both_rankings(loaded) -> None:
    store, index = loaded
    query = "portal portail booking réservation error erreur"
    assert set(
        _ids(
            search_transcripts(
                store=store, index=index, tenant="default", query=query, where={"language": "en"}
            )
        )
    ) == {"en-rx", "en-portal"}
    assert _ids(
        search_transcripts(store=store, index=index, tenant="default", query=query, where={"channel": "chat"})
    ) == ["en-portal"]
    low = search_transcripts(
        store=store, index=index, tenant="default", query=query, where={"csat": {"$lte": 2}}
    )
    assert set(_ids(low)) == {"fr-ordo", "fr-portail", "fr-facture"}
    several = search_transcripts(
        store=store, index=index, tenant="default", query=query, where={"queue": ["facturation", "pharmacie"]}
    )
    assert set(_ids(several)) == {"fr-ordo", "en-rx", "fr-facture"}


def test_speaker_filter_quotes_only_that_side(loaded) -> None:
    store, index = loaded
    hits = search_transcripts(
        store=store,
        index=index,
        tenant="default",
        query="dossier check sorry",
        where={"speaker": "agent"},
        k=10,
    )
    assert hits and all(h.speaker == "agent" for h in hits)
    assert {h.quote for h in hits} <= {"Je regarde votre dossier.", "Let me check.", "Sorry about that."}


def test_date_range_is_inclusive(loaded) -> None:
    store, index = loaded
    hits = search_transcripts(
        store=store,
        index=index,
        tenant="default",
        query="portail portal ordonnance prescription facture",
        start=date(2026, 11, 17),
        end=date(2026, 11, 19),
        k=10,
    )
    assert set(_ids(hits)) == {"en-rx", "fr-portail", "en-portal"}
    by_where = search_transcripts(
        store=store,
        index=index,
        tenant="default",
        query="portail portal ordonnance prescription facture",
        where={"date": {"$gte": "2026-11-20"}},
    )
    assert _ids(by_where) == ["fr-facture"]


def test_k_limits_and_one_hit_per_interaction(loaded) -> None:
    store, index = loaded
    hits = search_transcripts(
        store=store, index=index, tenant="default", query="dossier ordonnance portail", k=2
    )
    assert len(hits) == 2
    everything = search_transcripts(store=store, index=index, tenant="default", query="dossier", k=50)
    assert len(_ids(everything)) == len(set(_ids(everything)))


def test_where_rejects_unknown_fields_and_the_tenant() -> None:
    with pytest.raises(ValueError, match="unknown filter"):
        parse_where({"colour": "red"})
    with pytest.raises(ValueError, match="tenant"):
        parse_where({"tenant": "autre"})
    with pytest.raises(ValueError, match="true or false"):
        parse_where({"abandoned": "maybe"})
    assert parse_where({"csat": "2", "abandoned": "true", "date": "20261116"}) == [
        ("csat", "$eq", 2),
        ("abandoned", "$eq", True),
        ("date", "$eq", date(2026, 11, 16)),
    ]


def test_lexical_index_is_created_for_data_stored_before_it(store: Store, index: VectorIndex) -> None:
    ingest_records(store, CORPUS)  # no indexer: the lexical index does not exist yet on a fresh database
    hits = search_transcripts(store=store, index=None, tenant="default", query="facture", k=5)
    assert _ids(hits) == ["fr-facture"]
    ingest_records(store, [interaction(id="late", transcript=_say("Une deuxième facture incompréhensible"))])
    assert set(_ids(search_transcripts(store=store, index=None, tenant="default", query="facture"))) == {
        "fr-facture",
        "late",
    }


def test_lexical_index_is_rebuilt_when_its_triggers_were_lost(
    sqlite_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    import store.lexical as lexical

    ingest_records(sqlite_store, CORPUS[:3])
    assert _ids(search_transcripts(store=sqlite_store, index=None, tenant="default", query="portail")) == [
        "fr-portail"
    ]
    with sqlite_store.engine.begin() as conn:  # what a table rebuild by a migration does to triggers
        conn.exec_driver_sql("DROP TRIGGER turns_fts_insert")
    ingest_records(sqlite_store, CORPUS[3:5])
    monkeypatch.setattr(lexical, "_ready", set())  # a new process
    hits = search_transcripts(store=sqlite_store, index=None, tenant="default", query="facture portail", k=10)
    assert set(_ids(hits)) == {"fr-portail", "en-portal", "fr-facture"}  # "portail*" also matches "portal"
    ingest_records(sqlite_store, [interaction(id="new", transcript=_say("Encore une facture"))])
    assert "new" in _ids(
        search_transcripts(store=sqlite_store, index=None, tenant="default", query="facture")
    )


# --- the same order on SQLite and PostgreSQL -------------------------------------------------------------

_TIED = [
    "Je voudrais renouveler mon ordonnance.",
    "Mon ordonnance est perdue.",
    "Une question sur mon ordonnance.",
    "J'appelle pour une ordonnance.",
    "Ordonnance expirée, que faire ?",
]


def _tied_records() -> list[dict]:
    """Forty contacts whose patients say nearly the same thing about a prescription: scores tie."""
    return [
        interaction(
            id=f"ord-{n:03d}",
            started=at(2 + n % 20),
            queue=["pharmacie", "cardiologie"][n % 2],
            transcript=_say(_TIED[n % len(_TIED)]),
        )
        for n in range(40)
    ]


def test_search_order_is_deterministic_the_same_on_both_databases_and_stable_with_k(
    sqlite_store: Store, pg_store: Store, tmp_path: Path
) -> None:
    results: dict[str, dict[int, list[str]]] = {}
    for name, store in (("sqlite", sqlite_store), ("postgresql", pg_store)):
        index = VectorIndex(_client(tmp_path / name), FakeEmbedder(dim=64))
        assert ingest_records(store, _tied_records(), indexer=index).rejected == 0
        results[name] = {}
        for k in (3, 5, 10):
            for _ in range(2):
                hits = search_transcripts(
                    store=store,
                    index=index,
                    tenant="default",
                    query="ordonnance",
                    k=k,
                    where={"queue": "pharmacie"},
                    start=date(2026, 11, 1),
                    end=date(2026, 11, 30),
                )
                ids = [h.interaction_id for h in hits]
                assert results[name].setdefault(k, ids) == ids  # the same call, the same answer
        lexical = search_transcripts(store=store, index=None, tenant="default", query="ordonnance", k=10)
        results[name][0] = [h.interaction_id for h in lexical]
    assert results["sqlite"] == results["postgresql"]
    for name in results:
        assert len(results[name][10]) == 10
        assert results[name][10][:5] == results[name][5] and results[name][5][:3] == results[name][3]


_FILLER = "le la dossier patient service appel rendez-vous médecin docteur pharmacie demande semaine".split()


def _varied_turn(n: int) -> str:
    """Turns of 3 to 60 words holding "ordonnance" 1 to 4 times, half of them "renouvellement" too.

    BM25 prefers the short ones and `ts_rank` the repetitive ones, so the databases' own scores would not
    pick the same few among them.
    """
    rng = random.Random(n)
    words = [rng.choice(_FILLER) for _ in range(rng.randint(3, 60))]
    for _ in range(rng.randint(1, 4)):
        words.insert(rng.randrange(len(words) + 1), "ordonnance")
    if rng.random() < 0.5:
        words.insert(rng.randrange(len(words) + 1), "renouvellement")
    return " ".join(words)


def test_more_matches_than_candidates_give_the_same_hits_on_both_databases(
    sqlite_store: Store, pg_store: Store, tmp_path: Path
) -> None:
    """Three hundred turns match, more than the candidate pool (3 × 40): both databases pick the same ones."""
    records = [
        interaction(
            id=f"many-{n:03d}",
            started=at(1 + n % 28, 8 + n % 9),
            queue=["pharmacie", "cardiologie", "radiologie"][n % 3],
            transcript=_say(_varied_turn(2 * n), _varied_turn(2 * n + 1)),
        )
        for n in range(150)
    ]
    results: dict[str, list] = {}
    for name, store in (("sqlite", sqlite_store), ("postgresql", pg_store)):
        index = VectorIndex(_client(tmp_path / name), FakeEmbedder(dim=64))
        assert ingest_records(store, records, indexer=index).rejected == 0
        found = []
        for query, where in (
            ("renouvellement de mon ordonnance", {}),
            ("ordonnance", {"queue": "pharmacie"}),
            ("renouvellement patient ordonnance", {"speaker": "patient"}),
        ):
            for idx in (index, None):
                hits = search_transcripts(
                    store=store, index=idx, tenant="default", query=query, k=10, where=where
                )
                assert len(hits) == 10
                found.append([(h.interaction_id, h.quote, h.score, h.speaker, h.matched) for h in hits])
        results[name] = found
    assert results["sqlite"] == results["postgresql"]


# --- filters: SQL over Chroma's over-fetched neighbours, Chroma's own filter when too few remain ----------

_WORDS = ["ordonnance", "facture", "portail", "rappel", "résultats", "parking"]


def _varied_records() -> list[dict]:
    """Sixty contacts over three weeks, queues, languages, CSAT (some missing) and both speakers."""
    return [
        interaction(
            id=f"v-{n:02d}",
            started=at(2 + n % 21, 8 + n % 9),
            queue=[None, "pharmacie", "radiologie", "facturation"][n % 4],
            language=["fr", "en", None][n % 3],
            csat=[None, 1, 2, 4, 5][n % 5],
            channel=["phone", "chat"][n % 2],
            transcript=_say(
                f"Question {n} sur {_WORDS[n % 6]} et {_WORDS[(n * 5) % 6]}",
                f"Réponse {n} au sujet de {_WORDS[(n + 2) % 6]}",
            ),
        )
        for n in range(60)
    ]


_FILTERS: list[tuple[dict, date | None, date | None]] = [
    ({}, None, None),
    ({"queue": "pharmacie"}, None, None),
    ({"queue": ["radiologie", "facturation"]}, date(2026, 11, 5), date(2026, 11, 15)),
    ({"csat": {"$lte": 2}}, None, None),
    ({"csat": {"$ne": 5}}, None, date(2026, 11, 10)),
    ({"language": {"$nin": ["fr"]}, "channel": "chat"}, None, None),
    ({"speaker": "agent", "queue": {"$ne": "pharmacie"}}, date(2026, 11, 8), None),
    ({"abandoned": False, "date": {"$gt": "2026-11-12"}}, None, None),
]


def test_sql_filtered_neighbours_equal_chromas_own_filtering(store: Store, tmp_path: Path) -> None:
    """Filtering the over-fetched neighbours in SQL ranks exactly what Chroma's own filter ranks."""
    index = VectorIndex(_client(tmp_path), FakeEmbedder(dim=64))
    assert ingest_records(store, _varied_records(), indexer=index).rejected == 0
    vector = index.embedder.encode(["ordonnance et facture"])[0]
    compared = 0
    for where, start, end in _FILTERS:
        conditions = parse_where(where)
        conditions += [("date", "$gte", start)] if start else []
        conditions += [("date", "$lte", end)] if end else []
        ours = dense_ranking(store, index, "default", vector, conditions, 40)
        theirs = index.query(tenant="default", embedding=vector, n=40, where=chroma_conditions(conditions))
        assert [h.chunk_id for h in ours] == [h.chunk_id for h in theirs], where
        assert [h.pk for h in ours] == [h.pk for h in theirs]
        compared += len(theirs)
    assert compared > 150  # the filters kept something to compare


def test_filtered_search_quotes_the_dense_passage_and_falls_back_to_chroma_when_selective(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import store.retrieval as retrieval

    index = VectorIndex(_client(tmp_path), FakeEmbedder(dim=64))
    ingest_records(store, _varied_records(), indexer=index)
    agent = {"speaker": "agent", "queue": "radiologie"}  # a chunk's condition: neighbours' metadata is read
    # The second query matches no word (dense alone) and its hits' metadata is read for the quotes only.
    for query, where in (("Réponse au sujet de parking", agent), ("zzqx parkng", {"queue": "radiologie"})):
        wide = search_transcripts(store=store, index=index, tenant="default", query=query, k=5, where=where)
        assert len(wide) == 5 and all(h.metadata["queue"] == "radiologie" for h in wide)
        assert all(h.quote.startswith({"agent": "Réponse", "patient": "Question"}[h.speaker]) for h in wide)
    assert {h.matched for h in wide} == {"dense"}
    # One interaction in twenty passes: the first 40 neighbours hold too few, a wider over-fetch answers
    # (exact here: it reaches every chunk), or Chroma's own filter when the wider over-fetch is capped.
    selective = {"queue": "radiologie", "csat": 1}
    expected = search_transcripts(
        store=store, index=index, tenant="default", query="zzqx parkng", k=5, where=selective
    )
    assert len(expected) == 3 and {h.metadata["csat"] for h in expected} == {1}
    for cap, chroma_filters in ((3000, 0), (40, 1)):
        monkeypatch.setattr(retrieval, "OVERFETCH", 3)
        monkeypatch.setattr(retrieval, "MAX_OVERFETCH", cap)
        calls: list[dict] = []

        def spy(_query=index.query, _calls=calls, **kw):  # type: ignore[no-untyped-def]
            _calls.append(kw)
            return _query(**kw)

        monkeypatch.setattr(index, "query", spy)
        got = search_transcripts(
            store=store, index=index, tenant="default", query="zzqx parkng", k=5, where=selective
        )
        monkeypatch.undo()
        assert len(calls) == chroma_filters
        assert [(h.interaction_id, h.quote, h.score) for h in got] == [
            (h.interaction_id, h.quote, h.score) for h in expected
        ]
