"""`parcours eval --suite chat`: does the offline assistant understand managers' questions?

Each labelled question (`evals/datasets/chat/questions.jsonl`) goes through the router the assistant uses
without a language model (`agent.chat.router.route`) with the vocabulary of the generated data (its queues,
data up to a Sunday). Scored: the intent (target ≥ 95 %), all the slots the question states (metric,
segment, period, top N, status, owner, claimed change, searched topic), and the answer language.
"""

from __future__ import annotations

import json
from collections import Counter
from datetime import date
from pathlib import Path
from typing import Any

from agent.chat.entities import fold
from agent.chat.router import Vocabulary, route

QUESTIONS = Path(__file__).parent / "datasets" / "chat" / "questions.jsonl"
HELDOUT = QUESTIONS.with_name("heldout.jsonl")
"""40 more questions written after the router was built (87.5 % of intents right when first measured)."""
QUEUES = ["rendez-vous", "radiologie", "facturation", "pharmacie", "resultats", "maternite", "informations"]
"""The queues of the generated contact centre (evals.generator.themes.QUEUES)."""
LATEST = date(2026, 11, 29)
TARGET = 0.95
CONTAINED = ("owner", "topic")
"""Slots compared by words: the expected words must all appear in what the router read."""


def load_questions(path: Path = QUESTIONS) -> list[dict[str, Any]]:
    """The labelled questions, one JSON object a line."""
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def slots_match(expected: dict[str, Any], found: dict[str, Any]) -> list[str]:
    """The slot names on which the router is wrong (missing, different, or stated where none was asked)."""
    wrong = []
    for name in sorted(set(expected) | set(found)):
        want, got = expected.get(name), found.get(name)
        if name in CONTAINED:
            words = want if isinstance(want, list) else (want or "").split()
            text = fold(str(got or ""))
            if want is None and got:
                continue  # a topic read from a question that needed none is harmless
            if not all(fold(str(w))[:6] in text for w in words):
                wrong.append(name)
        elif want != got:
            wrong.append(name)
    return wrong


def run_chat_suite(path: Path = QUESTIONS, heldout: Path | None = HELDOUT) -> dict[str, Any]:
    """Route every labelled question and score intents, slots and languages; misses are listed."""
    report = score_questions(path)
    if heldout is not None and heldout.exists():
        report["heldout"] = score_questions(heldout)
    if not report["passed"]:
        report["error"] = f"intent accuracy {report['intent_accuracy']:.1%} is below {TARGET:.0%}"
    return report


def score_questions(path: Path) -> dict[str, Any]:
    """Route the questions of one file and score them."""
    vocab = Vocabulary(queues=QUEUES, latest=LATEST)
    rows = load_questions(path)
    per_intent: Counter[str] = Counter()
    right_intent: Counter[str] = Counter()
    misses = []
    slots_ok = language_ok = 0
    for row in rows:
        found = route(row["question"], vocab)
        per_intent[row["intent"]] += 1
        intent_ok = found.intent == row["intent"]
        right_intent[row["intent"]] += intent_ok
        wrong = slots_match(row.get("slots", {}), found.slots) if intent_ok else ["intent"]
        slots_ok += not wrong
        language_ok += found.language == row["language"]
        if not intent_ok or wrong or found.language != row["language"]:
            misses.append(
                {
                    "id": row["id"],
                    "question": row["question"],
                    "expected": {
                        "intent": row["intent"],
                        **row.get("slots", {}),
                        "language": row["language"],
                    },
                    "found": {"intent": found.intent, **found.slots, "language": found.language},
                    "wrong": wrong if intent_ok else ["intent"],
                }
            )
    n = len(rows)
    accuracy = sum(right_intent.values()) / n if n else 0.0
    return {
        "suite": "chat",
        "questions": n,
        "languages": dict(Counter(r["language"] for r in rows)),
        "intent_accuracy": round(accuracy, 4),
        "slot_accuracy": round(slots_ok / n, 4) if n else 0.0,
        "language_accuracy": round(language_ok / n, 4) if n else 0.0,
        "target": TARGET,
        "passed": accuracy >= TARGET,
        "per_intent": {k: f"{right_intent[k]}/{per_intent[k]}" for k in sorted(per_intent)},
        "misses": misses,
    }


def chat_rows(suite: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    """(suite, metric, value, note) rows of the chat suite for the eval table."""
    rows = [
        (
            "chat",
            "intent accuracy",
            f"{suite['intent_accuracy']:.1%}",
            f"{suite['questions']} questions {suite['languages']}; target {suite['target']:.0%}",
        ),
        (
            "chat",
            "slots all right",
            f"{suite['slot_accuracy']:.1%}",
            "metric, segment, period, top, status, …",
        ),
        ("chat", "answer language", f"{suite['language_accuracy']:.1%}", ""),
    ]
    held = suite.get("heldout")
    if held:
        rows.append(
            (
                "chat",
                "held-out intent / slots",
                f"{held['intent_accuracy']:.1%} / {held['slot_accuracy']:.1%}",
                f"{held['questions']} questions written after the router",
            )
        )
    for miss in [*suite["misses"], *(held or {}).get("misses", [])][:15]:
        rows.append(("chat", f"miss {miss['id']}", ", ".join(miss["wrong"]) or "language", miss["question"]))
    return rows
