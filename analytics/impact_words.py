"""The measured impact of an action in words, French or English (the API's summary, CLI, report, chat)."""

from __future__ import annotations

from core.results import ActionImpact, MetricEffect
from core.wording import metric_label

STATE_WORDS = {
    "fr": {
        "too_early": "trop tôt",
        "no_effect_detected": "pas d'effet mesurable",
        "improved": "amélioré",
        "worsened": "dégradé",
        "resolved": "résolu",
    },
    "en": {
        "too_early": "too early",
        "no_effect_detected": "no effect detected",
        "improved": "improved",
        "worsened": "worsened",
        "resolved": "resolved",
    },
}


def format_effect(effect: MetricEffect, language: str = "fr") -> str:
    """'−38 % (IC 95 % −45 % à −30 %)' or '+4,2 pts (95 % CI …)'."""
    if effect.effect is None or effect.ci is None:
        return "—"
    fr = language == "fr"

    def one(value: float) -> str:
        text = f"{value * 100:+.0f} %" if effect.scale == "relative" else f"{value * 100:+.1f} pts"
        text = text.replace("-", "−")
        return text.replace(".", ",") if fr else text

    ci = (
        f"IC 95 % {one(effect.ci[0])} à {one(effect.ci[1])}"
        if fr
        else f"95 % CI {one(effect.ci[0])} to {one(effect.ci[1])}"
    )
    return f"{one(effect.effect)} ({ci})"


def format_p(p: float | None, language: str = "fr") -> str:
    """'p < 0,001' or 'p = 0,03'."""
    if p is None:
        return "p —"
    text = "p < 0.001" if p < 0.001 else f"p = {p:.2g}" if p < 0.1 else f"p = {p:.2f}"
    return text.replace(".", ",") if language == "fr" else text


def impact_sentence(impact: ActionImpact, *, language: str = "fr", min_sample: int = 30) -> str:
    """One sentence a manager reads about an action's measured impact (its main target, main metric)."""
    fr = language == "fr"
    if not impact.targets or not impact.targets[0].effects:
        return "Aucune cible mesurable." if fr else "No measurable target."
    effect = impact.targets[0].effects[0]
    what = metric_label(effect.metric, language)
    if effect.state == "too_early":
        if fr:
            return (
                f"Pas encore d'effet mesurable : {effect.n_after} contacts depuis le début "
                f"(il en faut {min_sample})."
            )
        return f"No measurable effect yet: {effect.n_after} contacts since the start ({min_sample} needed)."
    figures = f"{format_effect(effect, language)}, {format_p(effect.p_value, language)}"
    state = STATE_WORDS["fr" if fr else "en"][effect.state]
    if fr:
        text = f"{what.capitalize()} : {figures}, contre des segments comparables ; "
        text += f"{effect.n_before} contacts avant, {effect.n_after} depuis — {state}"
        text += " ; la friction a quitté le haut du classement : résolu" if impact.resolved else ""
    else:
        text = f"{what.capitalize()}: {figures}, against comparable segments; "
        text += f"{effect.n_before} contacts before, {effect.n_after} since — {state}"
        text += "; the friction has left the top of the ranking: resolved" if impact.resolved else ""
    if effect.comparison_moved:
        text += (
            " (les segments de comparaison ont eux-mêmes bougé)"
            if fr
            else " (the comparison segments themselves moved)"
        )
    return text + "."
