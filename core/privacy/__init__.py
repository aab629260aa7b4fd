"""PII redaction applied to every text before it is stored, embedded or shown to a model.

`redact` replaces personal data by typed placeholders (`<EMAIL>`, `<PHONE>`, `<NIR>`, `<NHS>`, `<IBAN>`,
`<CARD>`, `<DOB>`, `<NAME>`); `find_pii` returns the spans it would replace; `national_id_kind` tells
whether a value (a `patient_ref`) is itself a French NIR or an NHS number.

Detectors run in a fixed priority order and a lower-priority span never overlaps an accepted one: e-mail
addresses, then identifiers whose checksum verifies (IBAN, NIR, NHS, card), then phone formats, then dates
of birth and names. So a valid NIR is never labelled a phone number, and a number that fails its checksum is
at most a phone number, when it also has a phone number's shape (or a word such as "phone" just before it).

Accepted limits: spelled-out numbers ("zéro six douze …") and national phone formats other than French and
British ones without a "+" prefix or a cue word are not found; names are found only after an introducing cue.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterator
from typing import NamedTuple

from core.privacy.checks import IBAN_LENGTHS, card_valid, iban_valid, nhs_valid, nir_valid
from core.privacy.names import find_names
from core.privacy.patterns import (
    DIGIT_RUN,
    DOB,
    DOB_YEAR,
    EMAIL,
    IBAN,
    NHS_CUE,
    PHONE_BRACKETS,
    PHONE_CUE,
    PHONE_INTL,
    PHONE_NATIONAL,
    SEPARATORS,
    SPOKEN_EMAIL,
)

__all__ = [
    "KINDS",
    "PLACEHOLDERS",
    "PiiSpan",
    "contact_kind",
    "find_pii",
    "national_id_kind",
    "redact",
    "redact_turns",
]

KINDS: tuple[str, ...] = ("EMAIL", "IBAN", "NIR", "NHS", "CARD", "PHONE", "DOB", "NAME")
"""Every PII type, in detection priority order."""

PLACEHOLDERS: frozenset[str] = frozenset(f"<{kind}>" for kind in KINDS)
"""The tokens that replace personal data in redacted text."""

_HAS_DIGIT = re.compile(r"\d")
_NOT_DIGIT = re.compile(r"\D+")
_CUE_WINDOW = 30  # characters before a number searched for a cue word ("NHS", "phone" ...)
_NHS_FIRST_DIGITS = frozenset("34679")
_MAX_PASSES = 4


class PiiSpan(NamedTuple):
    """One piece of personal data found in a text: its type and its character offsets (end exclusive)."""

    kind: str
    start: int
    end: int


def _ibans(text: str) -> Iterator[PiiSpan]:
    pos = 0
    while (match := IBAN.search(text, pos)) is not None:
        span = _iban_span(text, match)
        if span is None:
            pos = match.start() + 1
            continue
        yield span
        pos = span.end


_IBAN_EXACT = {
    length: re.compile(rf"[A-Za-z]{{2}}\d{{2}}(?:[ \-]?[A-Za-z0-9]){{{length - 4}}}")
    for length in set(IBAN_LENGTHS.values())
}
"""Per IBAN length: exactly that many characters from a candidate's start, with single spaces or dashes."""


def _iban_span(text: str, match: re.Match[str]) -> PiiSpan | None:
    # The candidate may run into the following words: keep exactly as many characters as the country's IBAN
    # has, ending on a group boundary, and let the checksum decide.
    length = IBAN_LENGTHS.get(match.group()[:2].upper())
    if length is None:
        return None
    exact = _IBAN_EXACT[length].match(text, match.start())
    if exact is None:
        return None
    end = exact.end()
    if end < len(text) and text[end].isalnum():
        return None
    if not iban_valid(SEPARATORS.sub("", exact.group()).upper()):
        return None
    return PiiSpan("IBAN", match.start(), end)


def _cued(pattern: re.Pattern[str], text: str, start: int) -> bool:
    return pattern.search(text, max(0, start - _CUE_WINDOW), start) is not None


def _nhs_in_text(compact: str, text: str, start: int) -> bool:
    # The checksum alone would take one 10-digit number in eleven (reference numbers, US phone numbers) for an
    # NHS number. Without the words "NHS"/"CHI" just before, require a first digit of the issued ranges
    # (England/Wales 4xx and 6xx-7xx, Northern Ireland 3xx, test numbers 9xx); a 10-digit number starting
    # with 0 is then a French phone number.
    if not nhs_valid(compact):
        return False
    return compact[0] in _NHS_FIRST_DIGITS or _cued(NHS_CUE, text, start)


def _national_ids(text: str) -> Iterator[PiiSpan]:
    for match in DIGIT_RUN.finditer(text):
        compact = SEPARATORS.sub("", match.group()).upper()
        if len(compact) == 15 and nir_valid(compact):
            yield PiiSpan("NIR", match.start(), match.end())
        elif not compact.isdigit():
            continue
        elif len(compact) == 10 and _nhs_in_text(compact, text, match.start()):
            yield PiiSpan("NHS", match.start(), match.end())
        elif card_valid(compact):
            yield PiiSpan("CARD", match.start(), match.end())
        elif 9 <= len(compact) <= 12 and _cued(PHONE_CUE, text, match.start()):
            yield PiiSpan("PHONE", match.start(), match.end())


