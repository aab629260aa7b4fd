import io
import json

import pytest

from store import parsers
from store.parsers import ParseError, detect_format, read_csv, read_json_array, read_jsonl
from tests.factories import interaction


def test_jsonl_keeps_going_after_a_malformed_line():
    good = json.dumps(interaction(id="a"))
    text = f"{good}\n{{not json\n\n[1, 2]\n{json.dumps(interaction(id='b'))}\n"
    items = list(read_jsonl(io.StringIO(text)))
    assert [i for i, _ in items] == [1, 2, 4, 5]
    assert items[0][1]["id"] == "a" and items[3][1]["id"] == "b"
    assert isinstance(items[1][1], ParseError) and "line 2 is not valid JSON" in items[1][1].error
    assert isinstance(items[2][1], ParseError) and "not a JSON object" in items[2][1].error


def test_json_array_is_decoded_incrementally(monkeypatch):
    monkeypatch.setattr(parsers, "_CHUNK", 7)  # elements straddle many chunk boundaries
    records = [interaction(id=f"r{i}", wait_seconds=12345.5) for i in range(5)]
    items = list(read_json_array(io.StringIO(json.dumps(records, indent=1))))
    assert [r["id"] for _, r in items] == [f"r{i}" for i in range(5)]
    assert all(r["wait_seconds"] == 12345.5 for _, r in items)


def test_json_array_reports_a_broken_element_and_truncation():
    items = list(read_json_array(io.StringIO('[{"id": "a"}, 5, {"id": ')))
    assert items[0] == (0, {"id": "a"})
    assert isinstance(items[1][1], ParseError) and "element 1" in items[1][1].error
    assert isinstance(items[-1][1], ParseError)


def test_single_json_object_is_one_record():
    assert list(read_json_array(io.StringIO('{"id": "x"}'))) == [(0, {"id": "x"})]


def test_csv_flattens_follow_up_and_converts_types():
    text = (
        "id,started_at,channel,text,abandoned,csat,wait_seconds,follow_up_required,follow_up_due_at,attributes.site\n"
        "c1,2026-11-16T08:04:11+01:00,phone,Bonjour,false,4,312,true,2026-11-18T08:00:00+01:00,Nord\n"
        "c2,2026-11-16T08:05:00+01:00,phone,,maybe,,,,,\n"
    )
    items = list(read_csv(io.StringIO(text)))
    first = items[0][1]
    assert first == {
        "id": "c1",
        "started_at": "2026-11-16T08:04:11+01:00",
        "channel": "phone",
        "text": "Bonjour",
        "abandoned": False,
        "csat": 4,
        "wait_seconds": 312.0,
        "follow_up": {"required": True, "due_at": "2026-11-18T08:00:00+01:00"},
        "attributes": {"site": "Nord"},
    }
    assert isinstance(items[1][1], ParseError) and "abandoned must be true or false" in items[1][1].error
    assert items[1][0] == 3


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("a.jsonl", "", "jsonl"),
        ("a.csv", "", "csv"),
        ("a.json", "[{}]", "json"),
        ("a.txt", '{"id": 1}\n{"id": 2}\n', "jsonl"),
        ("a.json", '{\n "id": 1\n}', "json"),
        ("a.dat", "id,started_at\n", "csv"),
    ],
)
def test_detect_format(tmp_path, name, content, expected):
    path = tmp_path / name
    path.write_text(content)
    assert detect_format(path) == expected
