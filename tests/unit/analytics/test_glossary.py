"""The French→English glossary that bridges languages in theme discovery."""

from __future__ import annotations

from pathlib import Path

import pytest

from analytics.glossary import load_glossary, parse_glossary
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
