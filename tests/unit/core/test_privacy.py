"""PII redaction: per-type recall/precision on the labelled set, survivals, national ids, idempotence."""

from __future__ import annotations

import json
import random
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from core.privacy import KINDS, PLACEHOLDERS, PiiSpan, find_pii, national_id_kind, redact
from core.privacy.checks import iban_valid, luhn_valid, nhs_valid, nir_valid

CASES_PATH = Path(__file__).parents[2] / "data" / "pii_cases.jsonl"
STRUCTURED = ("EMAIL", "PHONE", "NIR", "NHS", "IBAN", "CARD")
SOFT = ("NAME", "DOB")


def _load() -> list[dict[str, Any]]:
    with CASES_PATH.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


CASES = _load()
POSITIVES = [c for c in CASES if c["spans"]]
NEGATIVES = [c for c in CASES if not c["spans"]]


def _gold(case: dict[str, Any]) -> list[PiiSpan]:
    text, spans = case["text"], []
    cursor: dict[str, int] = {}
    for g in case["spans"]:
        start = text.find(g["value"], cursor.get(g["value"], 0))
        assert start >= 0, (g, text)
        cursor[g["value"]] = start + len(g["value"])
        spans.append(PiiSpan(g["kind"], start, start + len(g["value"])))
    return spans


def _matches(pred: PiiSpan, gold: PiiSpan) -> bool:
    if pred.kind != gold.kind:
        return False
    if pred.kind in STRUCTURED:  # identifiers must be cut exactly
        return (pred.start, pred.end) == (gold.start, gold.end)
    return pred.start < gold.end and gold.start < pred.end  # names/dates: overlap


def _score() -> dict[str, Counter[str]]:
    scores: dict[str, Counter[str]] = {kind: Counter() for kind in KINDS}
    for case in CASES:
        gold, pred = _gold(case), find_pii(case["text"])
        unmatched = list(gold)
        for p in pred:
            hit = next((g for g in unmatched if _matches(p, g)), None)
            if hit is None:
                scores[p.kind]["fp"] += 1
            else:
                unmatched.remove(hit)
                scores[p.kind]["tp"] += 1
        for g in unmatched:
            scores[g.kind]["fn"] += 1
    return scores


@pytest.fixture(scope="module")
def scores() -> dict[str, Counter[str]]:
    result = _score()
    print(f"\nPII detection on {CASES_PATH.name}: {len(CASES)} sentences ({len(NEGATIVES)} with no PII)")
    print(f"{'kind':6} {'gold':>5} {'tp':>4} {'fp':>4} {'fn':>4} {'recall':>7} {'precision':>9}")
    for kind in KINDS:
        c = result[kind]
        print(
            f"{kind:6} {c['tp'] + c['fn']:5d} {c['tp']:4d} {c['fp']:4d} {c['fn']:4d}"
            f" {_recall(c):7.3f} {_precision(c):9.3f}"
        )
    texts = [c["text"] for c in CASES]
    start = time.perf_counter()
    for _ in range(5):
        for text in texts:
            redact(text)
    per_text = (time.perf_counter() - start) / (5 * len(texts))
    print(f"redact: {per_text * 1e6:.1f} µs per sentence (mean over {len(texts)} sentences x 5)")
    return result


def _recall(c: Counter[str]) -> float:
    return c["tp"] / (c["tp"] + c["fn"]) if c["tp"] + c["fn"] else 1.0


def _precision(c: Counter[str]) -> float:
    return c["tp"] / (c["tp"] + c["fp"]) if c["tp"] + c["fp"] else 1.0


def test_labelled_set_is_large_bilingual_and_covers_every_type() -> None:
    assert len(CASES) >= 150
    per_kind = Counter(s["kind"] for c in CASES for s in c["spans"])
    assert set(per_kind) == set(KINDS)
    assert min(per_kind.values()) >= 10
    assert len(NEGATIVES) >= 60
    texts = " ".join(c["text"] for c in CASES)
    assert "je m'appelle" in texts.lower() and "my name is" in texts.lower()
    for case in CASES:
        _gold(case)  # every labelled value occurs in its sentence


