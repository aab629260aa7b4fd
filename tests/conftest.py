"""Shared fixtures: a temporary home, SQLite and PostgreSQL stores, and a guard against real model calls."""

from __future__ import annotations

import os
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from core.settings import Settings, get_settings
from store.db import Store
from store.schema import Base

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
# Module-scoped fixtures run before the per-test environment below: give them the same model choice and a
# home of their own, never the user's ~/.parcours.
os.environ.setdefault("PARCOURS_THEME_EMBEDDING_MODEL", "same")
os.environ.setdefault("PARCOURS_HOME", tempfile.mkdtemp(prefix="parcours-tests-"))
if os.environ.get("PYTEST_XDIST_WORKER"):
    # One worker a core (`make test`): a model run spreading over every core in each worker makes the
    # workers' threads wait on one another (OpenMP spins), many times slower than one thread each.
    for _threads in ("OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(_threads, "1")

PG_ENV = "PARCOURS_TEST_POSTGRES_URL"


@pytest.fixture(autouse=True)
def _isolated_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Every test gets its own PARCOURS_HOME and no LLM unless it sets one."""
    for name in list(os.environ):
        if name.startswith("PARCOURS_") and name != PG_ENV:
            monkeypatch.delenv(name, raising=False)
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.setenv("PARCOURS_HOME", str(tmp_path / "home"))
    # Themes read the transcript model alone in tests (one model to load and run, the suite's time bounded);
    # the default pairing with the multilingual model is tested on its own and measured by `parcours eval`.
    monkeypatch.setenv("PARCOURS_THEME_EMBEDDING_MODEL", "same")
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.fixture
def settings() -> Settings:
    """The settings of the test's temporary home."""
    return get_settings()


@pytest.fixture
def sqlite_store(settings: Settings) -> Iterator[Store]:
    """A migrated SQLite store in the temporary home."""
    store = Store.from_settings(settings)
    yield store
    store.close()


@pytest.fixture(scope="session")
def pg_database_url() -> Iterator[str]:
    """A fresh PostgreSQL database for the session; skipped where none is configured (never in CI)."""
    base = os.environ.get(PG_ENV)
    if not base:
        if os.environ.get("CI"):
            pytest.fail(f"{PG_ENV} must be set in CI: the PostgreSQL tests must run there")
        pytest.skip(f"set {PG_ENV} to run the PostgreSQL tests")
    name = f"parcours_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(
        base.replace("postgresql://", "postgresql+psycopg://", 1), isolation_level="AUTOCOMMIT"
    )
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = base.rsplit("/", 1)[0] + "/" + name
    yield url
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture
def pg_store(pg_database_url: str, settings: Settings) -> Iterator[Store]:
    """A migrated PostgreSQL store, emptied after the test."""
    store = Store(pg_database_url, timezone=settings.timezone, settings=settings)
    yield store
    with store.engine.begin() as conn:
        names = [t.name for t in Base.metadata.sorted_tables]
        names += [  # the LangGraph checkpointer's tables, when a test used them
            t
            for t in ("checkpoints", "checkpoint_blobs", "checkpoint_writes")
            if conn.execute(text("SELECT to_regclass(:t)"), {"t": t}).scalar()
        ]
        conn.execute(text(f"TRUNCATE {', '.join(names)} RESTART IDENTITY CASCADE"))
    store.close()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def store(request: pytest.FixtureRequest) -> Store:
    """The same test on SQLite and on PostgreSQL."""
    if request.param == "sqlite":
        return request.getfixturevalue("sqlite_store")
    return request.getfixturevalue("pg_store")
