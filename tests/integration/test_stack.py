"""The scaled-out topology on 127.0.0.1 (`scripts/stack.sh`): PostgreSQL, a Chroma server, two API processes,
two queue workers. Ingest through API 1, the analysis queued and run by a worker, read through API 2; the
worker running it is killed (SIGKILL) in the middle and the other one finishes it; nothing is lost, and the
`analysis.done` webhook arrives once, signed."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import threading
import time
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest

from api.delivery.webhooks import verify_signature

ROOT = Path(__file__).resolve().parents[2]
SECRET = "stack-test-secret"
pytestmark = [pytest.mark.postgres, pytest.mark.slow, pytest.mark.timeout(1200)]


def free_port_block(size: int = 3) -> int:
    """A first port such that `size` consecutive ports are free."""
    for _ in range(50):
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            base = int(sock.getsockname()[1])
        if base + size > 65000:
            continue
        try:
            for offset in range(1, size):
                with socket.socket() as probe:
                    probe.bind(("127.0.0.1", base + offset))
            return base
        except OSError:
            continue
    raise RuntimeError("no free port block")


class Receiver(BaseHTTPRequestHandler):
    """Records webhook calls."""

    calls: list[dict[str, Any]] = []

    def do_POST(self) -> None:  # noqa: N802
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.calls.append({"headers": dict(self.headers), "body": body})
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def stack(tmp_path: Path) -> Iterator[dict[str, Any]]:
    admin = os.environ["PARCOURS_TEST_POSTGRES_URL"]
    database = f"parcours_stack_{uuid.uuid4().hex[:8]}"
    receiver = HTTPServer(("127.0.0.1", 0), Receiver)
    Receiver.calls = []
    threading.Thread(target=receiver.serve_forever, daemon=True).start()
    env = {
        **os.environ,
        "STACK_DIR": str(tmp_path / "stack"),
        "STACK_PG_URL": admin,
        "STACK_DB": database,
        "STACK_PORT": str(free_port_block()),
        "READY_TIMEOUT": "400",
        "PARCOURS_WEEKLY_AT": "off",
        "PARCOURS_LEASE_SECONDS": "6",
        "PARCOURS_WEBHOOK_URLS": f"http://127.0.0.1:{receiver.server_port}/hook",
        "PARCOURS_WEBHOOK_SECRET": SECRET,
    }
    script = str(ROOT / "scripts" / "stack.sh")
    started = subprocess.run([script, "start"], env=env, capture_output=True, text=True, timeout=900)
    try:
        assert started.returncode == 0, started.stderr[-4000:]
        values = {}
        for line in (tmp_path / "stack" / "env").read_text().splitlines():
            if line.startswith("export ") and "=" in line and " " not in line[7:].split("=", 1)[0]:
                name, value = line[7:].split("=", 1)
                values[name] = value.strip('"')
        yield {"env": {**env, **values}, "dir": tmp_path / "stack", "db": values["PARCOURS_DATABASE_URL"]}
    finally:
        subprocess.run([script, "stop"], env=env, capture_output=True, timeout=120)
        receiver.shutdown()
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


def _parcours(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [str(ROOT / ".venv" / "bin" / "parcours"), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


def _pid_of(worker_id: str) -> int:
    return int(worker_id.split(":")[1])


def test_stack_runs_and_survives_a_killed_worker(stack: dict[str, Any], tmp_path: Path) -> None:
    env = stack["env"]
    api1, api2 = env["STACK_API_1"], env["STACK_API_2"]
    data = tmp_path / "data.jsonl"
    _parcours(
        env,
        "generate",
        "--weeks",
        "5",
        "--per-week",
        "80",
        "--seed",
        "3",
        "--tenant",
        "chu",
        "--out",
        str(data),
    )
    key = json.loads(_parcours(env, "keys", "create", "--tenant", "chu", "--scope", "admin", "--json"))["key"]
    headers = {"Authorization": f"Bearer {key}"}
    sent = data.read_bytes()
    records = [json.loads(line) for line in sent.splitlines() if line.strip()]

    imported = httpx.post(
        f"{api1}/v1/interactions:import",
        content=sent,
        headers={**headers, "Content-Type": "application/x-ndjson"},
        timeout=600,
    ).json()
    assert (
        imported["accepted"] == len(records) and imported["rejected"] == 0 and imported["index_errors"] == []
    )

    period = {
        "start": min(r["started_at"][:10] for r in records),
        "end": max(r["started_at"][:10] for r in records),
    }
    started = httpx.post(f"{api1}/v1/analyses", json=period, headers=headers)
    assert started.status_code == 202, started.text
    analysis_id = started.json()["analysis_id"]
    again = httpx.post(f"{api2}/v1/analyses", json=period, headers=headers)
    assert again.status_code == 200 and again.json()["analysis_id"] == analysis_id  # one run per period

    killed: int | None = None
    deadline = time.monotonic() + 600
    status: dict[str, Any] = {}
    while time.monotonic() < deadline:
        status = httpx.get(f"{api2}/v1/analyses/{analysis_id}", headers=headers, timeout=30).json()
        if status["status"] in ("done", "failed"):
            break
        if (
            killed is None
            and status["status"] == "running"
            and status["step"] not in ("queued", "starting", "load")
        ):
            with psycopg.connect(stack["db"]) as conn:
                owner = conn.execute(
                    "SELECT worker_id FROM analyses WHERE id = %s", (analysis_id,)
                ).fetchone()[0]
            killed = _pid_of(owner)
            os.kill(killed, signal.SIGKILL)  # the worker dies mid-analysis: no cleanup, no goodbye
        time.sleep(0.3)
    assert killed is not None, f"the analysis ended before it could be interrupted: {status}"
    assert status["status"] == "done", status
    assert status["attempts"] >= 2
    with psycopg.connect(stack["db"]) as conn:
        owner = conn.execute("SELECT worker_id FROM analyses WHERE id = %s", (analysis_id,)).fetchone()[0]
        stored = conn.execute("SELECT count(*) FROM interactions WHERE tenant = 'chu'").fetchone()[0]
    assert _pid_of(owner) != killed  # the other worker finished it
    assert stored == len({r["id"] for r in records})  # nothing lost

    result = httpx.get(f"{api2}/v1/analyses/{analysis_id}", headers=headers).json()["result"]
    partition = {i for t in result["themes"] for i in t["interaction_ids"]} | set(result["unassigned_ids"])
    assert partition == {r["id"] for r in records}
    report = httpx.get(f"{api2}/v1/analyses/{analysis_id}/report?format=html", headers=headers)
    assert report.status_code == 200 and "<svg" in report.text

    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and not any(
        c["headers"].get("X-Parcours-Event") == "analysis.done" for c in Receiver.calls
    ):
        time.sleep(0.5)
    done_calls = [c for c in Receiver.calls if c["headers"].get("X-Parcours-Event") == "analysis.done"]
    assert len(done_calls) == 1
    call = done_calls[0]
    assert verify_signature(SECRET, call["body"], call["headers"]["X-Parcours-Signature"])
    assert json.loads(call["body"])["data"]["analysis_id"] == analysis_id
