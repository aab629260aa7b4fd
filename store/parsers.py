"""Streaming readers for interaction files: JSONL, JSON arrays, CSV and FHIR, detected automatically.

Each reader yields `(index, record_or_error)`: a dict, or a `ParseError` for a line/element that could not be
read, so one bad line never stops the rest of the file.
"""

from __future__ import annotations

import csv
import io
import itertools
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Literal

from store.fhir import FhirError, bundle_resources, communication_to_record
from store.json_stream import ElementError, JsonStream, TruncatedJson, array_elements, first_key, object_array

Format = Literal["auto", "jsonl", "json", "csv", "fhir"]
FORMATS: tuple[str, ...] = ("auto", "jsonl", "json", "csv", "fhir")
_CHUNK = 1 << 16


@dataclass
class ParseError:
    """A record that could not be parsed."""

    error: str
    record_id: str | None = None


def detect_format(path: Path) -> str:
    """Guess the format from the extension, then from the first characters."""
    suffix = path.suffix.lower()
    if suffix in (".jsonl", ".ndjson"):
        with path.open("r", encoding="utf-8-sig", errors="replace") as handle:
            return "fhir" if '"resourceType"' in handle.readline() else "jsonl"
    if suffix == ".csv":
        return "csv"
    with path.open("r", encoding="utf-8-sig", errors="replace") as handle:
        head = handle.read(4096).lstrip()
    if head.startswith("{") and '"resourceType"' in head.split("\n", 1)[0][:2000]:
        return "fhir"
    if head.startswith("["):
        return "json"
    if head.startswith("{"):
        first_line = head.splitlines()[0].strip()
        try:
            json.loads(first_line)
            return "jsonl"
        except json.JSONDecodeError:
            return "json"
    return "csv"


def read_jsonl(handle: IO[str]) -> Iterator[tuple[int, dict[str, Any] | ParseError]]:
    """One JSON object a line; blank lines are skipped, line numbers start at 1."""
    for number, line in enumerate(handle, start=1):
        line = line.strip()
        if not line:
            continue
        try:
            value = json.loads(line)
        except json.JSONDecodeError as exc:
            yield number, ParseError(f"line {number} is not valid JSON: {exc.msg} (column {exc.colno})")
            continue
        except RecursionError:
            yield number, ParseError(f"line {number} is nested too deeply to be read")
            continue
        if not isinstance(value, dict):
            yield number, ParseError(f"line {number} is not a JSON object")
            continue
        yield number, value


MAX_OBJECT_CHARS = 32 * 1024 * 1024
"""A JSON file holding one object that is not `{"interactions": [...]}` is read whole up to this size."""


def _record(index: int, value: Any) -> dict[str, Any] | ParseError:
    if isinstance(value, ElementError):
        return ParseError(value.error)
    return value if isinstance(value, dict) else ParseError(f"element {index} is not a JSON object")


def read_json_array(handle: IO[str]) -> Iterator[tuple[int, dict[str, Any] | ParseError]]:
    """The elements of a top-level JSON array, of `{"interactions": [...]}`, or one object; index from 0.

    Arrays are decoded element by element (memory holds one element); a single object is read whole, up to
    MAX_OBJECT_CHARS.
    """
    stream = JsonStream(handle, chunk=_CHUNK)
    char = stream.peek()
    if char is None:
        return
    if char == "[":
        stream.pos += 1
        for index, value in array_elements(stream):
            yield index, _record(index, value)
        return
    if char != "{":
        yield 0, ParseError("a JSON file must hold an array of interactions or one interaction")
        return
    if first_key(stream) == "interactions":
        stream.pos += 1
        for index, value in object_array(stream, "interactions"):
            yield index, _record(index, value)
        return
    try:
        value = stream.take(MAX_OBJECT_CHARS)
    except TruncatedJson:
        yield 0, ParseError("the JSON object is not closed (file truncated?)")
        return
    except RecursionError:
        yield 0, ParseError("the JSON object is nested too deeply to be read")
        return
    except json.JSONDecodeError as exc:
        yield 0, ParseError(f"not valid JSON: {exc.msg} (line {exc.lineno})")
        return
    except ValueError:
        yield (
            0,
            ParseError(
                f"one JSON object of more than {MAX_OBJECT_CHARS} characters is not an interaction; "
                'send an array, {"interactions": [...]} or JSONL'
            ),
        )
        return
    yield 0, value if isinstance(value, dict) else ParseError("not a JSON object")


_BOOL = {
    "true": True,
    "1": True,
    "yes": True,
    "oui": True,
    "false": False,
    "0": False,
    "no": False,
    "non": False,
}
_NUMBERS = ("wait_seconds", "first_response_seconds", "handle_seconds")


