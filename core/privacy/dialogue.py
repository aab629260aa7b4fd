"""Redaction that uses the dialogue: the answer to "your name and date of birth?" is personal data.

A patient asked for their identity answers with a bare name and a bare date ("Rachel Clarke. 24/06/1951.",
"oui, inès françois, née le 20/12/1954"): no introducing cue precedes them, so `redact` alone cannot know.
When an agent or bot turn asks for a name or a birth date, the beginning of the next turn of the other side
is also searched for dates (any date there is taken for a birth date) and for short clauses made only of
name-like words.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

ASKS_IDENTITY = re.compile(
    r"\b(?:nom|noms|name|surname|date\s+de\s+naissance|date\s+of\s+birth|d\.?o\.?b|birthday|born"
    r"|n[ée]e?\s+quand|identit[ée])\b",
    re.IGNORECASE,
)
_MONTHS = (
    r"janvier|f[ée]vrier|mars|avril|mai|juin|juillet|ao[uû]t|septembre|octobre|novembre|d[ée]cembre"
    r"|january|february|march|april|may|june|july|august|september|october|november|december"
    r"|jan|feb|mar|apr|jun|jul|aug|sept?|oct|nov|dec"
)
DATES = re.compile(
    rf"\b\d{{1,2}}\s*[/.\-]\s*\d{{1,2}}\s*[/.\-]\s*(?:\d{{4}}|\d{{2}})\b"
    rf"|\b\d{{1,2}}(?:er|st|nd|rd|th)?\s+(?:of\s+)?(?:{_MONTHS})\.?,?\s+\d{{2,4}}\b"
    rf"|\b(?:{_MONTHS})\.?\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}}\b"
    rf"|\b(?:19|20)\d{{2}}\s*[/.\-]\s*\d{{1,2}}\s*[/.\-]\s*\d{{1,2}}\b",
    re.IGNORECASE,
)
_CLAUSES = re.compile(r"[^,.;:!?\n]+")
_LEAD = re.compile(
    r"^\s*(?:(?:oui|yes|yeah|yep|alors|euh|heu|bon|bien\s+s[uû]r|sure|so|ok|okay|well|voil[àa]|donc"
    r"|c['’]est|it['’]s|it\s+is|i['’]m|i\s+am|je\s+suis|moi\s+c['’]est|this\s+is|ici|madame|monsieur"
    r"|mme|mr|mrs|ms|m)\b\s*)+",
    re.IGNORECASE,
)
_WORD = re.compile(r"^[^\W\d_][\w'’-]*$")
_NOT_NAMES = frozenset(
    """
    le la les de du des un une et ou à au aux en né née nés born date naissance birth birthday of the a an and
    is my mon ma mes votre your it its is are was je j il elle on nous vous merci thanks thank please plaît
    s'il svp right ok okay oui non yes no bonjour hello hi bonsoir parfait perfect d'accord accord très bien
    good fine sure exactly exactement voilà that's c'est ça sorry pardon désolé désolée attendez wait moment
    instant hmm euh hum alors donc so well je suis am i number numéro dossier file appointment rendez-vous
    exam examen hospital hôpital service doctor docteur madame monsieur mrs mr ms dr
    """.split()
)


def _looks_like_name(clause: str) -> tuple[int, int] | None:
    lead = _LEAD.match(clause)
    start = lead.end() if lead else len(clause) - len(clause.lstrip())
    rest = clause[start:].rstrip()
    words = rest.split()
    if not 1 <= len(words) <= 4 or "<" in rest:
        return None
    if any(not _WORD.match(w) or w.lower() in _NOT_NAMES for w in words):
        return None
    if len(words) == 1 and not words[0][0].isupper():
        return None
    return start, start + len(rest)


ANSWER_WINDOW = 400
"""An identity answer is read in the first characters of the turn (cut at a clause end): the name and the
date come first, and a long turn after the question costs no more than a short one."""
_CLAUSE_STOP = re.compile(r"[,.;:!?](?=\s)|\n")


def redact_identity_answer(text: str) -> str:
    """Replace the dates and bare names of an answer to an identity question (text already redacted)."""
    if len(text) <= ANSWER_WINDOW:
        return _redact_answer(text)
    cut = ANSWER_WINDOW
    stops = [m.end() for m in _CLAUSE_STOP.finditer(text, 0, ANSWER_WINDOW)]
    if stops:
        cut = stops[-1]
    return _redact_answer(text[:cut]) + text[cut:]


def _redact_answer(text: str) -> str:
    text = DATES.sub("<DOB>", text)
    parts: list[str] = []
    pos = 0
    for clause in _CLAUSES.finditer(text):
        found = _looks_like_name(clause.group())
        if found is None:
            continue
        start, end = clause.start() + found[0], clause.start() + found[1]
        parts.append(text[pos:start])
        parts.append("<NAME>")
        pos = end
    parts.append(text[pos:])
    return "".join(parts)


def redact_turns(turns: Sequence[tuple[str, str]]) -> list[str]:
    """Redact each `(speaker, text)` turn, and identity answers with the dialogue as context."""
    from core.privacy import redact

    out: list[str] = []
    asked = False
    for speaker, text in turns:
        clean = redact(text)
        staff = speaker in ("agent", "bot", "system")
        if asked and not staff:
            clean = redact_identity_answer(clean)
            asked = False
        if staff:
            asked = bool(ASKS_IDENTITY.search(text))
        out.append(clean)
    return out
