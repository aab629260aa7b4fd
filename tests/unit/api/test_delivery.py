"""Deliveries: signed webhooks, planned once per analysis, each attempt recorded, the report in a folder."""

from __future__ import annotations

import json
import time
from datetime import date
from typing import Any

import pytest

from api import delivery
from api.delivery import webhooks
from core.settings import Settings
from store import analysis_queue, deliveries
from store.analyses import save as save_result
from store.db import Store
from tests.unit.api.sample import make_result


def test_signature_verifies_and_rejects_tampering_and_replays() -> None:
    body = webhooks.body_of("dl-1", {"event": "analysis.done", "data": {"analysis_id": "an-1"}})
    header = webhooks.sign("s3cret", body, 1_800_000_000)
    assert webhooks.verify_signature("s3cret", body, header, now=1_800_000_010)
    assert not webhooks.verify_signature("other", body, header, now=1_800_000_010)
    assert not webhooks.verify_signature("s3cret", body.replace(b"an-1", b"an-2"), header, now=1_800_000_010)
    assert not webhooks.verify_signature("s3cret", body, header, now=1_800_000_000 + 3600)  # replayed later
    assert not webhooks.verify_signature("s3cret", body, "garbage")


def _finished(store: Store, *, trigger: str, emerging: bool = True) -> str:
    period_start = date(2026, 11, 16)
    submitted = analysis_queue.create_pending(
        store=store,
        tenant="chu/nord",
        period=make_result(tenant="t", analysis_id="x", week_start=period_start, prefix="x").period,
        trigger=trigger,
        worker_id="w",
    )
    result = make_result(
        tenant="chu/nord",
        analysis_id=submitted.analysis_id,
        week_start=period_start,
        prefix=submitted.analysis_id,
    )
    if not emerging:
        result = result.model_copy(
            update={"frictions": [f.model_copy(update={"emerging": False}) for f in result.frictions]}
        )
    save_result(store, result)
    analysis_queue.release(store=store, analysis_id=submitted.analysis_id)
    return submitted.analysis_id


def _configured(settings: Settings, tmp_path: Any, **values: Any) -> Settings:
    return settings.model_copy(
        update={
            "report_dir": tmp_path / "reports",
            "webhook_urls": "http://hooks.invalid/a, http://hooks.invalid/b",
            "webhook_secret": "s3cret",
            "smtp_host": "relay.invalid",
            "smtp_to": "qualite@chu.example, direction@chu.example",
            **values,
        }
    )


def test_a_scheduled_analysis_plans_folder_mail_and_webhooks_once(
    sqlite_store: Store, settings: Settings, tmp_path: Any
) -> None:
    configured = _configured(settings, tmp_path)
    analysis_id = _finished(sqlite_store, trigger="schedule")
    planned = delivery.plan(store=sqlite_store, settings=configured, analysis_id=analysis_id)
    kinds = sorted((d.channel, d.event, d.target) for d in planned)
    folder = str(tmp_path / "reports" / "chu_nord")
    assert kinds == [
        ("email", "report.weekly", "qualite@chu.example, direction@chu.example"),
        ("folder", "report.weekly", folder),
        ("webhook", "analysis.done", "http://hooks.invalid/a"),
        ("webhook", "analysis.done", "http://hooks.invalid/b"),
        ("webhook", "friction.emerging", "http://hooks.invalid/a"),
        ("webhook", "friction.emerging", "http://hooks.invalid/b"),
    ]
    again = delivery.plan(store=sqlite_store, settings=configured, analysis_id=analysis_id)
    assert sorted(d.id for d in again) == sorted(d.id for d in planned)  # registered once
    emerging = next(d for d in planned if d.event == "friction.emerging")
    assert emerging.payload["data"]["frictions"] and all(
        f["friction_id"] for f in emerging.payload["data"]["frictions"]
    )
    assert "quote" not in json.dumps(emerging.payload) and "evidence" not in json.dumps(emerging.payload)


