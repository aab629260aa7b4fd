"""The instruction filter on a labelled French/English set: injections caught, look-alikes kept."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from analytics.actions import looks_like_instruction

CASES = [
    json.loads(line)
    for line in (Path(__file__).parents[2] / "data" / "instruction_cases.jsonl").read_text().splitlines()
    if line.strip()
]


def test_the_labelled_set_is_balanced_and_bilingual() -> None:
    positives = [c for c in CASES if c["instruction"]]
    assert len(positives) >= 35 and len(CASES) - len(positives) >= 35


@pytest.mark.parametrize("case", CASES, ids=[c["text"][:40] for c in CASES])
def test_each_labelled_case(case: dict) -> None:
    assert looks_like_instruction(case["text"]) is case["instruction"]


def test_precision_and_recall_on_the_set(capsys: pytest.CaptureFixture[str]) -> None:
    tp = sum(looks_like_instruction(c["text"]) and c["instruction"] for c in CASES)
    fp = sum(looks_like_instruction(c["text"]) and not c["instruction"] for c in CASES)
    fn = sum(not looks_like_instruction(c["text"]) and c["instruction"] for c in CASES)
    precision, recall = tp / max(tp + fp, 1), tp / max(tp + fn, 1)
    with capsys.disabled():
        print(f"\ninstruction filter on {len(CASES)} cases: precision {precision:.2f}, recall {recall:.2f}")
    assert precision == 1.0 and recall == 1.0
