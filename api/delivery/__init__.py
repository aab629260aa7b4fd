"""Delivering an analysis's outcome: the weekly report to a folder and by e-mail, events by webhook.

`plan` registers what an outcome calls for in the `deliveries` table (once per analysis, channel, event and
target); `attempt` makes one try and records it; retries with exponential backoff come from the task queue
(`parcours worker`) or, in-process, from `ThreadDeliverer`.

- A scheduled weekly analysis (trigger `schedule`) that is done: the report (HTML, Markdown, JSON) is
  written to `PARCOURS_REPORT_DIR/<tenant>/` and mailed to `PARCOURS_SMTP_TO`.
- Every finished analysis: `analysis.done` or `analysis.failed` to each of `PARCOURS_WEBHOOK_URLS`, plus
  `friction.emerging` when it found emerging frictions. Webhooks carry ids, titles and figures, never quotes.
"""

from __future__ import annotations

import logging
import re
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from api.delivery import mail, webhooks
from api.queries import iso, result_of
from core import periods
from core.results import AnalysisResult
from core.settings import Settings
from store import analysis_queue, deliveries
from store.db import Store
from store.schema import AnalysisRow, DeliveryRow

log = logging.getLogger("parcours.delivery")


class DeliveryError(RuntimeError):
    """One attempt failed; `final` when no attempt is left, else retry after `retry_in` seconds."""

    def __init__(self, message: str, *, final: bool, retry_in: float) -> None:
        super().__init__(message)
        self.final = final
        self.retry_in = retry_in


def webhook_urls(settings: Settings) -> list[str]:
    """The configured webhook endpoints."""
    return [u.strip() for u in (settings.webhook_urls or "").split(",") if u.strip()]


def tenant_folder(settings: Settings, tenant: str) -> Path:
    """The tenant's folder of delivered reports (its name made safe for a file system)."""
    return settings.reports_folder / (re.sub(r"[^A-Za-z0-9._-]", "_", tenant).strip(".") or "_")


def week_label(result_or_row: AnalysisResult | AnalysisRow) -> str:
    """The ISO week of the period's first day, e.g. 2026-W47."""
    start = (
        result_or_row.period.start
        if isinstance(result_or_row, AnalysisResult)
        else result_or_row.period_start
    )
    return periods.week_label(start)


def _analysis_data(row: AnalysisRow, result: AnalysisResult | None) -> dict[str, Any]:
    data: dict[str, Any] = {
        "analysis_id": row.id,
        "status": row.status,
        "trigger": row.trigger,
        "period": {"start": row.period_start.isoformat(), "end": row.period_end.isoformat()},
        "week": week_label(row),
        "finished_at": iso(row.finished_at),
        "links": {
            "analysis": f"/v1/analyses/{row.id}",
            "report": f"/v1/analyses/{row.id}/report?format=html",
        },
    }
    if result is None:
        data["error"] = row.error
        return data
    data["mode"] = result.mode
    data["counts"] = {"frictions": len(result.frictions), "actions": len(result.actions)}
    data["top_frictions"] = [
        {
            "friction_id": f.friction_id,
            "rank": f.rank,
            "title": f.title,
            "score": f.score,
            "emerging": f.emerging,
        }
        for f in result.frictions[:5]
    ]
    data["top_actions"] = [
        {"action_id": a.action_id, "rank": a.rank, "title": a.title, "score": a.score}
        for a in result.actions[:5]
    ]
    return data


def _emerging(result: AnalysisResult) -> list[dict[str, Any]]:
    return [
        {
            "friction_id": f.friction_id,
            "title": f.title,
            "theme_id": f.theme_id,
            "segment": f.segment,
            "score": f.score,
            "volume": f.volume,
            "share": f.share,
        }
        for f in result.frictions
        if f.emerging
    ]


def plan(*, store: Store, settings: Settings, analysis_id: str) -> list[DeliveryRow]:
    """Register (once) every delivery the analysis's outcome calls for; returns those not yet delivered."""
    row = analysis_queue.get(store=store, analysis_id=analysis_id)
    if row is None or row.status not in ("done", "failed"):
        return []
    result = result_of(row) if row.status == "done" else None
    planned: list[DeliveryRow] = []

    def add(channel: str, event: str, target: str, payload: dict[str, Any] | None = None) -> None:
        planned.append(
            deliveries.register(
                store=store,
                tenant=row.tenant,
                analysis_id=row.id,
                channel=channel,
                event=event,
                target=target,
                payload=payload,
            )
        )

    if result is not None and row.trigger == "schedule":
        add("folder", "report.weekly", str(tenant_folder(settings, row.tenant)))
        if mail.enabled(settings):
            add("email", "report.weekly", ", ".join(mail.recipients(settings)))
    base = {"tenant": row.tenant, "created_at": iso(analysis_queue.now())}
    for url in webhook_urls(settings):
        event = "analysis.done" if result is not None else "analysis.failed"
        add("webhook", event, url, {**base, "event": event, "data": _analysis_data(row, result)})
        emerging = _emerging(result) if result is not None else []
        if emerging:
            data = {"analysis_id": row.id, "week": week_label(row), "frictions": emerging}
            add("webhook", "friction.emerging", url, {**base, "event": "friction.emerging", "data": data})
    return [d for d in planned if d.status == "pending"]


