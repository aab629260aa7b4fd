"""Small factories for test data: interaction records as the input contract expects them."""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta, timezone
from typing import Any

_counter = itertools.count(1)
PARIS_WINTER = timezone(timedelta(hours=1))


def interaction(**overrides: Any) -> dict[str, Any]:
    """A valid interaction record (JSON-ready dict); keyword arguments override fields."""
    n = next(_counter)
    started = overrides.pop("started", None) or datetime(2026, 11, 16, 9, 0, tzinfo=PARIS_WINTER) + timedelta(
        minutes=n
    )
    record: dict[str, Any] = {
        "id": f"call-{n:06d}",
        "tenant": "default",
        "channel": "phone",
        "direction": "inbound",
        "queue": "cardiologie",
        "started_at": started.isoformat(),
        "ended_at": (started + timedelta(minutes=5)).isoformat(),
        "wait_seconds": 60,
        "handle_seconds": 240,
        "abandoned": False,
        "resolved": True,
        "csat": None,
        "reason": "prise de rendez-vous",
        "patient_ref": f"p-{n:05d}",
        "agent_ref": "a-1",
        "language": "fr",
        "transcript": [
            {"speaker": "patient", "text": "Bonjour, je voudrais prendre un rendez-vous en cardiologie."},
            {"speaker": "agent", "text": "Bien sûr, je regarde les disponibilités."},
        ],
        "attributes": {},
    }
    record.update(overrides)
    return record


def at(day: int, hour: int = 9, minute: int = 0, month: int = 11, year: int = 2026) -> datetime:
    """A Paris-winter-time timestamp, for readable fixtures."""
    return datetime(year, month, day, hour, minute, tzinfo=PARIS_WINTER)
