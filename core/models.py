"""Domain models: the interaction record (input contract, DESIGN.md section 3)."""

from __future__ import annotations

from datetime import datetime
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


def _require_offset(value: datetime | None, field: str) -> datetime | None:
    if value is not None and value.tzinfo is None:
        raise ValueError(
            f"{field} must be an ISO 8601 timestamp with a UTC offset, e.g. 2026-11-16T08:04:11+01:00"
        )
    return value


class Turn(BaseModel):
    """One utterance of a transcript."""

    model_config = ConfigDict(extra="forbid")

    speaker: Speaker = Field(description="Who spoke: patient, agent, bot or system.")
    text: str = Field(description="What was said (redacted before storage).")


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
    wait_seconds: float | None = Field(default=None, ge=0, description="Time queued before an answer.")
    first_response_seconds: float | None = Field(
        default=None, ge=0, description="Time to the first answer on asynchronous channels."
    )
    handle_seconds: float | None = Field(default=None, ge=0, description="Talk/handle time.")
    abandoned: bool = Field(default=False, description="The patient gave up before being answered.")
    resolved: bool | None = Field(default=None, description="The agent marked the request resolved.")
    follow_up: FollowUp | None = Field(default=None, description="A promised follow-up, if any.")
    csat: int | None = Field(default=None, ge=1, le=5, description="Satisfaction survey answer, 1..5.")
    reason: str | None = Field(
        default=None, max_length=300, description="Contact reason given by the software."
    )
    patient_ref: str | None = Field(default=None, max_length=200, description="Pseudonymous patient key.")
    agent_ref: str | None = Field(default=None, max_length=200, description="Agent key.")
    language: str | None = Field(default=None, max_length=10, description="Language code, e.g. fr or en.")
    transcript: list[Turn] | None = Field(default=None, description="The dialogue, turn by turn.")
    text: str | None = Field(default=None, description="The transcript as one text, when not split in turns.")
    attributes: dict[str, Any] = Field(
        default_factory=dict, description="Free metadata (site, campaign, ...)."
    )

    @field_validator("started_at", "ended_at")
    @classmethod
    def _offset(cls, value: datetime | None, info: Any) -> datetime | None:
        return _require_offset(value, info.field_name)

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
