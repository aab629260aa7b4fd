"""A real `uvicorn` process: ingest over HTTP, query KPIs, run the real analysis, fetch the report."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from api.auth import create_key
from core.settings import Settings
from store.db import Store

ROOT = Path(__file__).resolve().parents[2]
TENANT = "chu-test"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def server(tmp_path: Path, settings: Settings) -> Iterator[dict[str, Any]]:
    store = Store.from_settings(settings)
    keys = {
        "writer": create_key(store, tenant=TENANT, scopes=["ingest", "manage"], name="crm").secret,
        "other": create_key(store, tenant="other", scopes=["admin"]).secret,
    }
    store.close()
    port = free_port()
    env = {
        **os.environ,
        "PARCOURS_HOME": str(settings.home),
        "HF_HUB_OFFLINE": "1",
        "TRANSFORMERS_OFFLINE": "1",
    }
    log = (tmp_path / "server.log").open("w")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "api.main:create_app",
            "--factory",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{base}/readyz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert process.poll() is None, (tmp_path / "server.log").read_text()
            assert time.monotonic() < deadline, "the server did not become ready"
            time.sleep(0.3)
        yield {"base": base, "keys": keys, "log": tmp_path / "server.log"}
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


@pytest.mark.slow
def test_ingest_kpis_analysis_and_report_over_http(server: dict[str, Any]) -> None:
    from evals.generator import generate

    records, _truth = generate(weeks=4, per_week=40, seed=11, tenant=TENANT, language="mix")
    batch = list(records)
    auth = {"Authorization": f"Bearer {server['keys']['writer']}"}
    with httpx.Client(base_url=server["base"], headers=auth, timeout=120) as client:
        half = len(batch) // 2
        first = client.post("/v1/interactions", json={"interactions": batch[:half]})
        assert first.status_code == 200, first.text
        assert first.json()["accepted"] == half and first.json()["rejected"] == 0
        jsonl = "\n".join(json.dumps(r, ensure_ascii=False) for r in batch[half:]) + "\n"
        second = client.post("/v1/interactions:import", files={"file": ("rest.jsonl", jsonl.encode())})
        assert second.status_code == 200, second.text
        assert second.json()["accepted"] == len(batch) - half
        again = client.post("/v1/interactions", json=batch[:50]).json()
        assert again["unchanged"] == 50 and again["accepted"] == 0

        kpis = client.get("/v1/kpis", params={"metric": "volume", "interval": "week"}).json()
        assert sum(row["value"] for row in kpis["rows"]) == len(batch)

        started = client.post("/v1/analyses", json={})
        assert started.status_code == 202, started.text
        analysis_id = started.json()["analysis_id"]
        deadline = time.monotonic() + 240
        progress: list[float] = []
        while True:
            status = client.get(f"/v1/analyses/{analysis_id}").json()
            progress.append(status["progress"])
            if status["status"] in ("done", "failed"):
                break
            assert time.monotonic() < deadline, status
            time.sleep(0.5)
        assert status["status"] == "done", (status, server["log"].read_text()[-3000:])
        result = status["result"]
        assert result["analysis_id"] == analysis_id and result["tenant"] == TENANT
        assert result["frictions"] and result["actions"]
        assert progress == sorted(progress)

        report = client.get(f"/v1/analyses/{analysis_id}/report", params={"format": "html"})
        assert report.status_code == 200 and "<svg" in report.text
        assert result["frictions"][0]["title"].split()[0] in report.text
        md = client.get(f"/v1/analyses/{analysis_id}/report", params={"format": "md"}).text
        assert md.startswith("# ")

        action_id = result["actions"][0]["action_id"]
        accepted = client.patch(f"/v1/actions/{action_id}", json={"status": "accepted", "by": "Marie"})
        assert accepted.status_code == 200 and accepted.json()["status"] == "accepted"

        metrics = client.get("/metrics").text
        assert f'parcours_ingested_records_total{{outcome="accepted"}} {float(len(batch))}' in metrics

    other = {"Authorization": f"Bearer {server['keys']['other']}"}
    with httpx.Client(base_url=server["base"], headers=other, timeout=30) as client:
        assert client.get(f"/v1/analyses/{analysis_id}").status_code == 404
        assert client.get(f"/v1/actions/{action_id}").status_code == 404
        assert client.get("/v1/kpis", params={"metric": "volume", "interval": "week"}).json()["rows"] == []
