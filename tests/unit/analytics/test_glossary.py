"""The French→English glossary that bridges languages in theme discovery."""

from __future__ import annotations

from pathlib import Path

import pytest

from analytics.glossary import Glossary, load_glossary, parse_glossary
from analytics.topic_text import english_gloss, is_french


@pytest.mark.parametrize(
    ("french", "english"),
    [
        ("Mon ordonnance d'Amlor est expirée, comment la renouveler ?", "prescription expired renew"),
        ("Je dois faire une prise de sang pour le bilan", "blood test check-up"),
        (
            "J'ai reçu une facture, le ticket modérateur n'est pas pris en charge par la mutuelle",
            "received bill copayment covered insurance",
        ),
        ("Le portail patient affiche une erreur quand je veux réserver", "patient portal shows error book"),
        ("Je voudrais annuler mon rendez-vous en cardiologie", "cancel appointment cardiology"),
        ("Il me faut un arrêt de travail pour mon employeur", "sick note employer"),
    ],
)
def test_bundled_glossary_glosses_french_contact_reasons(french: str, english: str) -> None:
    assert load_glossary().gloss(french) == english


def test_longest_expression_wins_and_accents_and_case_are_folded() -> None:
    glossary = parse_glossary(
        "prise\ttake\nprise de sang\tblood test\nsang\tblood\nÉCHOGRAPHIE\tultrasound\n"
    )
    assert glossary.gloss("Une PRISE DE SANG puis une echographie") == "blood test ultrasound"
    assert glossary.gloss("la prise du matin") == "take"


def test_unknown_words_are_dropped_and_nothing_matched_gives_empty() -> None:
    glossary = parse_glossary("facture\tbill\n")
    assert glossary.gloss("Madame Dupont, 12 rue Victor Hugo, facture") == "bill"
    assert glossary.gloss("Bonjour Madame") == ""
    assert glossary.gloss("") == ""


def test_coverage_counts_content_words_only() -> None:
    glossary = parse_glossary("facture\tbill\nmutuelle\tinsurance\n")
    assert glossary.coverage("la facture de la mutuelle") == 1.0
    assert glossary.coverage("la facture Dupont") == 0.5
    assert glossary.coverage("") == 0.0


def test_a_hospital_file_replaces_the_bundled_one(tmp_path: Path) -> None:
    path = tmp_path / "glossaire.tsv"
    path.write_text("# notre vocabulaire\nbip\tpager\n", encoding="utf-8")
    assert load_glossary(path).gloss("le bip du service") == "pager"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("facture bill\n", "line 1: expected 'french<TAB>english'"),
        ("facture\tbill\nmutuelle\t\n", "line 2"),
        ("123\tnumber\n", "line 1: the French side has no word"),
        ("# only comments\n", "no entry"),
    ],
)
def test_bad_glossary_lines_are_named(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_glossary(text)


def test_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="cannot read the glossary"):
        load_glossary(tmp_path / "absent.tsv")


def test_only_french_texts_are_glossed() -> None:
    assert english_gloss("Mon ordonnance est expirée", "fr") == "prescription expired"
    assert english_gloss("My prescription ran out", "en") == ""
    assert english_gloss("Je voudrais annuler mon rendez-vous") == "cancel appointment"
    assert is_french("je voudrais annuler mon rendez-vous")
    assert not is_french("I want to cancel my appointment")


def _every_length(glossary: Glossary, words: list[str]) -> list[tuple[int, int, str]]:
    """The matching rule read literally: at each word, every length from the longest entry's down."""
    found, i = [], 0
    while i < len(words):
        for n in range(min(max(map(len, glossary.entries)), len(words) - i), 0, -1):
            english = glossary.entries.get(tuple(words[i : i + n]))
            if english:
                found.append((i, n, english))
                i += n
                break
        else:
            i += 1
    return found


def test_matches_are_those_of_trying_every_length() -> None:
    import random

    glossary = parse_glossary(
        "prise de sang\tblood test\nprise\tappointment\nde sang froid\tcalm\nsang\tblood\n"
        "rendez vous annule\tcancelled appointment\nrendez vous\tappointment\nvous\tyou\n"
    )
    vocabulary = ["prise", "de", "sang", "froid", "rendez", "vous", "annule", "le", "x"]
    rng = random.Random(4)
    for _ in range(2000):
        words = [rng.choice(vocabulary) for _ in range(rng.randint(0, 12))]
        assert glossary.matches(words) == _every_length(glossary, words)
    bundled = load_glossary()
    keys = [w for key in bundled.entries for w in key] + ["x", "le"]
    for _ in range(2000):
        words = [rng.choice(keys) for _ in range(rng.randint(0, 15))]
        assert bundled.matches(words) == _every_length(bundled, words)
