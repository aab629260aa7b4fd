"""Domain models: the interaction record (input contract, DESIGN.md section 3)."""

from __future__ import annotations

import math
import re
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator


class Channel(StrEnum):
    """How the patient reached the centre."""

    phone = "phone"
    chat = "chat"
    email = "email"
    sms = "sms"
    portal = "portal"
    voicebot = "voicebot"
    other = "other"


class Direction(StrEnum):
    """Who started the contact."""

    inbound = "inbound"
    outbound = "outbound"


class Speaker(StrEnum):
    """Who said a turn."""

    patient = "patient"
    agent = "agent"
    bot = "bot"
    system = "system"


SYNC_CHANNELS = frozenset({Channel.phone, Channel.chat, Channel.voicebot})
"""Channels where the patient waits in a queue (response time = speed of answer)."""

# Limits of one record. Each keeps a single record from costing unbounded time or memory (redaction is
# linear, but a batch holds thousands of records); a record over a limit is rejected alone, with the limit
# in its reason.
MAX_TEXT_CHARS = 100_000
"""Characters of one turn, or of `text`."""
MAX_TRANSCRIPT_CHARS = 200_000
"""Characters of the whole transcript of one interaction."""
MAX_TURNS = 2_000
"""Turns of one interaction."""
MAX_ATTRIBUTE_DEPTH = 4
"""Nesting of `attributes` ({"site": "Nord"} is depth 1; a list or object inside it adds one)."""
MAX_ATTRIBUTE_ITEMS = 200
"""Keys and list items of `attributes`, counted at every depth."""
MAX_ATTRIBUTE_KEY_CHARS = 100
MAX_ATTRIBUTE_VALUE_CHARS = 2_000
MAX_SECONDS = 10_000_000.0
"""Upper bound of a duration field (about 115 days): anything longer is a unit or typing error."""
EARLIEST_YEAR = 1900
LATEST_YEAR = 2199

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
"""Control characters (tab, newline and carriage return excepted): removed from texts, refused in keys."""


def _require_offset(value: datetime | None, field: str) -> datetime | None:
    if value is None:
        return value
    if value.tzinfo is None:
        raise ValueError(
            f"{field} must be an ISO 8601 timestamp with a UTC offset, e.g. 2026-11-16T08:04:11+01:00"
        )
    try:
        in_utc = value.astimezone(UTC)
    except (OverflowError, ValueError):
        in_utc = None
    if in_utc is None or not EARLIEST_YEAR <= in_utc.year <= LATEST_YEAR:
        raise ValueError(f"{field} must fall between the years {EARLIEST_YEAR} and {LATEST_YEAR}")
    return value


def clean_text(value: str) -> str:
    """The text without NUL and other control characters (meaningless, and PostgreSQL refuses NUL)."""
    return _CONTROL.sub("", value) if _CONTROL.search(value) else value


def _plain_key(value: str | None, field: str) -> str | None:
    if value is not None and _CONTROL.search(value):
        raise ValueError(f"{field} contains control characters")
    return value


def _check_attributes(value: Any) -> Any:
    """Refuse attributes too deep, too large or holding non-finite numbers (walked without recursion)."""
    if not isinstance(value, dict):
        return value
    items = 0
    stack: list[tuple[Any, int, str]] = [(value, 1, "attributes")]
    while stack:
        node, depth, where = stack.pop()
        if isinstance(node, dict | list) and depth > MAX_ATTRIBUTE_DEPTH:
            raise ValueError(f"attributes are nested deeper than {MAX_ATTRIBUTE_DEPTH} levels (at {where})")
        if isinstance(node, dict):
            items += len(node)
            for key, child in node.items():
                if not isinstance(key, str) or len(key) > MAX_ATTRIBUTE_KEY_CHARS or _CONTROL.search(key):
                    raise ValueError(
                        f"attribute keys must be text of at most {MAX_ATTRIBUTE_KEY_CHARS} characters "
                        f"without control characters (at {where})"
                    )
                stack.append((child, depth + 1, f"{where}.{key}"))
        elif isinstance(node, list):
            items += len(node)
            stack.extend((child, depth + 1, f"{where}[{i}]") for i, child in enumerate(node))
        elif isinstance(node, float) and not math.isfinite(node):
            raise ValueError(f"{where} is not a finite number")
        elif isinstance(node, str) and len(node) > MAX_ATTRIBUTE_VALUE_CHARS:
            raise ValueError(f"{where} is longer than {MAX_ATTRIBUTE_VALUE_CHARS} characters")
        if items > MAX_ATTRIBUTE_ITEMS:
            raise ValueError(f"attributes hold more than {MAX_ATTRIBUTE_ITEMS} keys and items")
    return value


class Turn(BaseModel):
    """One utterance of a transcript."""

    model_config = ConfigDict(extra="forbid")

    speaker: Speaker = Field(description="Who spoke: patient, agent, bot or system.")
    text: str = Field(max_length=MAX_TEXT_CHARS, description="What was said (redacted before storage).")

    @field_validator("text")
    @classmethod
    def _clean(cls, value: str) -> str:
        return clean_text(value)


