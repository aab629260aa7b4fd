"""Generated interactions ingested on SQLite and PostgreSQL: no full name, no agent first name is stored.

The generator writes agents' greetings ("Bonjour, Hôpital Nord, Céline, que puis-je faire pour vous ?",
"Sophie à votre service", "this is Nadia, how can I help?") and e-mail sign-offs ("… salutations
distinguées.\\n\\nAurélie Bonnet"); what is stored must hold none of those names.
"""

from __future__ import annotations

import re
from datetime import date

import pytest
from sqlalchemy import select

from evals.generator import generate
from evals.generator import population as people
from store.db import Store
from store.ingest import ingest_records
from store.schema import InteractionRow, TurnRow

FIRST = sorted(set(people.FR_FEMALE + people.FR_MALE + people.EN_FEMALE + people.EN_MALE))
LAST = sorted(set(people.FR_LAST + people.EN_LAST))
FULL_NAME = re.compile(r"\b(?:" + "|".join(FIRST) + r")\s+(?:" + "|".join(LAST) + r")\b")
AGENT = re.compile(r"\b(?:" + "|".join(sorted(set(people._AGENTS.split()))) + r")\b")


@pytest.mark.parametrize("backend", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def test_no_full_name_nor_agent_first_name_is_stored(backend: str, request: pytest.FixtureRequest) -> None:
    store: Store = request.getfixturevalue("sqlite_store" if backend == "sqlite" else "pg_store")
    records, _ = generate(weeks=2, per_week=700, seed=7, end=date(2026, 11, 30))
    summary = ingest_records(store, records, collect=False)
    assert summary.rejected == 0 and summary.accepted > 1000
    with store.session() as s:
        turns = s.execute(
            select(InteractionRow.ext_id, TurnRow.speaker, TurnRow.text).join(
                TurnRow, TurnRow.interaction_pk == InteractionRow.pk
            )
        ).all()
    mails = [t for t in turns if t.ext_id.startswith("mail-")]
    assert mails and any("<NAME>" in t.text for t in mails)  # sign-offs were there, and are redacted
    full_names = [(t.ext_id, m.group()) for t in turns if (m := FULL_NAME.search(t.text))]
    agent_names = [
        (t.ext_id, m.group()) for t in turns if t.speaker == "agent" and (m := AGENT.search(t.text))
    ]
    assert full_names == []
    assert agent_names == []
