"""The topic text keeps what the contact is about and drops the conversation around it."""

from __future__ import annotations

import pytest

from analytics.topic_text import topic_text, topic_words


def test_french_call_keeps_the_reason_and_drops_identity_and_goodbyes() -> None:
    text = (
        "Oui bonjour, j'ai reçu une facture pour une consultation qui n'a jamais eu lieu…\n"
        "Oui, euh, <NAME>, née le <DATE>.\n"
        "Merci beaucoup, bonne journée."
    )
    reason = "Oui bonjour, j'ai reçu une facture pour une consultation qui n'a jamais eu lieu…"
    assert topic_text(text) == reason


def test_access_complaints_are_cut_but_the_topic_in_the_same_text_stays() -> None:
    text = (
        "Bonjour, ici <NAME>. Je tombe toujours sur le répondeur. "
        "Mon ordonnance est expirée, comment la renouveler ?\nD'accord, merci, au revoir."
    )
    kept = topic_text(text)
    assert "ordonnance est expirée" in kept
    assert "répondeur" not in kept and "revoir" not in kept and "ici" not in kept


def test_email_salutations_and_signature_are_dropped() -> None:
    text = (
        "Bonjour Madame, Monsieur,\n\n"
        "Est-ce que vous pouvez envoyer mes résultats à mon médecin traitant ?\n\n"
        "Dans l'attente de votre réponse, je vous prie d'agréer mes salutations distinguées.\n\n<NAME>"
    )
    assert topic_text(text) == "Est-ce que vous pouvez envoyer mes résultats à mon médecin traitant ?"


def test_english_chat() -> None:
    text = (
        "Hi there.\nMy name is <NAME>, born <DATE>.\n"
        "I can't log in to the patient portal to book.\nThanks, bye!"
    )
    assert topic_text(text) == "I can't log in to the patient portal to book."


@pytest.mark.parametrize("text", ["Merci, au revoir.", "Bonjour.\n<NAME>, <DATE>", "Thanks, bye!"])
def test_a_text_without_topic_is_kept_whole_never_emptied(text: str) -> None:
    assert topic_text(text) == " ".join(text.replace("<NAME>", "").replace("<DATE>", "").split())


def test_empty_text() -> None:
    assert topic_text("") == ""
    assert topic_text("<NAME>") == ""


def test_topic_words_fold_accents_and_skip_conversation() -> None:
    assert topic_words("Bonjour, le scanner du genou est prévu mardi ?") == ["scanner", "genou", "prevu"]
