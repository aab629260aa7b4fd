"""An action's why reads as words in the report's language, never as signal codes."""

from __future__ import annotations

import re

import pytest

from analytics.actions import propose_actions
from analytics.playbook import SIGNALS, load_playbook
from core import wording
from core.results import Evidence, Friction, ThemeResult

CODES = {
    "fr": re.compile(r"\b(" + "|".join(sorted(SIGNALS)) + r")\b|_|signaux"),
    # in English some codes are words ("volume", "effort"): the ones that are not must not appear
    "en": re.compile(r"\b(repeat_rate|fcr|csat|aht|emerging|engagement|wait)\b|_|signals"),
}


def _portal_friction() -> Friction:
    return Friction(
        friction_id="fr-portal",
        rank=1,
        title="Lien du portail de rendez-vous cassé",
        kind="emerging",
        theme_id="th-portal",
        score=0.9,
        volume=1234,
        patients=1234,
        share=0.12,
        emerging=True,
        signals={"repeat_rate": 0.41, "effort_share": 0.3, "growth": 3.0},
        interaction_ids=["call-1", "call-2"],
        evidence=[Evidence(interaction_id="call-1", quote="le lien du portail ne marche pas")],
    )


THEME = ThemeResult(
    theme_id="th-portal",
    label="Lien du portail de rendez-vous",
    keywords=["portail", "lien", "rendez-vous"],
    size=1234,
)


@pytest.mark.parametrize(
    ("language", "start", "patients"),
    [("fr", "Répond à « Lien", "1\u202f234 patients"), ("en", 'Answers "Lien', "1,234")],
)
def test_rationale_speaks_the_report_language(language: str, start: str, patients: str) -> None:
    actions = propose_actions(
        frictions=[_portal_friction()], playbook=load_playbook(), themes=[THEME], language=language
    )
    assert actions
    for action in actions:
        assert action.rationale.startswith(start) and patients in action.rationale
        assert not CODES[language].search(
            action.rationale.replace("Lien du portail de rendez-vous cassé", "")
        ), action.rationale
    playbook = load_playbook()
    portal = next(a for a in actions if "emerging" in playbook.get(a.playbook_id).signals)  # type: ignore[union-attr]
    assert wording.action_signal("emerging", language) in portal.rationale


def test_every_playbook_signal_has_words_in_both_languages() -> None:
    for signal in SIGNALS:
        for language in ("fr", "en"):
            words = wording.action_signal(signal, language)
            assert words and "_" not in words and words != signal