@pytest.mark.parametrize("kind", STRUCTURED)
def test_structured_identifiers_have_full_recall_and_precision(
    scores: dict[str, Counter[str]], kind: str
) -> None:
    assert scores[kind]["tp"] > 0
    assert _recall(scores[kind]) == 1.0
    assert _precision(scores[kind]) == 1.0


@pytest.mark.parametrize("kind", SOFT)
def test_names_and_birth_dates_reach_ninety_percent(scores: dict[str, Counter[str]], kind: str) -> None:
    assert _recall(scores[kind]) >= 0.9
    assert _precision(scores[kind]) >= 0.9


@pytest.mark.parametrize("case", POSITIVES, ids=lambda c: c["text"][:40])
def test_redacted_positive_contains_no_raw_value(case: dict[str, Any]) -> None:
    out = redact(case["text"])
    for span in case["spans"]:
        assert span["value"] not in out
        assert f"<{span['kind']}>" in out


@pytest.mark.parametrize("case", NEGATIVES, ids=lambda c: c["text"][:40])
def test_look_alike_survives_unchanged(case: dict[str, Any]) -> None:
    assert redact(case["text"]) == case["text"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Bonjour, je m'appelle Marie Dupont.", "Bonjour, je m'appelle <NAME>."),
        ("my name is John Smith and I need help", "my name is <NAME> and I need help"),
        ("Hi, this is Sarah calling about my mum", "Hi, this is <NAME> calling about my mum"),
        ("Oui, Madame Martin est là.", "Oui, Madame <NAME> est là."),
        ("Monsieur Jean Durand a appelé.", "Monsieur <NAME> a appelé."),
        ("Bonjour, c'est Mme Leroy.", "Bonjour, c'est Mme <NAME>."),
        ("Je suis née le 3 mars 1960 à Lille.", "Je suis née le <DOB> à Lille."),
        ("date of birth 12/03/1958", "date of birth <DOB>"),
        ("Bonjour Madame, à 14h30 en salle 204.", "Bonjour Madame, à 14h30 en salle 204."),
        ("Rappelez au 06 12 34 56 78 svp", "Rappelez au <PHONE> svp"),
    ],
)
def test_redact_keeps_the_introducing_words(text: str, expected: str) -> None:
    assert redact(text) == expected


def test_appointment_details_survive_around_redacted_data() -> None:
    text = (
        "Mme Roche, née le 02/05/1949, a rendez-vous le 12/03/2026 à 14h30 en salle 204, bâtiment B "
        "(dossier 48213) ; reste à payer 45,50 € ; 500 mg le soir ; rappel au 06 12 34 56 78."
    )
    out = redact(text)
    for kept in ("le 12/03/2026", "à 14h30", "salle 204", "bâtiment B", "dossier 48213", "45,50 €", "500 mg"):
        assert kept in out
    assert "02/05/1949" not in out and "Roche" not in out and "06 12 34 56 78" not in out


def _first(predicate: Any, prefix: str, width: int) -> str:
    for n in range(10 ** (width - len(prefix))):
        candidate = f"{prefix}{n:0{width - len(prefix)}d}"
        if predicate(candidate):
            return candidate
    raise AssertionError("no candidate")


def test_checksummed_ids_win_over_phone_shapes() -> None:
    # A French mobile number that happens to pass the NHS modulus-11 check stays a phone number.
    mobile = _first(nhs_valid, "06", 10)
    assert [s.kind for s in find_pii(f"mon portable {mobile}")] == ["PHONE"]
    # A valid NIR written in pairs is an NIR, never a phone number or a card.
    nir_value = _first(nir_valid, "1850375116042", 15)
    spaced = " ".join([nir_value[0], nir_value[1:3], nir_value[3:5], nir_value[5:7], nir_value[7:10]])
    spaced += f" {nir_value[10:13]} {nir_value[13:]}"
    assert [(s.kind, s.start) for s in find_pii(f"NIR {spaced}")] == [("NIR", 4)]
    # The same digits with a wrong key: no identifier and no phone number inside it.
    wrong = spaced[:-2] + f"{(int(nir_value[13:]) % 97) + 1:02d}"
    assert find_pii(f"NIR {wrong}") == []


