"""The weekly report delivered for real.

A scheduled analysis runs in-process; its report is mailed through a local SMTP server (aiosmtpd)
and announced to a local HTTP endpoint that fails first (retry with backoff).
"""

from __future__ import annotations

import email
import email.policy
import json
import socket
import threading
import time
from datetime import UTC, datetime
from email.message import Message
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

from aiosmtpd.controller import Controller

from api.delivery.webhooks import verify_signature
from api.taskqueue import make_jobs
from api.taskqueue.schedule import run_weekly
from core.results import Period
from core.settings import Settings
from store import deliveries
from store.db import Store
from store.ingest import ingest_records
from tests.factories import at, interaction
from tests.unit.api.sample import make_result


class Inbox:
    """An aiosmtpd handler keeping what it receives."""

    def __init__(self) -> None:
        self.messages: list[tuple[list[str], Message]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        self.messages.append(
            (list(envelope.rcpt_tos), email.message_from_bytes(envelope.content, policy=email.policy.default))
        )
        return "250 OK"


class Hook(BaseHTTPRequestHandler):
    """Answers 503 to the first call, then 204; keeps every call."""

    calls: list[dict[str, Any]] = []

    def do_POST(self) -> None:  # noqa: N802
        body = self.rfile.read(int(self.headers["Content-Length"]))
        Hook.calls.append({"headers": dict(self.headers), "body": body})
        self.send_response(503 if len(Hook.calls) == 1 else 204)
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


def runner(*, store: Store, tenant: str, period: Period, analysis_id: str, **_: Any) -> Any:
    return make_result(tenant=tenant, analysis_id=analysis_id, week_start=period.start, prefix=analysis_id)


def test_scheduled_report_is_written_mailed_and_announced(
    sqlite_store: Store, settings: Settings, tmp_path: Any
) -> None:
    inbox = Inbox()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        smtp_port = probe.getsockname()[1]
    smtp = Controller(inbox, hostname="127.0.0.1", port=smtp_port)
    smtp.start()
    Hook.calls = []
    hook = HTTPServer(("127.0.0.1", 0), Hook)
    threading.Thread(target=hook.serve_forever, daemon=True).start()
    configured = settings.model_copy(
        update={
            "report_dir": tmp_path / "reports",
            "smtp_host": "127.0.0.1",
            "smtp_port": smtp_port,
            "smtp_from": "parcours@chu.example",
            "smtp_to": "qualite@chu.example,direction@chu.example",
            "webhook_urls": f"http://127.0.0.1:{hook.server_port}/parcours",
            "webhook_secret": "s3cret",
            "delivery_backoff_seconds": 0.2,
            "language": "en",
        }
    )
    assert (
        ingest_records(
            sqlite_store, [interaction(tenant="chu", started=at(18, 10 + i)) for i in range(3)]
        ).rejected
        == 0
    )
    jobs = make_jobs(sqlite_store, configured, runner=runner)
    try:
        (submitted,) = run_weekly(
            store=sqlite_store,
            settings=configured,
            submit=jobs.submit,
            now=datetime(2026, 11, 23, 8, tzinfo=UTC),
        )
        assert jobs.wait(submitted.analysis_id, timeout=60) == "done"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            rows = deliveries.list_for(store=sqlite_store, analysis_id=submitted.analysis_id)
            if rows and all(r.status != "pending" for r in rows):
                break
            time.sleep(0.2)
    finally:
        jobs.shutdown()
        jobs.deliverer.shutdown()
        smtp.stop()
        hook.shutdown()

    by_channel = {(r.channel, r.event): r for r in rows}
    assert {r.status for r in rows} == {"delivered"}, [(r.channel, r.event, r.last_error) for r in rows]
    assert set(by_channel) == {
        ("folder", "report.weekly"),
        ("email", "report.weekly"),
        ("webhook", "analysis.done"),
        ("webhook", "friction.emerging"),
    }
    assert (tmp_path / "reports" / "chu" / f"report-2026-W47-{submitted.analysis_id}.html").exists()

    ((recipients, message),) = inbox.messages
    assert recipients == ["qualite@chu.example", "direction@chu.example"]
    assert message["Subject"] == "Parcours weekly report 2026-W47 — chu"
    parts = {
        part.get_content_type(): part.get_payload(decode=True).decode()
        for part in message.walk()
        if not part.is_multipart()
    }
    assert "# Weekly improvement report" in parts["text/plain"] and "<!DOCTYPE html>" in parts["text/html"]

    # the first webhook call met a 503 and was retried; every call is signed and carries its delivery id
    assert sum(r.attempts for r in rows if r.channel == "webhook") == 3
    for call in Hook.calls:
        assert verify_signature("s3cret", call["body"], call["headers"]["X-Parcours-Signature"])
        body = json.loads(call["body"])
        assert body["id"] == call["headers"]["X-Parcours-Delivery"] and body["tenant"] == "chu"
    events = [c["headers"]["X-Parcours-Event"] for c in Hook.calls]
    assert sorted(set(events)) == ["analysis.done", "friction.emerging"] and len(events) == 3
