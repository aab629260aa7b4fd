"""The SQL store: engine, sessions and automatic migrations (SQLite by default, PostgreSQL by URL)."""

from __future__ import annotations

import fcntl
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, create_engine, event, inspect, text
from sqlalchemy.orm import Session, sessionmaker

from core.settings import Settings, get_settings

_MIGRATIONS = Path(__file__).parent / "migrations"
_migrated: set[str] = set()
_migrate_lock = threading.Lock()
SCHEMA_LOCK_KEY = 7_142_043_518_927_301
"""PostgreSQL advisory-lock key held while the schema is created or upgraded (any process, any host)."""


def _sqlite_pragmas(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA secure_delete=ON")  # deleted content is overwritten (erasure, purge, updates)
    cursor.close()


def make_engine(url: str) -> Engine:
    """An engine for the URL; SQLite gets WAL and foreign keys, PostgreSQL uses psycopg 3."""
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=10)


@contextmanager
def schema_lock(engine: Engine) -> Iterator[None]:
    """Hold the deployment's schema lock, so concurrent first starts never race creating tables.

    PostgreSQL: a session advisory lock (released by the server if the process dies). SQLite: an exclusive
    `flock` on `<database>.lock` beside the file. An in-memory SQLite database needs none.
    """
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            # Poll rather than block in pg_advisory_lock: a session waiting inside a statement would hold a
            # snapshot, and the holder's CREATE INDEX CONCURRENTLY (checkpoint tables) would wait for it.
            while not conn.execute(
                text("SELECT pg_try_advisory_lock(:key)"), {"key": SCHEMA_LOCK_KEY}
            ).scalar():
                time.sleep(0.2)
            try:
                yield
            finally:
                conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": SCHEMA_LOCK_KEY})
        return
    database = engine.url.database
    if engine.dialect.name != "sqlite" or not database or database == ":memory:":
        yield
        return
    lock_path = Path(database).with_name(Path(database).name + ".lock")
    with lock_path.open("a") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def migrate(engine: Engine) -> None:
    """Bring the schema to the latest Alembic revision (once per URL and process, under the schema lock)."""
    from alembic import command
    from alembic.config import Config

    key = str(engine.url)
    with _migrate_lock:
        if key in _migrated:
            return
        config = Config()
        config.set_main_option("script_location", str(_MIGRATIONS))
        config.attributes["engine"] = engine
        with schema_lock(engine):
            command.upgrade(config, "head")
        _migrated.add(key)


def head_revision() -> str | None:
    """The latest Alembic revision this code knows."""
    from alembic.script import ScriptDirectory

    return ScriptDirectory(str(_MIGRATIONS)).get_current_head()


class Store:
    """Access to the SQL store of one deployment."""

    def __init__(self, url: str, *, timezone: str = "Europe/Paris", settings: Settings | None = None) -> None:
        self.url = url
        self.settings = settings or get_settings()
        self.tz = ZoneInfo(timezone)
        self.engine = make_engine(url)
        migrate(self.engine)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    @classmethod
    def from_settings(cls, settings: Settings | None = None) -> Store:
        """The store the settings point to."""
        settings = settings or get_settings()
        return cls(settings.sql_url, timezone=settings.timezone, settings=settings)

    @property
    def dialect(self) -> str:
        """'sqlite' or 'postgresql'."""
        return self.engine.dialect.name

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session committed on success and rolled back on error."""
        session = self._sessions()
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    def table_names(self) -> list[str]:
        """Tables present in the database."""
        return sorted(inspect(self.engine).get_table_names())

    def close(self) -> None:
        """Release the connections."""
        self.engine.dispose()
