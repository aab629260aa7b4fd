"""The API sees what another process (a CLI ingest) added to the embedded Chroma index."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

from api.fresh_index import fresh_index
from core.settings import Settings
from store.db import Store
from store.embedder import FakeEmbedder
from store.ingest import ingest_records
from store.vector_index import VectorIndex
from tests.factories import at, interaction

CHILD = """
from core.settings import get_settings
from store.db import Store
from store.embedder import FakeEmbedder
from store.ingest import ingest_records
from store.vector_index import VectorIndex
from tests.factories import at, interaction

store = Store.from_settings()
index = VectorIndex.from_settings(get_settings(), FakeEmbedder())
said = [{"speaker": "patient", "text": "portail erreur {i}"}]
records = [
    interaction(id=f"cli-{i}", started=at(17, 9, i), transcript=[{**said[0], "text": f"portail erreur {i}"}])
    for i in range(30)
]
assert ingest_records(store, records, indexer=index).rejected == 0
"""


def _ids(store: Store, index: VectorIndex, embedder: FakeEmbedder) -> list[str]:
    from sqlalchemy import select

    from store.schema import InteractionRow

    hits = index.query(tenant="default", embedding=embedder.encode(["portail erreur 3"])[0], n=5)
    with store.session() as session:
        names = dict(session.execute(select(InteractionRow.pk, InteractionRow.ext_id)).all())
    return [names[h.pk] for h in hits]


def test_a_cli_ingest_from_another_process_is_searchable_from_the_api(
    settings: Settings, sqlite_store: Store
) -> None:
    embedder = FakeEmbedder()
    state = SimpleNamespace(
        settings=settings, index=VectorIndex.from_settings(settings, embedder), embedder=embedder
    )
    records = [
        interaction(
            id=f"api-{i}",
            started=at(16, 9, i),
            transcript=[{"speaker": "patient", "text": f"ordonnance {i}"}],
        )
        for i in range(5)
    ]
    ingest_records(sqlite_store, records, indexer=state.index)
    assert fresh_index(state) is state.index  # nothing changed: the same client
    assert _ids(sqlite_store, state.index, embedder)[0].startswith("api-")  # the API has searched already
    root = Path(__file__).resolve().parents[3]
    env = {**os.environ, "PYTHONPATH": str(root)}
    subprocess.run([sys.executable, "-c", CHILD], check=True, cwd=root, env=env, capture_output=True)
    stale = _ids(sqlite_store, state.index, embedder)
    assert not any(i.startswith("cli-") for i in stale)  # the API's client does not see the new vectors
    fresh = _ids(sqlite_store, fresh_index(state), embedder)
    assert fresh[0] == "cli-3"