class FollowUp(BaseModel):
    """A follow-up promised to the patient (callback, letter, result)."""

    model_config = ConfigDict(extra="forbid")

    required: bool = Field(default=False, description="Whether a follow-up was promised.")
    due_at: datetime | None = Field(default=None, description="When it was due (ISO 8601 with offset).")
    done_at: datetime | None = Field(default=None, description="When it was done, if it was.")

    @field_validator("due_at", "done_at")
    @classmethod
    def _offset(cls, value: datetime | None, info: Any) -> datetime | None:
        return _require_offset(value, f"follow_up.{info.field_name}")


class Interaction(BaseModel):
    """One contact between a patient and the centre: a call, chat, e-mail, SMS or portal message."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    id: str = Field(min_length=1, max_length=200, description="The sender's id for the interaction.")
    tenant: str = Field(
        default="default", min_length=1, max_length=100, description="The centre it belongs to."
    )
    channel: Channel = Field(
        default=Channel.phone, description="phone, chat, email, sms, portal, voicebot, other."
    )
    direction: Direction = Field(default=Direction.inbound, description="inbound or outbound.")
    queue: str | None = Field(
        default=None, max_length=200, description="Queue or service (e.g. cardiologie)."
    )
    started_at: datetime = Field(description="Start, ISO 8601 with offset.")
    ended_at: datetime | None = Field(default=None, description="End, ISO 8601 with offset.")
    wait_seconds: float | None = Field(
        default=None, ge=0, le=MAX_SECONDS, allow_inf_nan=False, description="Time queued before an answer."
    )
    first_response_seconds: float | None = Field(
        default=None,
        ge=0,
        le=MAX_SECONDS,
        allow_inf_nan=False,
        description="Time to the first answer on asynchronous channels.",
    )
    handle_seconds: float | None = Field(
        default=None, ge=0, le=MAX_SECONDS, allow_inf_nan=False, description="Talk/handle time."
    )
    abandoned: bool = Field(default=False, description="The patient gave up before being answered.")
    resolved: bool | None = Field(default=None, description="The agent marked the request resolved.")
    follow_up: FollowUp | None = Field(default=None, description="A promised follow-up, if any.")
    csat: int | None = Field(default=None, ge=1, le=5, description="Satisfaction survey answer, 1..5.")
    reason: str | None = Field(
        default=None, max_length=300, description="Contact reason given by the software."
    )
    patient_ref: str | None = Field(
        default=None,
        max_length=200,
        description="Pseudonymous patient key chosen by the sender; stored as a keyed hash.",
    )
    agent_ref: str | None = Field(
        default=None, max_length=200, description="Agent key; stored as a keyed hash."
    )
    language: str | None = Field(default=None, max_length=10, description="Language code, e.g. fr or en.")
    transcript: list[Turn] | None = Field(
        default=None, max_length=MAX_TURNS, description="The dialogue, turn by turn."
    )
    text: str | None = Field(
        default=None,
        max_length=MAX_TEXT_CHARS,
        description="The transcript as one text, when not split in turns.",
    )
    attributes: dict[str, Any] = Field(
        default_factory=dict, description="Free metadata (site, campaign, ...)."
    )

    @field_validator("started_at", "ended_at")
    @classmethod
    def _offset(cls, value: datetime | None, info: Any) -> datetime | None:
        return _require_offset(value, info.field_name)

    @field_validator("id", "tenant", "patient_ref", "agent_ref")
    @classmethod
    def _keys(cls, value: str | None, info: Any) -> str | None:
        return _plain_key(value, info.field_name)

    @field_validator("queue", "reason", "text")
    @classmethod
    def _texts(cls, value: str | None) -> str | None:
        return clean_text(value) if value is not None else None

    @field_validator("attributes", mode="before")
    @classmethod
    def _attributes(cls, value: Any) -> Any:
        return _check_attributes(value)

    @field_validator("language")
    @classmethod
    def _language(cls, value: str | None) -> str | None:
        return value.lower() if value else value

    @model_validator(mode="after")
    def _needs_text(self) -> Interaction:
        has_text = bool(self.text and self.text.strip()) or any(t.text.strip() for t in self.transcript or [])
        if not has_text and not self.abandoned:
            raise ValueError("an interaction needs a transcript or text unless it was abandoned")
        if self.ended_at is not None and self.ended_at < self.started_at:
            raise ValueError("ended_at is before started_at")
        total = len(self.text or "") + sum(len(t.text) for t in self.transcript or [])
        if total > MAX_TRANSCRIPT_CHARS:
            raise ValueError(
                f"the transcript holds {total} characters; at most {MAX_TRANSCRIPT_CHARS} are accepted"
            )
        return self

    def turns(self) -> list[Turn]:
        """The transcript as turns; a plain `text` becomes one patient turn."""
        if self.transcript:
            return list(self.transcript)
        if self.text and self.text.strip():
            return [Turn(speaker=Speaker.patient, text=self.text)]
        return []

    def patient_text(self) -> str:
        """The patient's side of the dialogue, joined."""
        return "\n".join(t.text for t in self.turns() if t.speaker == Speaker.patient)

    def full_text(self) -> str:
        """The whole dialogue, one turn a line, with speakers."""
        return "\n".join(f"{t.speaker.value}: {t.text}" for t in self.turns())
