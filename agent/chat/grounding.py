"""Checking a model's chat answer against what the tools returned in that turn, before anyone reads it.

Choice (README, "Sessions and the model path"): the answer is kept, but
- an interaction id that no tool returned in the turn (nor the question named) is **removed** from the
  text, replaced by a visible marker, and listed in a note;
- a figure that matches no number the tools returned (nor the question), allowing for rounding, for a
  share written as a percentage and for French or English number formats, is **marked** in the text and
  listed in a note.
Small counts (0-10) and years are prose, not figures, and pass. A figure matches a tool's number when it
is that number rounded to the decimals shown.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from langchain_core.messages import BaseMessage, HumanMessage, ToolMessage

from tools.evidence import artifact_quotes

MARKS = {
    "fr": {"id": "[id retiré]", "number": "[non vérifié]"},
    "en": {"id": "[id removed]", "number": "[unverified]"},
}
NOTES = {
    "fr": {
        "id": "identifiants retirés (aucun outil ne les a renvoyés pour cette question) : {items}",
        "number": "chiffres marqués [non vérifié], car aucun outil ne les a renvoyés : {items}",
    },
    "en": {
        "id": "interaction ids removed because no tool returned them for this question: {items}",
        "number": "figures marked [unverified] because no tool returned them: {items}",
    },
}

ID_LIKE = re.compile(r"(?<![\w-])[A-Za-z][A-Za-z0-9]*(?:[-_][A-Za-z0-9]+)+(?![\w-])")
"""Tokens shaped like record ids: call-000123, int-FAKE-0001, w47-presc-001, fr-3c4d."""
_ID_SEGMENT = re.compile(r"^(?:\d{3,}|(?=[0-9a-f]*\d)[0-9a-f]{4,})$")
"""A segment that makes a token an id: 3+ digits or 4+ hex characters with a digit (COVID-19 is no id)."""
_NOT_FIGURES = re.compile(
    r"\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2})?)?"  # dates and times
    r"|\d{1,2}/\d{1,2}/\d{2,4}"  # 16/11/2026
    r"|\d{4}-W\d{1,2}"  # ISO weeks
    r"|\d{1,2}\s?[h:]\s?\d{2}\b|\d{1,2}\s?h\b"  # 8 h 30, 08:30, 8h
    r"|[A-Za-z_]+\d[\w]*|\d+[A-Za-z_][\w]*",  # p90, W47, top2, 3f9a
)
_FIGURE = re.compile(
    r"(?<![\w.,-])[-−]?(?:\d{1,3}(?:[  \u202f]\d{3})+|\d{1,3}(?:,\d{3})+(?![,.]?\d)|\d+)(?:[.,]\d+)?"
    r"(?:\s?%)?(?![\w])"
)
SCALES = (1.0, 100.0, 0.01, 1 / 60)
"""A figure may show a tool's number as is, a share as a percentage (or back), or seconds as minutes."""
_KNOWN_NUMBER = re.compile(r"[-−]?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?")


@dataclass
class Checked:
    """A checked answer: its text, what was removed or marked, and the notes saying so."""

    text: str
    cited_ids: list[str] = field(default_factory=list)
    """Interaction ids the answer cites that a tool returned in the turn, in order."""
    removed_ids: list[str] = field(default_factory=list)
    unverified_numbers: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def _text(message: BaseMessage) -> str:
    return message.content if isinstance(message.content, str) else str(message.content)


def turn_material(turn: Sequence[BaseMessage]) -> tuple[set[str], list[float], set[str]]:
    """What an answer may rest on: id-like tokens, numbers and transcript ids of the question and tools."""
    tokens: set[str] = set()
    numbers: list[float] = []
    transcript_ids: set[str] = set()
    for message in turn:
        if not isinstance(message, ToolMessage | HumanMessage):
            continue
        text = _text(message)
        tokens.update(ID_LIKE.findall(text))
        if isinstance(message, ToolMessage):  # the interactions a tool showed, from its data
            transcript_ids.update(i for i, _quote in artifact_quotes(message.artifact))
        for raw in _KNOWN_NUMBER.findall(text.replace("\u2212", "-")):
            value = float(raw.replace("−", "-"))
            if math.isfinite(value):
                numbers.append(value)
    return tokens | transcript_ids, numbers, transcript_ids


def _is_id(token: str) -> bool:
    return any(_ID_SEGMENT.match(part.lower()) for part in re.split(r"[-_]", token)[1:])


def _readings(figure: str) -> list[tuple[float, int]]:
    """The values a written figure may mean (French or English format), each with its decimals shown."""
    raw = figure.replace("%", "").replace("−", "-").strip()
    raw = re.sub(r"[  \u202f]", " ", raw).strip()
    out: list[tuple[float, int]] = []
    candidates = {raw.replace(" ", "")}
    if "," in raw:
        candidates = {raw.replace(" ", "").replace(",", "."), raw.replace(" ", "").replace(",", "")}
    for text in candidates:
        try:
            value = float(text)
        except ValueError:
            continue
        decimals = len(text.split(".", 1)[1]) if "." in text else 0
        out.append((value, decimals))
    return out


def _grounded(figure: str, known: Sequence[float]) -> bool:
    readings = _readings(figure)
    percent = "%" in figure
    for value, decimals in readings:
        if not percent and decimals == 0 and (0 <= value <= 10 or 1900 <= value <= 2199):
            return True  # a small count or a year: prose, not a figure
        tolerance = 0.5 * 10 ** (-decimals) + 1e-9
        for number in known:
            for scale in SCALES:
                if abs(abs(value) - abs(number * scale)) <= tolerance:
                    return True
    return False


def check_answer(text: str, *, turn: Sequence[BaseMessage], language: str) -> Checked:
    """The answer with unknown interaction ids removed and unverified figures marked, and notes saying so."""
    lang = "fr" if language == "fr" else "en"
    known_tokens, known_numbers, transcript_ids = turn_material(turn)
    removed: list[str] = []
    cited: list[str] = []

    def replace_id(match: re.Match[str]) -> str:
        token = match.group(0)
        if token in known_tokens:
            if token in transcript_ids:
                cited.append(token)
            return token
        if not _is_id(token):
            return token
        removed.append(token)
        return MARKS[lang]["id"]

    checked = ID_LIKE.sub(replace_id, text)
    for interaction_id in transcript_ids:  # ids of any shape, cited verbatim
        if interaction_id in checked and interaction_id not in cited:
            cited.append(interaction_id)
    cited.sort(key=lambda i: checked.find(i))
    masked = _NOT_FIGURES.sub(lambda m: " " * len(m.group(0)), checked)
    for token in known_tokens | set(MARKS[lang].values()):
        masked = masked.replace(token, " " * len(token))
    unverified: list[tuple[int, int, str]] = []
    for match in _FIGURE.finditer(masked):
        figure = match.group(0).strip()
        if figure and not _grounded(figure, known_numbers):
            unverified.append((match.start(), match.end(), figure))
    for _start, end, _figure in reversed(unverified):
        checked = checked[:end] + " " + MARKS[lang]["number"] + checked[end:]
    notes = []
    if removed:
        notes.append(NOTES[lang]["id"].format(items=", ".join(dict.fromkeys(removed))))
    if unverified:
        notes.append(NOTES[lang]["number"].format(items=", ".join(f for _, _, f in unverified)))
    return Checked(
        text=checked,
        cited_ids=list(dict.fromkeys(cited)),
        removed_ids=list(dict.fromkeys(removed)),
        unverified_numbers=[f for _, _, f in unverified],
        notes=notes,
    )
