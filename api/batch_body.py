"""The body of `POST /v1/interactions`: size-limited before parsing, then decoded one record at a time."""

from __future__ import annotations

import io
from typing import Any

from fastapi import Request

from api.errors import ApiError, bad_request


async def read_body(request: Request, limit: int) -> str:
    """The request body as text, refused with 413 past `limit` bytes (before anything is parsed)."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise ApiError(
            413, "too_large", f"the request body exceeds {limit} bytes; use /v1/interactions:import"
        )
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise ApiError(
                413, "too_large", f"the request body exceeds {limit} bytes; use /v1/interactions:import"
            )
    try:
        return body.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise bad_request(f"the request body is not UTF-8 text (byte {exc.start})") from exc


def batch_records(body: str, *, max_records: int) -> list[Any]:
    """The records of a batch body (a bare array or {"interactions": [...]}), one element at a time.

    An element that cannot be read (nested too deeply, malformed inside balanced brackets) becomes a
    ParseError for that record alone; a body that is not a JSON array or object is a 422.
    """
    from store.json_stream import ElementError, JsonStream, array_elements, object_array
    from store.parsers import ParseError

    stream = JsonStream(io.StringIO(body))
    first = stream.peek()
    if first == "[":
        stream.pos += 1
        elements = array_elements(stream, what="record")
    elif first == "{":
        stream.pos += 1
        elements = object_array(stream, "interactions")
    else:
        raise ApiError(422, "invalid_input", "the request body is not valid JSON")
    records: list[Any] = []
    found = first == "["
    for _, value in elements:
        found = True
        if isinstance(value, ElementError):
            if "not closed" in value.error:
                raise ApiError(422, "invalid_input", "the request body is not valid JSON")
            records.append(ParseError(value.error))
        else:
            records.append(value)
        if len(records) > max_records:
            raise ApiError(
                413, "too_large", f"a batch holds at most {max_records} records; send the rest apart"
            )
    if not found:
        raise ApiError(
            422, "invalid_input", 'invalid input: the body must be {"interactions": [...]} or a JSON array'
        )
    return records