def test_number_failing_its_checksum_is_only_a_phone_when_shaped_like_one() -> None:
    bad_card = _first(lambda v: not luhn_valid(v), "497010123456789", 16)
    assert find_pii(f"carte {bad_card}") == []
    assert [s.kind for s in find_pii("+44 7700 900123")] == ["PHONE"]


def test_nhs_in_text_needs_an_issued_range_or_the_word_nhs() -> None:
    reference = _first(nhs_valid, "158", 10)  # passes modulus 11, but no NHS number starts with 1
    assert find_pii(f"Your policy number is {reference}.") == []
    assert [s.kind for s in find_pii(f"My NHS number is {reference}.")] == ["NHS"]
    issued = _first(nhs_valid, "485", 10)
    assert [s.kind for s in find_pii(f"The letter says {issued} at the top")] == ["NHS"]
    # The patient_ref check refuses any 10-digit number that passes the check (CHI numbers start with 0-3).
    assert national_id_kind(reference) == "NHS"


def test_cued_numbers_are_phone_numbers_whatever_their_format() -> None:
    assert [s.kind for s in find_pii("My phone number is 415 589 5478, thanks")] == ["PHONE"]
    assert [s.kind for s in find_pii("you can call me at 251-746-6999")] == ["PHONE"]
    assert find_pii("My policy number is 415 589 547, thanks") == []


def test_national_id_kind() -> None:
    nir_value = _first(nir_valid, "2601169123456", 15)
    nhs_value = "9434765919"
    spaced = " ".join([nir_value[:1], nir_value[1:7], nir_value[7:13], nir_value[13:]])
    assert national_id_kind(spaced) == "NIR"
    assert national_id_kind(nir_value) == "NIR"
    corsica = "1720" + "72A004087"
    corsica += f"{97 - int(corsica.replace('2A', '19')) % 97:02d}"
    assert national_id_kind(corsica) == "NIR"
    assert national_id_kind("943 476 5919") == "NHS"
    assert national_id_kind(nhs_value) == "NHS"
    assert national_id_kind("p-8f3a1c") is None
    wrong_key = nir_value[:13] + f"{int(nir_value[13:]) % 97 + 1:02d}"
    assert national_id_kind(wrong_key) is None
    assert national_id_kind("943 476 5918") is None
    assert national_id_kind("") is None
    assert national_id_kind("GB82 WEST 1234 5698 7654 32") is None


def test_checksums_on_published_examples() -> None:
    assert iban_valid("GB82WEST12345698765432")
    assert iban_valid("FR1420041010050500013M02606")
    assert not iban_valid("GB82WEST12345698765433")
    assert luhn_valid("4111111111111111") and not luhn_valid("4111111111111112")
    assert nhs_valid("9434765919") and not nhs_valid("9434765918")


def test_placeholders() -> None:
    assert {f"<{k}>" for k in KINDS} == PLACEHOLDERS
    assert PLACEHOLDERS == {"<EMAIL>", "<PHONE>", "<NIR>", "<NHS>", "<IBAN>", "<CARD>", "<DOB>", "<NAME>"}
    text = " ".join(sorted(PLACEHOLDERS))
    assert redact(text) == text


def test_redaction_is_idempotent_and_keeps_placeholders() -> None:
    rng = random.Random(7)
    words = [c["text"].split(" ") for c in CASES]
    halves = [" ".join(w[: len(w) // 2]) for w in words] + [" ".join(w[len(w) // 2 :]) for w in words]
    fragments = [c["text"] for c in CASES] + halves + sorted(PLACEHOLDERS) * 20
    samples = [c["text"] for c in CASES]
    samples += [" ".join(rng.choice(fragments) for _ in range(rng.randint(2, 6))) for _ in range(1500)]
    for text in samples:
        once = redact(text)
        assert redact(once) == once, text
        for placeholder in PLACEHOLDERS:
            assert once.count(placeholder) >= text.count(placeholder), text


def test_pathological_inputs_finish() -> None:
    # Each of these would take exponential time with a backtracking-prone pattern.
    for text in ("0 " * 5000, "1-" * 5000, "A" * 20000, "Madame " * 3000, "né le " * 3000, "x@" * 5000):
        assert redact(text) == text
    assert redact("Madame " * 300 + "Martin") == "Madame " * 300 + "<NAME>"