def _csv_record(row: dict[str, str | None]) -> dict[str, Any]:
    record: dict[str, Any] = {}
    follow_up: dict[str, Any] = {}
    attributes: dict[str, Any] = {}
    for key, raw in row.items():
        if key is None:
            raise ValueError("the row has more values than the header has columns")
        key = key.strip()
        value = raw.strip() if isinstance(raw, str) else raw
        if value in (None, ""):
            continue
        if key.startswith("follow_up_"):
            name = key.removeprefix("follow_up_")
            follow_up[name] = _BOOL.get(value.lower(), value) if name == "required" else value
        elif key.startswith("attributes."):
            attributes[key.removeprefix("attributes.")] = value
        elif key == "attributes":
            attributes.update(json.loads(value))
        elif key == "transcript":
            record[key] = json.loads(value)
        elif key in ("abandoned", "resolved"):
            if value.lower() not in _BOOL:
                raise ValueError(f"{key} must be true or false, not {value!r}")
            record[key] = _BOOL[value.lower()]
        elif key == "csat":
            record[key] = int(float(value)) if value.replace(".", "", 1).isdigit() else value
        elif key in _NUMBERS:
            record[key] = float(value)
        else:
            record[key] = value
    if follow_up:
        record["follow_up"] = follow_up
    if attributes:
        record["attributes"] = attributes
    return record


def read_csv(handle: IO[str]) -> Iterator[tuple[int, dict[str, Any] | ParseError]]:
    """CSV with the record's field names as columns (`text` for the transcript, `follow_up_*` flattened)."""
    reader = csv.DictReader(handle)
    for number, row in enumerate(reader, start=2):  # line 1 is the header
        try:
            yield number, _csv_record(row)
        except (ValueError, json.JSONDecodeError) as exc:
            yield number, ParseError(f"row on line {number}: {exc}", row.get("id"))
        except RecursionError:
            yield number, ParseError(f"row on line {number} is nested too deeply to be read", row.get("id"))


def read_fhir(handle: IO[str]) -> Iterator[tuple[int, dict[str, Any] | ParseError]]:
    """FHIR Communications: NDJSON (bulk export, numbered by line) or a Bundle (numbered by entry).

    NDJSON is streamed line by line; a Bundle (one JSON document) is read whole up to MAX_OBJECT_CHARS.
    """
    first = handle.readline()
    documents: Iterator[tuple[int, str]] | None = None
    try:
        head = json.loads(first)
        if not (isinstance(head, dict) and head.get("resourceType") == "Bundle"):
            documents = enumerate(itertools.chain([first], handle), start=1)
    except (json.JSONDecodeError, RecursionError):
        pass
    if documents is None:
        yield from _fhir_document(first, handle)
        return
    resources: list[tuple[int, Any]] = []
    for number, line in documents:
        if line.strip():
            try:
                resources.append((number, json.loads(line)))
            except (json.JSONDecodeError, RecursionError) as exc:
                yield from _map_fhir(resources)
                resources = []
                reason = exc.msg if isinstance(exc, json.JSONDecodeError) else "nested too deeply"
                yield number, ParseError(f"line {number} is not valid JSON: {reason}")
                continue
        if len(resources) >= 1000:
            yield from _map_fhir(resources)
            resources = []
    yield from _map_fhir(resources)


class _Prepended:
    """A text stream with some already-read text put back in front."""

    def __init__(self, head: str, handle: IO[str]) -> None:
        self.head = head
        self.handle = handle

    def read(self, size: int = -1, /) -> str:
        """The text put back first, then the stream's."""
        if self.head:
            out, self.head = self.head, ""
            return out
        return self.handle.read(size)


def _fhir_document(first: str, handle: IO[str]) -> Iterator[tuple[int, dict[str, Any] | ParseError]]:
    stream = JsonStream(_Prepended(first, handle), chunk=_CHUNK)
    try:
        document = stream.take(MAX_OBJECT_CHARS)
    except json.JSONDecodeError as exc:
        yield 0, ParseError(f"not valid FHIR JSON: {exc.msg} (line {exc.lineno})")
        return
    except TruncatedJson:
        yield 0, ParseError("the FHIR document is not closed (file truncated?)")
        return
    except RecursionError:
        yield 0, ParseError("the FHIR document is nested too deeply to be read")
        return
    except ValueError:
        yield (
            0,
            ParseError(
                f"a FHIR document of more than {MAX_OBJECT_CHARS} characters is refused; send a bulk export "
                "(NDJSON, one resource a line)"
            ),
        )
        return
    if not isinstance(document, dict):
        yield 0, ParseError("a FHIR document must be a JSON object")
        return
    yield from _map_fhir(list(enumerate(bundle_resources(document))))


def _map_fhir(resources: list[tuple[int, Any]]) -> Iterator[tuple[int, dict[str, Any] | ParseError]]:
    for number, resource in resources:
        rid = resource.get("id") if isinstance(resource, dict) else None
        try:
            yield number, communication_to_record(resource if isinstance(resource, dict) else {})
        except FhirError as exc:
            yield number, ParseError(f"FHIR resource {number}: {exc}", rid)
        except (AttributeError, TypeError, KeyError, RecursionError):
            yield number, ParseError(f"FHIR resource {number}: a field has an unexpected shape", rid)


def read_records(handle: IO[str], fmt: str) -> Iterator[tuple[int, dict[str, Any] | ParseError]]:
    """Records of an open text stream in the given (explicit) format."""
    if fmt == "jsonl":
        return read_jsonl(handle)
    if fmt == "json":
        return read_json_array(handle)
    if fmt == "csv":
        return read_csv(handle)
    if fmt == "fhir":
        return read_fhir(handle)
    raise ValueError(f"unknown format {fmt!r}; expected one of {', '.join(FORMATS)}")


def read_text(data: str, fmt: str) -> Iterator[tuple[int, dict[str, Any] | ParseError]]:
    """Records of an in-memory text (for API uploads and tests)."""
    return read_records(io.StringIO(data), fmt)
