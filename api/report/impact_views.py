"""The measured impact of adopted actions in words, beside the expected impact (report, web app)."""

from __future__ import annotations

from typing import Any

from analytics.impact_words import STATE_WORDS, format_effect, format_p
from core import wording as nf
from core.results import ActionImpact, AnalysisResult

IMPACT_TEXTS = {
    "fr": {
        "impact": "L'action a-t-elle marché ? Impact mesuré",
        "none_impact": "Aucune action en cours ou réalisée à mesurer.",
        "measured": "Mesuré",
        "measured_impact": "Impact mesuré",
        "expected_playbook": "Attendu (playbook)",
        "contacts": "Contacts avant → depuis",
        "since": "depuis le",
        "moved": "les segments de comparaison ont eux-mêmes bougé",
        "method": "Différence de différences contre des segments comparables qu'aucune action ouverte ne "
        "touche (mêmes semaines, jours et heures), IC à 95 %.",
    },
    "en": {
        "impact": "Did it work? Measured impact",
        "none_impact": "No action in progress or done to measure.",
        "measured": "Measured",
        "measured_impact": "Measured impact",
        "expected_playbook": "Expected (playbook)",
        "contacts": "Contacts before → since",
        "since": "since",
        "moved": "the comparison segments themselves moved",
        "method": "Difference-in-differences against comparable segments no open action touches (same weeks, "
        "weekdays and hours), 95 % CI.",
    },
}


def impact_texts(language: str) -> dict[str, str]:
    """The impact section's words."""
    return IMPACT_TEXTS["fr" if language == "fr" else "en"]


def _where(segment: dict[str, Any]) -> str:
    return ", ".join(f"{k} {'/'.join(map(str, v)) if isinstance(v, list) else v}" for k, v in segment.items())


def impact_view(impact: ActionImpact, language: str) -> dict[str, Any]:
    """One action's impact in words: per target and metric, the effect, its interval, p, counts, state."""
    lang = "fr" if language == "fr" else "en"
    words = STATE_WORDS[lang]
    expected = impact.expected_impact
    rows = []
    for target in impact.targets:
        for effect in target.effects:
            state = words[effect.state]
            if impact.resolved and effect.state == "improved":
                state = f"{words['resolved']} ({state})"
            rows.append(
                {
                    "target": target.title or _where(target.segment),
                    "segment": _where(target.segment),
                    "since": nf.day(target.start, lang),
                    "metric": nf.metric_label(effect.metric, lang),
                    "measured": format_effect(effect, lang),
                    "p": format_p(effect.p_value, lang),
                    "contacts": f"{effect.n_before} → {effect.n_after}",
                    "state": state,
                    "state_code": "resolved"
                    if impact.resolved and effect.state == "improved"
                    else effect.state,
                    "moved": effect.comparison_moved,
                }
            )
    return {
        "id": impact.action_id,
        "title": impact.title,
        "status": nf.status_label(impact.status, lang),
        "state": words["resolved"] if impact.resolved else words[impact.state],
        "state_code": "resolved" if impact.resolved else impact.state,
        "expected": (
            f"{nf.metric_label(expected.kpi, lang)} {nf.impact_delta(expected.kpi, expected.delta, lang)}"
            if expected is not None
            else "—"
        ),
        "summary": impact.summary,
        "rows": rows,
    }


def impact_views(result: AnalysisResult, language: str) -> list[dict[str, Any]]:
    """Every measured action of an analysis, resolved and improved first."""
    order = {"resolved": 0, "improved": 1, "worsened": 2, "no_effect_detected": 3, "too_early": 4}
    views = [impact_view(i, language) for i in result.impacts]
    return sorted(views, key=lambda v: order.get(v["state_code"], 9))
