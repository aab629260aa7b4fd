"""Theme labels: a short phrase in the theme's language, read from the patients' words (any domain)."""

from __future__ import annotations

import numpy as np
import pytest

from analytics.theme_labels import members_label, stem, theme_label

PRESCRIPTION_FR = [
    "J'appelle pour le renouvellement de mon ordonnance de Kardégic.",
    "Il me faudrait une nouvelle ordonnance pour mon Levothyrox, je n'en ai presque plus.",
    "Mon ordonnance de metformine est expirée, comment je fais pour la renouveler ?",
    "Je n'ai toujours pas reçu l'ordonnance renouvelée pour le Doliprane.",
    "J'ai demandé le renouvellement de mon ordonnance il y a une semaine et je n'ai rien reçu.",
    "La pharmacie refuse de me donner mon traitement sans nouvelle ordonnance.",
]
PORTAL_FR = [
    "J'essaie de réserver sur le portail mais ça affiche une erreur à chaque fois.",
    "Le portail patient m'affiche erreur 500 quand je veux réserver.",
    "Le site pour prendre rendez-vous en ligne ne marche plus depuis la mise à jour.",
    "Votre nouveau site de réservation ne fonctionne pas, ça tourne dans le vide.",
    "J'essaie de réserver sur le portail, la page reste blanche.",
]
CARD_EN = [  # real utterances of the Banking77 test set, intent "activate_my_card"
    "How do I activate my card?",
    "I need to activate my new card.",
    "Where can I activate my card?",
    "What do I need to do to activate my card?",
    "I'm unable to activate my card, what should I do?",
    "Please help me activate my card.",
]
BLOOD_EN = [
    "Are my blood test results back yet?",
    "I had a blood test on Monday and haven't heard about the results.",
    "Can you tell me my blood test results?",
    "When will the results of my blood test be available?",
]


def test_a_french_theme_gets_a_french_noun_phrase_from_its_sentences() -> None:
    label = theme_label(
        sentences=PRESCRIPTION_FR, keywords=["ordonnance", "renouvellement ordonnance", "pharmacie"]
    )
    assert label == "Renouvellement de l'ordonnance"


def test_keywords_may_be_english_glosses_of_french_words() -> None:
    label = theme_label(sentences=PORTAL_FR, keywords=["portal", "book", "error", "online"], language="fr")
    assert "portail" in label.lower()
    assert "·" not in label and label[0].isupper()


def test_english_themes_of_any_domain_read_as_phrases() -> None:
    assert theme_label(sentences=CARD_EN, keywords=["activate", "card", "new card"]) == "Activate the card"
    assert theme_label(sentences=BLOOD_EN, keywords=["blood", "results", "test"]) == "Blood test results"


def test_possessives_become_articles_and_french_elision_follows() -> None:
    label = theme_label(
        sentences=["Le renouvellement de mon ordonnance", "le renouvellement de mon ordonnance svp"],
        keywords=["renouvellement", "ordonnance"],
        language="fr",
    )
    assert label == "Renouvellement de l'ordonnance"


def test_the_most_typical_sentences_win_over_the_fringe() -> None:
    fringe = ["J'ai lu mon compte rendu sur le portail et je suis inquiète."] * 3
    label = theme_label(sentences=PORTAL_FR + fringe, keywords=["portail", "erreur"], language="fr")
    assert "compte rendu" not in label.lower()


def test_no_usable_phrase_falls_back_on_the_keywords() -> None:
    assert theme_label(sentences=["Merci, bonne journée."], keywords=["ordonnance", "pharmacie"]) == (
        "Ordonnance, pharmacie"
    )
    assert theme_label(sentences=[], keywords=[]) == "Divers"


def test_stems_join_the_forms_of_one_word() -> None:
    assert stem("renouvellement") == stem("renouveler") == stem("renouvelée")
    assert stem("renewing") == stem("renewed") == stem("renew")


def test_members_label_reads_the_majority_language_closest_to_the_centre_first() -> None:
    texts = [*PRESCRIPTION_FR, "I need my prescription renewed."]
    vectors = np.eye(len(texts), dtype=np.float32)
    centroid = np.ones(len(texts), dtype=np.float32)
    label = members_label(texts=texts, vectors=vectors, centroid=centroid, keywords=["ordonnance"])
    assert "ordonnance" in label.lower() and "prescription" not in label.lower()


@pytest.mark.parametrize("sentences", [PRESCRIPTION_FR, CARD_EN])
def test_labels_are_short(sentences: list[str]) -> None:
    label = theme_label(sentences=sentences, keywords=[])
    assert 3 <= len(label) <= 60 and len(label.split()) <= 7
