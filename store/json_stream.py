"""Streaming JSON: the elements of a top-level array (or of an array inside the top-level object), one by one.

A file or a request body is read in chunks; each element's extent is found by a scanner that jumps from one
structural character to the next (strings skipped with one regular expression), then the element alone is
decoded. Memory holds one element, never the document. An element nested too deeply for the decoder, too
large, or malformed is reported with its position and skipped; the elements after it are still read.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Protocol

CHUNK = 1 << 16
MAX_ELEMENT_CHARS = 32 * 1024 * 1024
"""An element longer than this is skipped unread (no interaction is anywhere near it)."""

_STRUCTURE = re.compile(r'["{}\[\]]')
_STRING_BODY = re.compile(r'(?:[^"\\]|\\.)*"', re.DOTALL)
_SCALAR_END = re.compile(r"[\s,\]}]")
_SPACE = " \t\r\n"


@dataclass
class ElementError:
    """An element that could not be read, and why."""

    error: str


class TruncatedJson(ValueError):
    """The document ends inside a value."""


class Readable(Protocol):
    """Anything with a text `read(size)`: an open file, a StringIO."""

    def read(self, size: int = -1, /) -> str:
        """Up to `size` characters ("" at the end)."""
        ...


class JsonStream:
    """A text stream read in chunks, with a cursor into the current buffer."""

    def __init__(self, handle: Readable, *, chunk: int = CHUNK) -> None:
        self.handle = handle
        self.chunk = chunk
        self.buffer = ""
        self.pos = 0
        self.eof = False

    def fill(self) -> bool:
        """Read one more chunk, dropping what was consumed; False at the end of the stream."""
        if self.eof:
            return False
        data = self.handle.read(self.chunk)
        if not data:
            self.eof = True
            return False
        self.buffer = self.buffer[self.pos :] + data
        self.pos = 0
        return True

    def peek(self, skip: str = _SPACE) -> str | None:
        """The next character after those in `skip` (None at the end of the stream)."""
        while True:
            while self.pos < len(self.buffer) and self.buffer[self.pos] in skip:
                self.pos += 1
            if self.pos < len(self.buffer):
                return self.buffer[self.pos]
            if not self.fill():
                return None

    def value_end(self, limit: int = MAX_ELEMENT_CHARS) -> int:
        """The buffer offset just past the value that starts at the cursor (reading more as needed).

        Raises TruncatedJson if the stream ends first, ValueError if the value is longer than `limit` (the
        cursor is then left past it).
        """
        start_char = self.peek()
        if start_char is None:
            raise TruncatedJson("no value")
        start = self.pos
        if start_char not in '{["':
            while (match := _SCALAR_END.search(self.buffer, start)) is None:
                if not self._more(start, limit):
                    return len(self.buffer)
                start = self.pos
            return match.start()
        depth, cursor = 0, start
        while True:
            match = _STRUCTURE.search(self.buffer, cursor)
            if match is None:
                cursor, start = self._refill(cursor, start, limit)
                continue
            char = match.group()
            if char == '"':
                body = _STRING_BODY.match(self.buffer, match.end())
                if body is None:
                    cursor, start = self._refill(match.start(), start, limit)
                    continue
                cursor = body.end()
                if depth == 0:
                    return cursor
                continue
            depth += 1 if char in "{[" else -1
            cursor = match.end()
            if depth == 0:
                return cursor

    def _refill(self, cursor: int, start: int, limit: int) -> tuple[int, int]:
        offset = cursor - start
        if not self._more(start, limit):
            raise TruncatedJson("the document ends inside a value")
        return self.pos + offset, self.pos

    def _more(self, start: int, limit: int) -> bool:
        if len(self.buffer) - start > limit:
            self._skip_oversized(start)
            raise ValueError(f"a value is longer than {limit} characters")
        self.pos = start
        return self.fill()

    def _skip_oversized(self, start: int) -> None:
        # Read past the oversized value without keeping it: count brackets chunk by chunk.
        self.pos = start
        depth, in_string, escaped = 0, False, False
        while True:
            for i in range(self.pos, len(self.buffer)):
                c = self.buffer[i]
                if in_string:
                    if escaped:
                        escaped = False
                    elif c == "\\":
                        escaped = True
                    elif c == '"':
                        in_string = False
                elif c == '"':
                    in_string = True
                elif c in "{[":
                    depth += 1
                elif c in "}]":
                    depth -= 1
                    if depth == 0:
                        self.pos = i + 1
                        return
            self.pos = len(self.buffer)
            if not self.fill():
                return

    def take(self, limit: int = MAX_ELEMENT_CHARS) -> Any:
        """Decode the value at the cursor and move past it (RecursionError if nested too deeply)."""
        end = self.value_end(limit)
        start, self.pos = self.pos, end
        if end - start > limit:
            raise ValueError(f"a value is longer than {limit} characters")
        return json.loads(self.buffer[start:end])


def array_elements(stream: JsonStream, *, what: str = "element") -> Iterator[tuple[int, Any]]:
    """Elements of the array whose "[" the cursor has just passed: `(index, value or ElementError)`."""
    index = 0
    while True:
        char = stream.peek(_SPACE + ",")
        if char is None:
            yield index, ElementError("the JSON array is not closed (file truncated?)")
            return
        if char == "]":
            stream.pos += 1
            return
        try:
            value = stream.take()
        except TruncatedJson:
            yield index, ElementError("the JSON array is not closed (file truncated?)")
            return
        except RecursionError:
            yield index, ElementError(f"{what} {index} is nested too deeply to be read")
        except json.JSONDecodeError as exc:
            yield index, ElementError(f"{what} {index} is not valid JSON: {exc.msg}")
        except ValueError as exc:
            yield index, ElementError(f"{what} {index} is too large: {exc}")
        else:
            yield index, value
        index += 1


_KEY = re.compile(r'"((?:[^"\\]|\\.)*)"\s*:', re.DOTALL)
_MAX_KEY_CHARS = 4096


def object_array(stream: JsonStream, key: str) -> Iterator[tuple[int, Any]]:
    """Elements of the array under `key` in the object whose "{" the cursor has just passed.

    The other members are skipped without being decoded; an object without `key` yields nothing.
    """
    while True:
        char = stream.peek(_SPACE + ",")
        if char in (None, "}"):
            return
        while (match := _KEY.match(stream.buffer, stream.pos)) is None:
            if len(stream.buffer) - stream.pos > _MAX_KEY_CHARS or not stream.fill():
                return  # not an object member: nothing to stream
        stream.pos = match.end()
        if json.loads(f'"{match.group(1)}"') == key and stream.peek() == "[":
            stream.pos += 1
            yield from array_elements(stream)
            return
        try:
            stream.pos = stream.value_end()
        except (TruncatedJson, ValueError):
            return


def first_key(stream: JsonStream) -> str | None:
    """The first member name of the object at the cursor ("{"), without moving past the object's start."""
    while True:
        start = stream.pos + 1
        while start < len(stream.buffer) and stream.buffer[start] in _SPACE:
            start += 1
        match = _KEY.match(stream.buffer, start)
        if match is not None:
            return str(json.loads(f'"{match.group(1)}"'))
        if len(stream.buffer) - stream.pos > _MAX_KEY_CHARS or not stream.fill():
            return None
