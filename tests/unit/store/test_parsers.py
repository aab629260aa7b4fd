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


def _communication(rid, **extra):
    resource = {
        "resourceType": "Communication",
        "id": rid,
        "status": "completed",
        "sent": "2026-11-16T08:04:11+01:00",
        "received": "2026-11-16T08:09:40+01:00",
        "medium": [
            {
                "coding": [
                    {"system": "http://terminology.hl7.org/CodeSystem/v3-ParticipationMode", "code": "PHONE"}
                ]
            }
        ],
        "subject": {"reference": "Patient/p-8f3a1c"},
        "sender": {"reference": "Patient/p-8f3a1c"},
        "recipient": [{"reference": "Practitioner/a-17"}],
        "category": [{"text": "cardiologie"}],
        "reasonCode": [{"text": "prise de rendez-vous"}],
        "language": "fr",
        "payload": [{"contentString": "Bonjour, je n'arrive pas à joindre le service."}],
        "meta": {"tag": [{"system": "tenant", "code": "chu-exemple"}]},
    }
    resource.update(extra)
    return resource


def test_fhir_bundle_maps_communications_to_interactions(tmp_path):
    bundle = {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [
            {"resource": _communication("com-1")},
            {"resource": {"resourceType": "Patient", "id": "p"}},
            {"resource": _communication("com-2", sent=None, received=None)},
        ],
    }
    path = tmp_path / "export.json"
    path.write_text(json.dumps(bundle))
    assert detect_format(path) == "fhir"
    with path.open() as handle:
        items = list(parsers.read_records(handle, "fhir"))
    record = items[0][1]
    assert record == {
        "id": "com-1",
        "started_at": "2026-11-16T08:04:11+01:00",
        "ended_at": "2026-11-16T08:09:40+01:00",
        "channel": "phone",
        "direction": "inbound",
        "transcript": [{"speaker": "patient", "text": "Bonjour, je n'arrive pas à joindre le service."}],
        "attributes": {"fhir_status": "completed"},
        "patient_ref": "p-8f3a1c",
        "agent_ref": "a-17",
        "queue": "cardiologie",
        "reason": "prise de rendez-vous",
        "language": "fr",
        "tenant": "chu-exemple",
    }
    assert isinstance(items[1][1], ParseError) and "Patient" in items[1][1].error
    assert isinstance(items[2][1], ParseError) and items[2][1].record_id == "com-2"


def test_fhir_ndjson_bulk_export(tmp_path):
    path = tmp_path / "Communication.ndjson"
    email = _communication(
        "com-3", medium=[{"coding": [{"code": "EMAILWRIT"}]}], sender={"reference": "Practitioner/a-2"}
    )
    path.write_text(json.dumps(_communication("com-1")) + "\n" + json.dumps(email) + "\n{oops\n")
    assert detect_format(path) == "fhir"
    with path.open() as handle:
        items = list(parsers.read_records(handle, "fhir"))
    assert items[1][1]["channel"] == "email" and items[1][1]["direction"] == "outbound"
    assert items[1][1]["transcript"][0]["speaker"] == "agent" and items[1][1]["agent_ref"] == "a-2"
    assert items[2][0] == 3 and isinstance(items[2][1], ParseError)
