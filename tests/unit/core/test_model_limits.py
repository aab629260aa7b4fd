"""Limits of one record: each over-limit or malformed value is refused with a readable reason."""

from __future__ import annotations

import json

import pytest
from pydantic import ValidationError

from core.models import (
    MAX_ATTRIBUTE_DEPTH,
    MAX_ATTRIBUTE_ITEMS,
    MAX_TEXT_CHARS,
    MAX_TRANSCRIPT_CHARS,
    MAX_TURNS,
    Interaction,
)
from tests.factories import interaction


def _nested(depth: int) -> dict:
    value: dict = {"leaf": 1}
    for _ in range(depth - 1):
        value = {"k": value}
    return value


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"started_at": "0001-01-01T00:30:00+01:00"}, "between the years 1900 and 2199"),
        ({"started_at": "9999-12-31T23:30:00-01:00"}, "between the years 1900 and 2199"),
        ({"ended_at": "1850-01-01T00:00:00+00:00"}, "ended_at must fall between"),
        ({"wait_seconds": float("inf")}, "finite number"),
        ({"wait_seconds": float("nan")}, "finite number"),
        ({"handle_seconds": 1e300}, "handle_seconds"),
        ({"attributes": _nested(MAX_ATTRIBUTE_DEPTH + 1)}, "nested deeper than"),
        ({"attributes": json.loads('{"a":' * 500 + "1" + "}" * 500)}, "nested deeper than"),
        ({"attributes": {f"k{i}": i for i in range(MAX_ATTRIBUTE_ITEMS + 1)}}, "keys and items"),
        ({"attributes": {"score": float("nan")}}, "attributes.score is not a finite number"),
        ({"attributes": {"x" * 101: 1}}, "attribute keys"),
        ({"attributes": {"note": "y" * 2001}}, "longer than 2000"),
        ({"transcript": [{"speaker": "patient", "text": "x" * (MAX_TEXT_CHARS + 1)}]}, "at most 100000"),
        ({"transcript": [{"speaker": "patient", "text": "mot"}] * (MAX_TURNS + 1)}, "at most 2000 items"),
        (
            {"transcript": [{"speaker": "patient", "text": "x" * 90_000}] * 3},
            f"at most {MAX_TRANSCRIPT_CHARS} are accepted",
        ),
        ({"id": "call\x00-1"}, "id contains control characters"),
        ({"patient_ref": "p\x07-1"}, "patient_ref contains control characters"),
    ],
)
def test_over_limit_values_are_refused_with_a_reason(change: dict, reason: str) -> None:
    with pytest.raises(ValidationError) as err:
        Interaction.model_validate(interaction(**change))
    assert reason in str(err.value)


def test_control_characters_are_removed_from_texts() -> None:
    item = Interaction.model_validate(
        interaction(
            transcript=[{"speaker": "patient", "text": "Bon\x00jour\x1b !\nMerci\t."}], reason="rdv\x00"
        )
    )
    assert item.turns()[0].text == "Bonjour !\nMerci\t."
    assert item.reason == "rdv"


def test_values_at_the_limits_are_accepted() -> None:
    record = interaction(
        attributes=_nested(MAX_ATTRIBUTE_DEPTH) | {"site": "Nord"},
        transcript=[{"speaker": "patient", "text": "x" * MAX_TEXT_CHARS}],
        started_at="1900-01-01T12:00:00+00:00",
        ended_at="1900-01-01T12:05:00+00:00",
        wait_seconds=0,
    )
    Interaction.model_validate(record)