def _digits(value: str) -> int:
    return len(_NOT_DIGIT.sub("", value))


def _phones(text: str) -> Iterator[PiiSpan]:
    for match in PHONE_NATIONAL.finditer(text):
        yield PiiSpan("PHONE", match.start(), match.end())
    for match in PHONE_BRACKETS.finditer(text):
        if 10 <= _digits(match.group()) <= 11:
            yield PiiSpan("PHONE", match.start(), match.end())
    for match in PHONE_INTL.finditer(text):
        raw = match.group()
        digits = _digits(raw.replace("(0)", "")) - (2 if raw.startswith("00") else 0)
        if 8 <= digits <= 15:
            yield PiiSpan("PHONE", match.start(), match.end())


def _candidates(text: str, *, names: bool = True) -> Iterator[PiiSpan]:
    if "@" in text:
        yield from (PiiSpan("EMAIL", m.start(), m.end()) for m in EMAIL.finditer(text))
    lower = text.lower()
    if "arobase" in lower or "arrobase" in lower or " at " in lower:
        yield from (PiiSpan("EMAIL", m.start(), m.end()) for m in SPOKEN_EMAIL.finditer(text))
    if _HAS_DIGIT.search(text):
        yield from _ibans(text)
        yield from _national_ids(text)
        yield from _phones(text)
        yield from (PiiSpan("DOB", m.start("d"), m.end("d")) for m in DOB_YEAR.finditer(text))
    yield from (PiiSpan("DOB", m.start("d"), m.end("d")) for m in DOB.finditer(text))
    if names:
        yield from (PiiSpan("NAME", start, end) for start, end in find_names(text))


def find_pii(text: str) -> list[PiiSpan]:
    """Return the non-overlapping PII spans of `text`, sorted by position."""
    return _find(text, names=True)


def _find(text: str, *, names: bool) -> list[PiiSpan]:
    by_kind: dict[str, list[PiiSpan]] = {kind: [] for kind in KINDS}
    for span in _candidates(text, names=names):
        by_kind[span.kind].append(span)
    # Kinds in priority order; within a kind, by position (longest first). A span is kept when it overlaps
    # no span kept before it. The kept spans never overlap, so sorted by start they are also sorted by end:
    # one binary search finds the only one that could overlap a candidate (linear-logarithmic overall).
    accepted: list[PiiSpan] = []
    ends: list[int] = []
    for kind in KINDS:
        fresh: list[PiiSpan] = []
        last_end = -1
        for span in sorted(by_kind[kind], key=lambda s: (s.start, -s.end)):
            if span.start < last_end:
                continue
            i = bisect_right(ends, span.start)
            if i < len(accepted) and accepted[i].start < span.end:
                continue
            fresh.append(span)
            last_end = span.end
        if fresh:
            accepted = sorted(accepted + fresh, key=lambda s: s.start)
            ends = [s.end for s in accepted]
    return accepted


def _replace(text: str, spans: list[PiiSpan]) -> str:
    parts: list[str] = []
    pos = 0
    for span in spans:
        parts.append(text[pos : span.start])
        parts.append(f"<{span.kind}>")
        pos = span.end
    parts.append(text[pos:])
    return "".join(parts)


def redact(text: str) -> str:
    """Return `text` with every piece of personal data replaced by its typed placeholder (e.g. `<PHONE>`)."""
    # A replacement can set free a number that was glued to the replaced one ("born 19 September 1981
    # 1 85 03 …" is one digit run until the date becomes <DOB>), so redact again until nothing changes:
    # that makes redact idempotent. Text with no personal data takes a single pass. Names are looked for
    # in the first pass only: a placeholder is never a cue nor a name word, so replacing a span cannot
    # reveal a new name, and the later passes stay cheap on texts full of cues.
    for n in range(_MAX_PASSES):
        spans = _find(text, names=n == 0)
        if not spans:
            break
        text = _replace(text, spans)
    return text


def contact_kind(value: str) -> str | None:
    """What a short identifier (an id, a ref, a key) gives away, if anything.

    "NIR" or "NHS" when the value is a national identifier, "EMAIL" or "PHONE" when it holds an e-mail address
    or a phone number, else None. Used to refuse identifiers that would carry contact details into storage.
    """
    lower = value.lower()
    if "@" not in value and "arobase" not in lower and " at " not in lower and _digits(value) < 8:
        return None  # no address, and too few digits for any phone number or national identifier
    kind = national_id_kind(value)
    if kind is not None:
        return kind
    for span in _find(value, names=False):
        if span.kind in ("EMAIL", "PHONE"):
            return span.kind
    return None


def national_id_kind(value: str) -> str | None:
    """Return "NIR" or "NHS" when `value` itself is a valid French NIR or NHS number, else None."""
    compact = SEPARATORS.sub("", value.strip()).upper()
    if len(compact) == 15 and nir_valid(compact):
        return "NIR"
    if nhs_valid(compact):
        return "NHS"
    return None


from core.privacy.dialogue import redact_turns  # noqa: E402  (it calls redact, defined above)
