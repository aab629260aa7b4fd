"""The full-text side's word counts (`term_counts`): per tenant, kept by every write, equal to a recount."""

from __future__ import annotations

import random
import threading
from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import select, text

from store.db import Store
from store.erasure import erase_interaction, erase_patient
from store.ingest import ingest_records
from store.lexical import (
    _frequencies,
    _term_density,
    count_key,
    count_turns,
    lexical_search,
    query_terms,
    turn_keys,
)
from store.retention import purge
from store.schema import TermCountRow
from tests.factories import at, interaction

_VOCABULARY = (
    "ordonnance ordonnances ordonner ordre renouvellement renouveler facture factures facturé rendez vous "
    "rdv test tests texte textes portail portal erreur erreurs médecin medecins mé de la "
    "prix prise pris cœur coeur analyse analyses 2026 x1 à été hôpital hopitaux ab abc abcd abcde abcdef"
).split()


def _sentence(rng: random.Random) -> str:
    words = [rng.choice(_VOCABULARY) for _ in range(rng.randint(1, 12))]
    return rng.choice([" ", ", ", "-", "'"]).join(w.upper() if rng.random() < 0.1 else w for w in words)


def test_a_term_is_counted_in_exactly_the_turns_the_ranking_finds_it_in() -> None:
    rng = random.Random(3)
    terms = sorted({t for w in _VOCABULARY for t in query_terms(w)})
    assert {"ordonnances", "rdv", "x1", "2026", "abcde"} <= set(terms)
    for _ in range(400):
        body = _sentence(rng)
        keys = turn_keys(body)
        for term in terms:
            found, _ = _term_density([term], body)
            assert (count_key(term) in keys) == (term in found), (term, body)


def _table(store: Store) -> dict[tuple[str, str], int]:
    with store.engine.connect() as conn:
        rows = conn.execute(select(TermCountRow.tenant, TermCountRow.term, TermCountRow.turns))
        return {(tenant, term): n for tenant, term, n in rows}


def _recount(store: Store) -> dict[tuple[str, str], int]:
    """What counting every stored turn again gives."""
    with store.engine.connect() as conn:
        turns = conn.execute(
            text("SELECT i.tenant, t.text FROM turns t JOIN interactions i ON i.pk = t.interaction_pk")
        )
        return dict(count_turns((tenant, body) for tenant, body in turns))


def _say(*texts: str) -> list[dict[str, str]]:
    return [{"speaker": ["patient", "agent"][n % 2], "text": t} for n, t in enumerate(texts)]


def _records(rng: random.Random, prefix: str, n: int, tenant: str = "default") -> list[dict]:
    return [
        interaction(
            id=f"{prefix}-{i}",
            tenant=tenant,
            patient_ref=f"ref-{prefix}-{i % 5}",
            started=at(1 + i % 28, 8 + i % 9),
            transcript=_say(*[_sentence(rng) for _ in range(rng.randint(1, 4))]),
        )
        for i in range(n)
    ]


def test_counts_follow_ingestion_updates_erasure_and_purge(store: Store) -> None:
    rng = random.Random(7)
    settings = store.settings
    assert settings is not None
    first = _records(rng, "a", 40) + _records(rng, "b", 25, tenant="autre")
    assert ingest_records(store, first).rejected == 0
    assert _table(store) == _recount(store) and len(_table(store)) > 50
    with store.engine.connect() as conn:  # a term's count is the number of the tenant's turns holding it
        turns = conn.execute(
            text(
                "SELECT t.text FROM turns t JOIN interactions i ON i.pk = t.interaction_pk "
                "WHERE i.tenant = 'default'"
            )
        ).scalars()
        bodies = list(turns)
        counted = _frequencies(conn, "default", ["ordonnances", "rdv", "facture", "zorglubine"])
    for term, n in counted.items():
        assert n == sum(1 for b in bodies if term in _term_density([term], b)[0]), term

    # Changed transcripts replace their turns; unchanged ones change nothing; an ingestion adds.
    changed = [dict(r, transcript=_say(_sentence(rng), "seule la zorglubine")) for r in first[:10]]
    assert ingest_records(store, changed + first[10:20] + _records(rng, "c", 5)).rejected == 0
    assert _table(store) == _recount(store)
    assert _table(store)[("default", "zorglu*")] == 10

    # Erasure: the counts lose the erased turns; a word no remaining turn holds leaves the table.
    erase_interaction(
        store=store, settings=settings, tenant="default", interaction_id="a-0", requested_by="test"
    )
    erase_patient(store=store, settings=settings, tenant="autre", patient_ref="ref-b-1", requested_by="t")
    assert _table(store) == _recount(store)
    for n in range(1, 10):
        erase_interaction(
            store=store, settings=settings, tenant="default", interaction_id=f"a-{n}", requested_by="t"
        )
    assert _table(store) == _recount(store)
    assert not [key for key in _table(store) if key[1].startswith("zorg")]

    # Retention: what is purged leaves the counts too.
    paris = timezone(timedelta(hours=1))
    now = datetime.now(UTC)
    texts = ["un texte ancien xylophonique", "xylophone et ordonnance"]
    old = [
        interaction(
            id=f"old-{n}", started=(now - timedelta(days=400 + n)).astimezone(paris), transcript=_say(t)
        )
        for n, t in enumerate(texts)
    ]
    assert ingest_records(store, old).rejected == 0
    assert _table(store)[("default", "xyloph*")] == 2
    purged = purge(store=store, settings=settings.model_copy(update={"retention_days": 365}), now=now)
    assert purged.counts["interactions"] == 2
    assert _table(store) == _recount(store) and ("default", "xyloph*") not in _table(store)


