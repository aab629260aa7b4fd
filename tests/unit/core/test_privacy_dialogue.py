import pytest

from core.privacy import redact_turns
from core.privacy.dialogue import redact_identity_answer

ASK_FR = ("agent", "Pouvez-vous me donner votre nom et votre date de naissance ?")
ASK_EN = ("agent", "Can I take your full name and date of birth, please?")


@pytest.mark.parametrize(
    ("ask", "answer", "expected"),
    [
        (
            ASK_EN,
            "Rachel Clarke. 24/06/1951. Right, the exam is at 13:45.",
            "<NAME>. <DOB>. Right, the exam is at 13:45.",
        ),
        (ASK_FR, "oui, inès françois, née le 20/12/1954.", "oui, <NAME>, née le <DOB>."),
        (ASK_FR, "Moreau. Alain Moreau. Le 3 mars 1960.", "<NAME>. <NAME>. Le <DOB>."),
        (ASK_EN, "Smith, John, date of birth 03/04/1960.", "<NAME>, <NAME>, date of birth <DOB>."),
        (ASK_EN, "Yes, it's John Smith, born March 3, 1960.", "Yes, it's <NAME>, born <DOB>."),
        (("agent", "D'accord. C'est à quel nom ?"), "Martin", "<NAME>"),
    ],
)
def test_answers_to_identity_questions_are_redacted(ask, answer, expected):
    assert redact_turns([ask, ("patient", answer)]) == [ask[1], expected]


@pytest.mark.parametrize(
    "answer", ["D'accord, merci.", "Oui bien sûr.", "Pardon, je n'ai pas compris.", "ok"]
)
def test_ordinary_replies_survive(answer):
    assert redact_identity_answer(answer) == answer


def test_only_the_turn_after_the_question_is_treated():
    turns = [
        ("agent", "Votre nom ?"),
        ("patient", "Paul Durand."),
        ("agent", "Merci, je regarde."),
        ("patient", "Jeudi Matin."),  # not an answer to an identity question: left to the ordinary rules
    ]
    assert redact_turns(turns) == ["Votre nom ?", "<NAME>.", "Merci, je regarde.", "Jeudi Matin."]


def test_appointment_dates_outside_identity_answers_survive():
    turns = [("patient", "Mon rendez-vous du 12/03/2026 est annulé ?"), ("agent", "Oui, le 12/03/2026.")]
    assert redact_turns(turns) == [t for _, t in turns]
