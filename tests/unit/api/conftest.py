"""Fixtures of the API tests: an app on a temporary SQLite store with a fake embedder, two seeded tenants."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.deps import get_embedder, get_index
from api.main import create_app
from core.settings import Settings
from store.db import Store
from tests.unit.api.sample import keys_for, seed_tenant


@dataclass
class ApiWorld:
    """A running test app with two tenants, alpha and beta, each with data, analyses and one key per scope."""

    client: TestClient
    store: Store
    keys: dict[str, dict[str, str]]
    seeds: dict[str, dict[str, Any]]
    index: Any
    embedder: Any

    def headers(self, tenant: str = "alpha", scope: str = "admin") -> dict[str, str]:
        """Authorization header of a tenant's key with one scope."""
        return {"Authorization": f"Bearer {self.keys[tenant][scope]}"}


def fake_runner(*, store: Store, tenant: str, period: Any = None, **_: Any) -> Any:
    """A stand-in for agent.analysis.run_analysis: a fixed result for the tenant and period."""
    from tests.unit.api.sample import make_result

    week_start = period.start if period is not None else date(2026, 11, 16)
    return make_result(tenant=tenant, analysis_id="an-runner", week_start=week_start, prefix=f"{tenant}-run-")


BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
"""Use with `@pytest.mark.parametrize("world", BACKENDS, indirect=True)` to run a test on both databases."""


@pytest.fixture
def world(request: pytest.FixtureRequest, settings: Settings) -> Iterator[ApiWorld]:
    backend = getattr(request, "param", "sqlite")
    sqlite_store: Store = request.getfixturevalue("sqlite_store" if backend == "sqlite" else "pg_store")
    from store.embedder import FakeEmbedder
    from store.vector_index import VectorIndex, make_client

    embedder = FakeEmbedder()
    index = VectorIndex(make_client(settings), embedder)
    app = create_app(settings, store=sqlite_store, runner=fake_runner)
    app.dependency_overrides[get_index] = lambda: index
    app.dependency_overrides[get_embedder] = lambda: embedder
    app.state.index, app.state.embedder = index, embedder
    seeds = {
        "alpha": seed_tenant(sqlite_store, "alpha", marker="alpha-marker"),
        "beta": seed_tenant(sqlite_store, "beta", marker="beta-marker"),
    }
    index.reindex(store=sqlite_store)
    keys = {tenant: keys_for(sqlite_store, tenant) for tenant in ("alpha", "beta")}
    with TestClient(app) as client:
        yield ApiWorld(
            client=client, store=sqlite_store, keys=keys, seeds=seeds, index=index, embedder=embedder
        )
