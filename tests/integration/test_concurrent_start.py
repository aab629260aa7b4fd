"""Processes started at the same time on an empty database all succeed: the schema lock serialises them."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

ROOT = Path(__file__).resolve().parents[2]
FIRST_USE = (
    "from store.db import Store, head_revision; s = Store.from_settings(); print(head_revision()); s.close()"
)


def _start_three(env: dict[str, str], code: str) -> list[subprocess.CompletedProcess[str]]:
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", code],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(3)
    ]
    out = []
    for process in processes:
        stdout, stderr = process.communicate(timeout=300)
        out.append(subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr))
    return out


@pytest.fixture
def empty_database() -> Iterator[str]:
    admin = os.environ.get("PARCOURS_TEST_POSTGRES_URL")
    if not admin:
        if os.environ.get("CI"):
            pytest.fail("PARCOURS_TEST_POSTGRES_URL must be set in CI")
        pytest.skip("set PARCOURS_TEST_POSTGRES_URL to run the PostgreSQL tests")
    name = f"parcours_start_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    yield admin.rsplit("/", 1)[0] + "/" + name
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.mark.postgres
def test_three_processes_first_using_an_empty_postgresql_database(
    empty_database: str, tmp_path: Path
) -> None:
    env = {**os.environ, "PARCOURS_HOME": str(tmp_path), "PARCOURS_DATABASE_URL": empty_database}
    results = _start_three(env, FIRST_USE)
    assert [r.returncode for r in results] == [0, 0, 0], [r.stderr[-1500:] for r in results]
    assert len({r.stdout.strip() for r in results}) == 1
    with psycopg.connect(empty_database) as conn:
        assert conn.execute("SELECT count(*) FROM alembic_version").fetchone()[0] == 1


@pytest.mark.postgres
def test_three_parcours_migrate_at_once_with_the_queue(empty_database: str, tmp_path: Path) -> None:
    env = {
        **os.environ,
        "PARCOURS_HOME": str(tmp_path),
        "PARCOURS_DATABASE_URL": empty_database,
        "PARCOURS_QUEUE_URL": empty_database,
    }
    code = "from cli.main import main; import sys; sys.argv = ['parcours', 'migrate', '--json']; main()"
    results = _start_three(env, code)
    assert [r.returncode for r in results] == [0, 0, 0], [r.stderr[-1500:] for r in results]
    applied = sorted(r.stdout.count("procrastinate schema") for r in results)
    assert applied == [0, 0, 1]  # exactly one of them created the queue's tables
    with psycopg.connect(empty_database) as conn:
        assert conn.execute("SELECT to_regclass('procrastinate_jobs') IS NOT NULL").fetchone()[0]
        assert conn.execute("SELECT to_regclass('checkpoints') IS NOT NULL").fetchone()[0]


def test_three_processes_first_using_an_empty_sqlite_home(tmp_path: Path) -> None:
    env = {**os.environ, "PARCOURS_HOME": str(tmp_path / "home")}
    env.pop("PARCOURS_DATABASE_URL", None)
    results = _start_three(env, FIRST_USE)
    assert [r.returncode for r in results] == [0, 0, 0], [r.stderr[-1500:] for r in results]