def test_one_tenants_turns_do_not_weigh_another_tenants_words(store: Store) -> None:
    mine = [
        interaction(id=f"m-{n}", transcript=_say(f"renouvellement ordonnance numéro {n}", "ordonnance"))
        for n in range(6)
    ] + [interaction(id=f"r-{n}", transcript=_say("renouvellement de carte")) for n in range(4)]
    assert ingest_records(store, mine).rejected == 0

    def scores() -> list[tuple[int, int, float]]:
        found = lexical_search(store=store, tenant="default", query="renouvellement ordonnance", limit=20)
        return [(h.pk, h.seq, h.score) for h in found]

    before = scores()
    assert len(before) == 16
    theirs = [
        interaction(id=f"o-{n}", tenant="autre", transcript=_say("ordonnance", "ordonnance encore"))
        for n in range(30)
    ]
    assert ingest_records(store, theirs).rejected == 0
    assert scores() == before  # the other tenant's 60 "ordonnance" turns changed no weight
    with store.engine.connect() as conn:
        assert _frequencies(conn, "default", ["ordonnance"]) == {"ordonnance": 12}
        assert _frequencies(conn, "autre", ["ordonnance"]) == {"ordonnance": 60}


def test_another_process_writes_are_counted_at_once(store: Store) -> None:
    assert ingest_records(store, [interaction(id="one", transcript=_say("facture"))]).rejected == 0
    other = Store(store.url, settings=store.settings)  # a second process (API worker, CLI)
    try:
        more = [interaction(id=f"f-{n}", transcript=_say("facture", "facture")) for n in range(3)]
        assert ingest_records(other, more).rejected == 0
    finally:
        other.close()
    with store.engine.connect() as conn:
        assert _frequencies(conn, "default", ["facture", "absent"]) == {"facture": 7, "absent": 0}


@pytest.mark.postgres
def test_concurrent_ingestions_keep_the_counts_exact(pg_store: Store) -> None:
    rng = random.Random(11)
    batches = [_records(rng, f"w{n}", 60) for n in range(4)]
    errors: list[BaseException] = []

    def run(records: list[dict]) -> None:
        try:
            for at_ in range(0, len(records), 15):
                assert ingest_records(pg_store, records[at_ : at_ + 15]).rejected == 0
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(b,)) for b in batches]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert _table(pg_store) == _recount(pg_store)


def test_migrating_an_existing_database_backfills_the_counts(store: Store) -> None:
    from alembic import command
    from alembic.config import Config

    from store.db import _MIGRATIONS

    rng = random.Random(5)
    assert ingest_records(store, _records(rng, "m", 30) + _records(rng, "n", 10, "autre")).rejected == 0
    expected = _table(store)
    config = Config()
    config.set_main_option("script_location", str(_MIGRATIONS))
    config.attributes["engine"] = store.engine
    command.downgrade(config, "0004_refactor")  # a database as it was before the counts
    assert "term_counts" not in store.table_names()
    command.upgrade(config, "head")  # what `parcours migrate` runs
    assert _table(store) == expected == _recount(store)


class _Counting:
    """A connection that counts the statements run through it."""

    def __init__(self, conn: object) -> None:
        self.conn, self.statements = conn, 0

    def execute(self, *args: object, **kwargs: object) -> object:
        self.statements += 1
        return self.conn.execute(*args, **kwargs)  # type: ignore[attr-defined]


@pytest.mark.postgres
def test_the_newest_matches_read_window_by_window_are_those_of_a_full_read(pg_store: Store) -> None:
    from store.lexical import SqlFilter, _newest_postgres, ensure_lexical

    words = ["ordonnance", "facture", "rappel", "parking", "dossier", "urgence"]
    records = [
        interaction(
            id=f"win-{n:04d}",
            tenant="default" if n % 4 else "autre",
            started=at(1 + n % 28, 8 + n % 9),
            queue=["pharmacie", "cardiologie", "radiologie"][n % 3],
            transcript=_say(f"{words[n % 6]} {words[n % 5]} numéro {n}", f"{words[n % 4]} noté"),
        )
        for n in range(1200)
    ]
    assert ingest_records(pg_store, records).rejected == 0
    ensure_lexical(pg_store)
    cases = [
        (["ordonnance"], []),
        (["ordonnance", "parking"], [SqlFilter("queue", "$eq", "pharmacie")]),
        (
            ["facture"],
            [SqlFilter("queue", "$in", ["radiologie"]), SqlFilter("local_date", "$gte", at(20).date())],
        ),
        (["urgence"], [SqlFilter("speaker", "$eq", "patient")]),
        (["dossier"], [SqlFilter("queue", "$eq", "absente")]),
    ]
    widened = 0
    with pg_store.engine.connect() as conn:
        for kept, filters in cases:
            counted = _frequencies(conn, "default", kept)
            everything = [tuple(r) for r in _newest_postgres(conn, "default", kept, 0, filters, 10_000)]
            assert everything == sorted(everything, key=lambda r: (-r[0], -r[1]))
            assert (kept == ["dossier"]) == (not everything)
            for limit in (5, 60, 120):
                spy = _Counting(conn)
                windowed = _newest_postgres(spy, "default", kept, sum(counted.values()), filters, limit)
                assert [tuple(r) for r in windowed] == everything[:limit], (kept, filters, limit)
                widened += spy.statements > 2  # the max pk, then more than one window
    assert widened >= 3  # the filtered reads needed wider windows