def _send(store: Store, settings: Settings, delivery: DeliveryRow) -> int | None:
    if delivery.channel == "webhook":
        if not settings.webhook_secret:
            raise webhooks.WebhookError(
                "PARCOURS_WEBHOOK_SECRET is not set: webhooks are never sent unsigned"
            )
        return webhooks.post(
            url=delivery.target,
            secret=settings.webhook_secret,
            delivery_id=delivery.id,
            event=delivery.event,
            payload=delivery.payload,
            timeout=settings.webhook_timeout,
        )
    row = analysis_queue.get(store=store, analysis_id=delivery.analysis_id)
    result = result_of(row) if row is not None else None
    if result is None:
        raise RuntimeError(f"analysis {delivery.analysis_id} has no result to deliver")
    from api.report import build_history, render_report, write_report

    if delivery.channel == "folder":
        path = write_report(result, delivery.target, store=store, language=settings.language)
        log.info("weekly report of %s written to %s", result.tenant, path)
        return None
    if delivery.channel == "email":
        history = build_history(store, result)
        language = settings.language
        message = mail.build_message(
            settings=settings,
            to=[a.strip() for a in delivery.target.split(",") if a.strip()],
            tenant=result.tenant,
            week=week_label(result),
            language=language,
            html=render_report(result, history=history, language=language, fmt="html"),
            text=render_report(result, history=history, language=language, fmt="md"),
        )
        mail.send(settings=settings, message=message)
        return None
    raise ValueError(f"unknown delivery channel {delivery.channel!r}")


def backoff(settings: Settings, attempt: int) -> float:
    """Seconds before attempt `attempt + 1`: the base delay doubled at each attempt."""
    return settings.delivery_backoff_seconds * 2 ** max(0, attempt - 1)


def attempt(*, store: Store, settings: Settings, delivery_id: str) -> None:
    """Try one delivery once and record the attempt; raises DeliveryError when it failed."""
    delivery = deliveries.get(store=store, delivery_id=delivery_id)
    if delivery is None or delivery.status != "pending":
        return
    try:
        status = _send(store, settings, delivery)
    except Exception as exc:
        number = delivery.attempts + 1
        unsigned = isinstance(exc, webhooks.WebhookError) and "unsigned" in str(exc)
        final = unsigned or number >= max(1, settings.delivery_max_attempts)
        message = f"{type(exc).__name__}: {exc}"
        deliveries.record_attempt(
            store=store,
            delivery_id=delivery_id,
            ok=False,
            error=message,
            response_status=getattr(exc, "status", None),
            final=final,
        )
        log.warning(
            "delivery %s (%s to %s) attempt %d failed: %s",
            delivery_id,
            delivery.event,
            delivery.target,
            number,
            message,
        )
        raise DeliveryError(message, final=final, retry_in=backoff(settings, number)) from exc
    deliveries.record_attempt(store=store, delivery_id=delivery_id, ok=True, response_status=status)


class ThreadDeliverer:
    """In-process deliveries: a small thread pool, each delivery retried with backoff until it lands."""

    def __init__(self, store: Store, settings: Settings, *, threads: int = 2) -> None:
        self.store = store
        self.settings = settings
        self._pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="parcours-delivery")
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._in_flight: set[str] = set()

    def __call__(self, analysis_id: str, status: str) -> None:
        """Plan the outcome's deliveries and start them."""
        for delivery in plan(store=self.store, settings=self.settings, analysis_id=analysis_id):
            self._start(delivery.id)

    def _start(self, delivery_id: str) -> None:
        with self._lock:
            if delivery_id in self._in_flight or self._stop.is_set():
                return
            self._in_flight.add(delivery_id)
        self._pool.submit(self._deliver, delivery_id)

    def resume_pending(self, older_than_seconds: float = 60.0) -> int:
        """Start again the pending deliveries no thread of this process works on (left by a stopped one)."""
        rows = deliveries.stranded(store=self.store, older_than_seconds=older_than_seconds)
        for row in rows:
            self._start(row.id)
        return len(rows)

    def _deliver(self, delivery_id: str) -> None:
        try:
            self._attempts(delivery_id)
        finally:
            with self._lock:
                self._in_flight.discard(delivery_id)

    def _attempts(self, delivery_id: str) -> None:
        while not self._stop.is_set():
            try:
                attempt(store=self.store, settings=self.settings, delivery_id=delivery_id)
                return
            except DeliveryError as exc:
                if exc.final or self._stop.wait(exc.retry_in):
                    return
            except Exception:
                log.exception("delivery %s failed", delivery_id)
                return

    def shutdown(self) -> None:
        """Stop retrying (pending deliveries keep their rows) and wait for calls in flight."""
        self._stop.set()
        self._pool.shutdown(wait=True, cancel_futures=True)