def test_a_manual_analysis_is_only_announced(sqlite_store: Store, settings: Settings, tmp_path: Any) -> None:
    analysis_id = _finished(sqlite_store, trigger="api", emerging=False)
    planned = delivery.plan(
        store=sqlite_store, settings=_configured(settings, tmp_path), analysis_id=analysis_id
    )
    assert sorted((d.channel, d.event) for d in planned) == [("webhook", "analysis.done")] * 2


def test_folder_delivery_writes_the_report(sqlite_store: Store, settings: Settings, tmp_path: Any) -> None:
    configured = _configured(settings, tmp_path, webhook_urls=None, smtp_host=None)
    analysis_id = _finished(sqlite_store, trigger="schedule")
    (folder,) = delivery.plan(store=sqlite_store, settings=configured, analysis_id=analysis_id)
    delivery.attempt(store=sqlite_store, settings=configured, delivery_id=folder.id)
    written = sorted(p.name for p in (tmp_path / "reports" / "chu_nord").iterdir())
    assert written == [f"report-2026-W47-{analysis_id}.{ext}" for ext in ("html", "json", "md")]
    row = deliveries.get(store=sqlite_store, delivery_id=folder.id)
    assert row.status == "delivered" and row.attempts == 1 and row.delivered_at is not None


def test_failed_attempts_are_recorded_until_the_last(
    sqlite_store: Store, settings: Settings, tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    configured = _configured(
        settings, tmp_path, smtp_host=None, delivery_max_attempts=3, delivery_backoff_seconds=2.0
    )
    analysis_id = _finished(sqlite_store, trigger="api", emerging=False)
    hook = next(d for d in delivery.plan(store=sqlite_store, settings=configured, analysis_id=analysis_id))

    def refuse(**kwargs: Any) -> int:
        raise webhooks.WebhookError("HTTP 503: busy", 503)

    monkeypatch.setattr(webhooks, "post", refuse)
    delays = []
    for _ in range(3):
        with pytest.raises(delivery.DeliveryError) as failed:
            delivery.attempt(store=sqlite_store, settings=configured, delivery_id=hook.id)
        delays.append((failed.value.retry_in, failed.value.final))
    assert delays == [(2.0, False), (4.0, False), (8.0, True)]  # exponential backoff, then given up
    row = deliveries.get(store=sqlite_store, delivery_id=hook.id)
    assert (
        row.status == "failed"
        and row.attempts == 3
        and row.response_status == 503
        and "busy" in row.last_error
    )
    delivery.attempt(
        store=sqlite_store, settings=configured, delivery_id=hook.id
    )  # a failed one is not retried


def test_webhooks_are_never_sent_unsigned(sqlite_store: Store, settings: Settings, tmp_path: Any) -> None:
    configured = _configured(settings, tmp_path, smtp_host=None, webhook_secret=None)
    analysis_id = _finished(sqlite_store, trigger="api", emerging=False)
    hook = delivery.plan(store=sqlite_store, settings=configured, analysis_id=analysis_id)[0]
    with pytest.raises(delivery.DeliveryError) as failed:
        delivery.attempt(store=sqlite_store, settings=configured, delivery_id=hook.id)
    assert failed.value.final and "never sent unsigned" in str(failed.value)


def test_deliveries_left_by_a_stopped_process_are_resumed(
    sqlite_store: Store, settings: Settings, tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    configured = _configured(settings, tmp_path, smtp_host=None)
    analysis_id = _finished(sqlite_store, trigger="api", emerging=False)
    planned = delivery.plan(store=sqlite_store, settings=configured, analysis_id=analysis_id)  # then it died
    sent: list[str] = []
    monkeypatch.setattr(webhooks, "post", lambda **kw: sent.append(kw["delivery_id"]) or 204)
    deliverer = delivery.ThreadDeliverer(sqlite_store, configured)
    try:
        assert deliverer.resume_pending(older_than_seconds=3600) == 0  # recent ones may still be retried
        assert deliverer.resume_pending(older_than_seconds=0) == 2
        deadline = time.monotonic() + 20
        while len(sent) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        deliverer.shutdown()
    assert sorted(sent) == sorted(d.id for d in planned)
    assert {r.status for r in deliveries.list_for(store=sqlite_store, analysis_id=analysis_id)} == {
        "delivered"
    }
