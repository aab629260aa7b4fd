"""One record to its stored form: validated, redacted, pseudonymized and hashed (ingestion's prepare step)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from pydantic import ValidationError

from core.models import Interaction
from core.periods import week_label
from core.privacy import contact_kind, national_id_kind, redact, redact_turns
from core.privacy.pseudonyms import pseudonym
from store.db import Store
from store.pseudonyms import store_key

_QUEUE_CHARS = 200
_REASON_CHARS = 300


def _format_validation(exc: ValidationError) -> str:
    parts = []
    for err in exc.errors():
        where = ".".join(str(p) for p in err["loc"]) or "record"
        message = err["msg"].removeprefix("Value error, ")
        parts.append(f"{where}: {message}")
    return "; ".join(parts)


def _utc_naive(value: datetime | None) -> datetime | None:
    return value.astimezone(UTC).replace(tzinfo=None) if value is not None else None


def _redact_value(value: Any) -> Any:
    # Attributes are at most a few levels deep (checked by the model), so recursion is bounded.
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {k: _redact_value(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_redact_value(v) for v in value]
    return value


def _attribute_keys(value: Any) -> Iterator[str]:
    stack = [value]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            yield from node
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)


def _check_identifiers(item: Interaction) -> None:
    """Refuse identifiers that would carry a national id or contact details into storage."""
    if item.patient_ref and (kind := national_id_kind(item.patient_ref)):
        raise ValueError(
            f"patient_ref looks like a national identifier ({kind}); send a pseudonymous key instead"
        )
    if item.patient_ref and (kind := contact_kind(item.patient_ref)):
        raise ValueError(f"patient_ref holds contact details ({kind}); send a pseudonymous key instead")
    if kind := contact_kind(item.id):
        raise ValueError(f"id holds contact details or a national identifier ({kind}); use an opaque id")
    for key in _attribute_keys(item.attributes):
        if kind := contact_kind(key):
            raise ValueError(f"an attribute name holds contact details ({kind}); use plain names")


def prepare(
    record: dict[str, Any], store: Store, key: bytes | None = None
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Validate, redact and pseudonymize one record into its row values and turns; raises ValueError."""
    try:
        item = Interaction.model_validate(record)
    except ValidationError as exc:
        raise ValueError(_format_validation(exc)) from None
    _check_identifiers(item)
    key = key if key is not None else store_key(store)
    raw_turns = item.turns()
    cleaned = redact_turns([(t.speaker.value, t.text) for t in raw_turns])
    turns: list[dict[str, Any]] = [
        {"seq": i, "speaker": t.speaker.value, "text": text}
        for i, (t, text) in enumerate(zip(raw_turns, cleaned, strict=True))
    ]
    local = item.started_at.astimezone(store.tz)
    iso = local.isocalendar()
    follow = item.follow_up
    values: dict[str, Any] = {
        "tenant": item.tenant,
        "ext_id": item.id,
        "channel": item.channel.value,
        "direction": item.direction.value,
        "queue": redact(item.queue)[:_QUEUE_CHARS] if item.queue else None,
        "started_at": _utc_naive(item.started_at),
        "ended_at": _utc_naive(item.ended_at),
        "local_date": local.date(),
        "local_hour": local.hour,
        "local_weekday": iso.weekday,
        "iso_week": week_label(local.date()),
        "wait_seconds": item.wait_seconds,
        "first_response_seconds": item.first_response_seconds,
        "handle_seconds": item.handle_seconds,
        "abandoned": item.abandoned,
        "resolved": item.resolved,
        "follow_up_required": bool(follow and follow.required),
        "follow_up_due_at": _utc_naive(follow.due_at) if follow else None,
        "follow_up_done_at": _utc_naive(follow.done_at) if follow else None,
        "csat": item.csat,
        "reason": redact(item.reason)[:_REASON_CHARS] if item.reason else None,
        "patient_ref": (
            pseudonym(item.patient_ref, key=key, tenant=item.tenant, kind="patient")
            if item.patient_ref
            else None
        ),
        "agent_ref": (
            pseudonym(item.agent_ref, key=key, tenant=item.tenant, kind="agent") if item.agent_ref else None
        ),
        "language": item.language,
        "attributes": _redact_value(item.attributes),
        "patient_text": "\n".join(t["text"] for t in turns if t["speaker"] == "patient"),
        "full_text": "\n".join(f"{t['speaker']}: {t['text']}" for t in turns),
    }
    canonical = json.dumps({**values, "turns": turns}, sort_keys=True, default=str, ensure_ascii=False)
    values["content_hash"] = hashlib.sha256(canonical.encode()).hexdigest()
    return values, turns
