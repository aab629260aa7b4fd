"""Streaming JSON: element by element, bad elements reported alone, a document never read whole."""

from __future__ import annotations

import io
import json

import pytest

from store import parsers
from store.json_stream import ElementError, JsonStream, array_elements, object_array
from store.parsers import ParseError, read_fhir, read_json_array, read_jsonl
from tests.factories import interaction


class CountingReader(io.StringIO):
    """A text stream that remembers the largest read it served."""

    largest = 0

    def read(self, size: int | None = -1) -> str:  # type: ignore[override]
        data = super().read(size)
        CountingReader.largest = max(CountingReader.largest, len(data))
        return data


def _deep(depth: int) -> str:
    return '{"a":' * depth + "1" + "}" * depth


def test_a_too_deep_element_is_reported_and_the_next_ones_are_read(monkeypatch) -> None:
    monkeypatch.setattr(parsers, "_CHUNK", 64)
    good = [interaction(id=f"g{i}") for i in range(3)]
    text = (
        "["
        + json.dumps(good[0])
        + ","
        + _deep(100_000)
        + ","
        + json.dumps(good[1])
        + ", 7, "
        + json.dumps(good[2])
        + "]"
    )
    items = list(read_json_array(io.StringIO(text)))
    assert [i for i, _ in items] == [0, 1, 2, 3, 4]
    assert items[0][1]["id"] == "g0" and items[2][1]["id"] == "g1" and items[4][1]["id"] == "g2"
    assert isinstance(items[1][1], ParseError) and "nested too deeply" in items[1][1].error
    assert isinstance(items[3][1], ParseError) and "not a JSON object" in items[3][1].error


def test_wrapper_object_is_streamed_and_other_members_skipped() -> None:
    records = [interaction(id=f"w{i}") for i in range(4)]
    text = json.dumps({"interactions": records, "meta": {"x": [1, 2, {"y": "]}"}]}})
    assert [r["id"] for _, r in read_json_array(io.StringIO(text))] == ["w0", "w1", "w2", "w3"]
    stream = JsonStream(io.StringIO(json.dumps({"meta": "]}{", "interactions": records[:2]})), chunk=5)
    assert stream.peek() == "{"
    stream.pos += 1
    assert [v["id"] for _, v in object_array(stream, "interactions")] == ["w0", "w1"]


def test_an_array_is_never_read_whole(monkeypatch) -> None:
    monkeypatch.setattr(parsers, "_CHUNK", 4096)
    records = [interaction(id=f"r{i}") for i in range(2000)]
    CountingReader.largest = 0
    items = list(read_json_array(CountingReader(json.dumps(records))))
    assert len(items) == 2000 and CountingReader.largest <= 4096


def test_one_huge_object_is_refused_not_loaded(monkeypatch) -> None:
    monkeypatch.setattr(parsers, "MAX_OBJECT_CHARS", 10_000)
    text = json.dumps({"id": "x", "text": "a" * 50_000})
    [(index, error)] = list(read_json_array(io.StringIO(text)))
    assert index == 0 and isinstance(error, ParseError) and "is not an interaction" in error.error


def test_truncated_and_malformed_elements() -> None:
    stream = JsonStream(io.StringIO('[{"id": "a"}, {"id": 1,}, "s", {"id": '))
    assert stream.peek() == "["
    stream.pos += 1
    values = [v for _, v in array_elements(stream)]
    assert values[0] == {"id": "a"}
    assert isinstance(values[1], ElementError) and "not valid JSON" in values[1].error
    assert values[2] == "s"
    assert isinstance(values[3], ElementError) and "not closed" in values[3].error


def test_jsonl_and_fhir_lines_nested_too_deeply_are_rejected_alone() -> None:
    good = json.dumps(interaction(id="ok"))
    items = list(read_jsonl(io.StringIO(f"{good}\n{_deep(100_000)}\n{good}\n")))
    assert isinstance(items[1][1], ParseError) and "line 2 is nested too deeply" in items[1][1].error
    assert items[0][1]["id"] == items[2][1]["id"] == "ok"
    resource = {"resourceType": "Communication", "id": "c1", "sent": "2026-11-16T08:00:00+01:00",
                "payload": [{"contentString": "Bonjour"}]}  # fmt: skip
    fhir = list(read_fhir(io.StringIO(f"{json.dumps(resource)}\n{_deep(100_000)}\n{json.dumps(resource)}\n")))
    assert [isinstance(v, ParseError) for _, v in fhir] == [False, True, False]


@pytest.mark.parametrize(
    "bundle", [{"resourceType": "Bundle", "entry": "oops"}, {"resourceType": "Bundle", "entry": [3]}]
)
def test_odd_fhir_bundles_are_reported_not_raised(bundle: dict) -> None:
    items = list(read_fhir(io.StringIO(json.dumps(bundle, indent=1))))
    assert all(isinstance(v, ParseError) for _, v in items)
