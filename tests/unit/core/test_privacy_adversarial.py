"""Redaction on adversarial and dense texts: correct results (speed is measured by evals/bench/privacy.py)."""

from __future__ import annotations

import pytest

from core.privacy import find_pii, redact, redact_turns
from core.privacy.cues import lowered, phrase_pattern
from core.privacy.dialogue import ANSWER_WINDOW
from evals.bench.privacy import ADVERSARIAL, adversarial_text


@pytest.mark.parametrize("name", sorted(ADVERSARIAL))
def test_every_adversarial_text_is_redacted_idempotently(name: str) -> None:
    text = adversarial_text(name, 20_000)
    once = redact(text)
    assert redact(once) == once
    assert len(once) <= len(text) + 3 * len(find_pii(text)) + 8


def test_thousands_of_addresses_are_all_replaced() -> None:
    assert redact("a@b.fr " * 3000) == "<EMAIL> " * 3000


def test_dense_names_are_all_replaced() -> None:
    assert redact("M. Abc " * 2000) == "M. <NAME> " * 2000
    assert redact("Bonjour, " + "Abc here, " * 2000) == "Bonjour, " + "<NAME> here, " * 2000


def test_a_spoken_address_after_a_long_run_of_dotted_words_is_still_found() -> None:
    text = "dot a " * 5000 + "write to jean point dupont arobase chu-nord point fr please"
    assert redact(text).endswith("write to <EMAIL> please")


def test_iban_of_a_country_outside_the_registry_is_not_an_iban() -> None:
    assert [s.kind for s in find_pii("IBAN GB82 WEST 1234 5698 7654 32")] == ["IBAN"]
    assert find_pii("ref ZZ82 WEST 1234 5698 7654 32") == []


def test_consecutive_international_numbers_are_each_redacted() -> None:
    text = "+33 6 12 34 56 78 +33 6 98 76 54 32"
    assert redact(text) == "<PHONE> <PHONE>"


def test_identity_answer_is_read_in_the_first_characters_only() -> None:
    ask = ("agent", "Votre nom et votre date de naissance ?")
    late = "Très bien. " * 60 + "Paul Martin. 12/03/1958."
    answer = "Paul Martin, 12/03/1958. " + late
    out = redact_turns([ask, ("patient", answer)])[1]
    assert out.startswith("<NAME>, <DOB>. ")
    assert len(answer) > ANSWER_WINDOW
    assert out.endswith("Paul Martin. 12/03/1958.")  # beyond the answer window: ordinary rules only


def test_phrase_patterns_need_a_word_start_and_skip_placeholders() -> None:
    pattern = phrase_pattern(["madame", "mme", "mme."])
    text = "madame xmadame <madame mme. mme "
    assert [m.group() for m in pattern.finditer(text)] == ["madame", "mme.", "mme"]


def test_lowered_keeps_offsets_for_characters_whose_lower_case_is_longer() -> None:
    text = "İstanbul Madame Dupont"
    assert len(lowered(text)) == len(text)
    assert redact(text) == "İstanbul Madame <NAME>"
