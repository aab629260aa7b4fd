"""Webhooks: JSON events signed with HMAC-SHA-256, so contact-centre software can trust and order them.

Every call carries:

- `X-Parcours-Event`: `analysis.done`, `analysis.failed` or `friction.emerging`;
- `X-Parcours-Delivery`: the delivery id (the same on every retry: receivers de-duplicate on it);
- `X-Parcours-Signature: t=<unix seconds>,v1=<hex>` where `hex = HMAC_SHA256(secret, "<t>." + body)`.

A receiver recomputes the HMAC over the raw body with the shared secret (`PARCOURS_WEBHOOK_SECRET`) and
rejects a signature older than a few minutes (`verify_signature`), which defeats replays.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from typing import Any

import httpx

SIGNATURE_HEADER = "X-Parcours-Signature"
EVENT_HEADER = "X-Parcours-Event"
DELIVERY_HEADER = "X-Parcours-Delivery"


class WebhookError(RuntimeError):
    """The endpoint did not accept the event."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


def body_of(delivery_id: str, payload: dict[str, Any]) -> bytes:
    """The exact bytes sent (and signed) for a delivery."""
    return json.dumps({"id": delivery_id, **payload}, ensure_ascii=False, sort_keys=True).encode("utf-8")


def sign(secret: str, body: bytes, timestamp: int) -> str:
    """The signature header value of a body sent at `timestamp`."""
    mac = hmac.new(secret.encode("utf-8"), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={mac}"


def verify_signature(
    secret: str, body: bytes, header: str, *, tolerance: float = 300.0, now: float | None = None
) -> bool:
    """Whether a received signature header matches the body and is recent (what a receiver should do)."""
    try:
        parts = dict(item.split("=", 1) for item in header.split(","))
        timestamp = int(parts["t"])
        received = parts["v1"]
    except (KeyError, ValueError):
        return False
    if abs((now if now is not None else time.time()) - timestamp) > tolerance:
        return False
    expected = sign(secret, body, timestamp).split("v1=", 1)[1]
    return hmac.compare_digest(expected, received)


def post(
    *,
    url: str,
    secret: str,
    delivery_id: str,
    event: str,
    payload: dict[str, Any],
    timeout: float,
    client: httpx.Client | None = None,
) -> int:
    """Send one event; returns the HTTP status (2xx), raises WebhookError otherwise."""
    body = body_of(delivery_id, payload)
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "Parcours-Webhooks/1",
        EVENT_HEADER: event,
        DELIVERY_HEADER: delivery_id,
        SIGNATURE_HEADER: sign(secret, body, int(time.time())),
    }
    try:
        if client is not None:
            response = client.post(url, content=body, headers=headers, timeout=timeout)
        else:
            with httpx.Client(timeout=timeout) as own:
                response = own.post(url, content=body, headers=headers)
    except httpx.HTTPError as exc:
        raise WebhookError(f"{type(exc).__name__}: {exc}") from exc
    if not 200 <= response.status_code < 300:
        raise WebhookError(f"HTTP {response.status_code}: {response.text[:200]}", response.status_code)
    return response.status_code
