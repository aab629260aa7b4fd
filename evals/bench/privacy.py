"""Redaction speed: adversarial texts of 1 MB (each under 1 s) and throughput on generated transcripts.

Every adversarial text is built to make a careless pattern backtrack or an overlap check go quadratic:
spoken e-mail fragments ("x at y" then "dot a" repeated), thousands of e-mail addresses, runs of "@", digits,
separators, IBAN prefixes, name cues ("Madame", "je m'appelle", "this is", sign-offs), birth-date cues with
long fillers, capitalised words before "speaking" / "à l'appareil". Each is timed through `redact` (one
text) and through `redact_turns` after an identity question (the dialogue rule also reads it). The normal
throughput is measured on the generator's transcripts (seeded), turn by turn as ingestion redacts them.
Times are the process's CPU time (redaction is single-threaded), so other load on the machine does not count.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import date
from typing import Any

from core.privacy import redact, redact_turns

TARGET_S = 1.0
SIZE = 1_000_000
QUICK_SIZE = 100_000
_ASK = ("agent", "Pouvez-vous me donner votre nom et votre date de naissance ?")

ADVERSARIAL: dict[str, str] = {
    "spoken e-mail, 'dot a' repeated": "x at y " + "dot a ",
    "spoken e-mail, 'point a' repeated": "x arobase y " + "point a ",
    "'a at ' repeated": "a at ",
    "'a dot ' then one 'at'": "a dot ",
    "e-mail addresses": "a@b.fr ",
    "'@' run": "@",
    "'a@' repeated": "a@",
    "domain dots 'b.'": "a@" + "b.",
    "local dots 'a.'": "a.",
    "digit run": "1",
    "spaced digits": "1 ",
    "spaced zeros": "0 ",
    "dashed digits": "1-",
    "dotted digits": "1.",
    "phone numbers": "06 12 34 56 78 ",
    "'+1 ' repeated": "+1 ",
    "'(0' repeated": "(0",
    "IBAN prefix 'FR76 '": "FR76 ",
    "IBAN-like words": "ZZ12ABCDEFGHIJKLMNOPQRSTUVWXYZ ",
    "'Madame ' repeated": "Madame ",
    "'je m'appelle ' repeated": "je m'appelle ",
    "'this is ' repeated": "this is ",
    "'Regards, ' repeated": "Regards, ",
    "capitalised words then 'speaking'": "Abc ",
    "capitalised words then 'à l'appareil'": "Abc ",
    "'born ' then 'is ' repeated": "born " + "is ",
    "'born on ' repeated": "born on ",
    "'date of birth' then ' :' repeated": "date of birth" + " :",
    "'né le ' repeated": "né le ",
    "'phone ' repeated": "phone ",
    "'A'' repeated": "A'",
    "'a-' repeated": "a-",
    "one long word": "a",
    "identity answer clauses 'Abc Def, '": "Abc Def, ",
    "names before 'here'": "Abc here, ",
    "names before ', que puis-je'": "Abc, que puis-je ",
    "'M. ' repeated": "M. ",
    "'his name is ' repeated": "his name is ",
    "NIR-shaped runs": "1 85 03 75 116 042 84 ",
    "card-shaped runs": "4970 0869 4040 9274 ",
    "'0033 6 ' repeated": "0033 6 ",
    "'NHS ' and ten digits": "NHS 943 476 5919 ",
    "placeholders": "<NAME> <PHONE> ",
    "short lines of capitalised words": "Abc Def\n",
    "IBAN-shaped 'FR76 1234 ' repeated": "FR76 1234 ",
    "'M. Abc ' repeated": "M. Abc ",
}
"""Name → the unit repeated (after a fixed prefix, if the name says so) to fill the text."""

_SUFFIX = {
    "capitalised words then 'speaking'": "speaking",
    "capitalised words then 'à l'appareil'": "à l'appareil",
}
_PREFIX = {
    "spoken e-mail, 'dot a' repeated": ("x at y ", "dot a "),
    "spoken e-mail, 'point a' repeated": ("x arobase y ", "point a "),
    "domain dots 'b.'": ("a@", "b."),
    "'born ' then 'is ' repeated": ("born ", "is "),
    "'date of birth' then ' :' repeated": ("date of birth", " :"),
}
_TAIL = {"'a dot ' then one 'at'": " at b dot com"}


def adversarial_text(name: str, size: int) -> str:
    """The named adversarial text, about `size` characters long."""
    prefix, unit = _PREFIX.get(name, ("", ADVERSARIAL[name]))
    tail = _SUFFIX.get(name, "") + _TAIL.get(name, "")
    count = max(1, (size - len(prefix) - len(tail)) // len(unit))
    return prefix + unit * count + tail


def _timed(func: Any, *args: Any) -> float:
    # CPU time of this process: the machine may be shared, and redaction is single-threaded CPU work.
    started = time.process_time()
    func(*args)
    return time.process_time() - started


def _transcripts(per_week: int) -> list[list[tuple[str, str]]]:
    from evals.generator import generate

    records, _ = generate(weeks=2, per_week=per_week, seed=11, end=date(2026, 11, 23))
    out = []
    for record in records:
        turns = [(t["speaker"], t["text"]) for t in record.get("transcript") or []]
        if record.get("text"):
            turns.append(("patient", record["text"]))
        out.append(turns)
    return out


def run(*, quick: bool = False) -> Iterator[dict[str, Any]]:
    """Time each adversarial text through `redact` and `redact_turns`, then the normal throughput."""
    size = QUICK_SIZE if quick else SIZE
    worst = 0.0
    for name in ADVERSARIAL:
        text = adversarial_text(name, size)
        alone = _timed(redact, text)
        in_dialogue = _timed(redact_turns, [_ASK, ("patient", text)])
        slowest = max(alone, in_dialogue)
        worst = max(worst, slowest)
        yield {
            "measure": f"redact {len(text) / 1e6:.1f} MB: {name}",
            "value": round(slowest, 3),
            "unit": "s",
            "target": f"< {TARGET_S:g}" if not quick else "",
            "note": f"redact {alone:.3f} s, redact_turns {in_dialogue:.3f} s",
        }
    yield {
        "measure": f"redact {size / 1e6:.1f} MB: worst adversarial text",
        "value": round(worst, 3),
        "unit": "s",
        "target": f"< {TARGET_S:g}" if not quick else "",
        "note": "ok" if worst < TARGET_S else "TOO SLOW",
    }
    dialogues = _transcripts(300 if quick else 2500)
    chars = sum(len(text) for turns in dialogues for _, text in turns)
    started = time.process_time()
    for turns in dialogues:
        redact_turns(turns)
    elapsed = time.process_time() - started
    yield {
        "measure": f"redact_turns on {len(dialogues)} generated transcripts",
        "value": round(chars / elapsed / 1e6, 3),
        "unit": "MB/s",
        "target": "",
        "note": f"{chars / 1e6:.1f} M characters in {elapsed:.2f} s",
    }
