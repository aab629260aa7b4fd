"""Answers to "did the action work?": the measured impact of adopted actions, in one sentence and a table."""

from __future__ import annotations

from typing import Any

from agent.chat.phrasing import Answer, artifacts, quoted, say
from agent.chat.router import Route
from agent.chat.tables import ToolResult
from analytics.impact_words import STATE_WORDS, format_effect, format_p, impact_sentence
from core import wording as nf
from core.results import ActionImpact


def expected_change(impact: ActionImpact, language: str) -> str:
    """The playbook's expected change in words ('waits −25 %'), or ''."""
    expected = impact.expected_impact
    if expected is None:
        return ""
    return (
        f"{nf.metric_label(expected.kpi, language)} {nf.impact_delta(expected.kpi, expected.delta, language)}"
    )


def impact_table(artifact: dict[str, Any], language: str) -> dict[str, Any]:
    """Action | KPI | measured | p | contacts before → since | state | expected (playbook)."""
    words = STATE_WORDS["fr" if nf.lang(language) == "fr" else "en"]
    rows = []
    for row in artifact["rows"][:10]:
        impact = ActionImpact.model_validate(row)
        expected_text = expected_change(impact, language) or "–"
        for target in impact.targets[:2]:
            for effect in target.effects[:2]:
                state = (
                    words["resolved"]
                    if impact.resolved and effect.state == "improved"
                    else words[effect.state]
                )
                rows.append(
                    [
                        impact.title,
                        nf.metric_label(effect.metric, language),
                        format_effect(effect, language),
                        format_p(effect.p_value, language),
                        f"{effect.n_before} → {effect.n_after}",
                        state,
                        expected_text,
                    ]
                )
    fr = nf.lang(language) == "fr"
    return {
        "columns": [
            "Action",
            "KPI",
            "Mesuré" if fr else "Measured",
            "p",
            "Contacts avant → depuis" if fr else "Contacts before → since",
            "État" if fr else "State",
            "Attendu (playbook)" if fr else "Expected (playbook)",
        ],
        "rows": rows,
    }


def impact(route: Route, results: list[ToolResult], language: str) -> Answer:
    """One sentence per measured action: effect, interval, p, contacts, state, the playbook's expectation."""
    found = artifacts(results, "impact")
    rows = found[0]["rows"] if found else []
    if any(r.name == "action_impact" and r.failed for r in results):  # the tool failed: say so, not "nothing"
        return say(
            language,
            "L'impact des actions n'a pas pu être mesuré (erreur de l'outil, voir les journaux du serveur).",
            "The impact of the actions could not be measured (the tool failed; see the server's logs).",
        ), None
    if not rows:
        return say(
            language,
            "Aucune action n'est en cours ou réalisée : il n'y a encore rien à mesurer.",
            "No action is in progress or done: there is nothing to measure yet.",
        ), None
    impacts = [ActionImpact.model_validate(r) for r in rows]
    lang = "fr" if nf.lang(language) == "fr" else "en"
    parts = []
    for item in impacts[:3]:
        status = nf.status_label(item.status, language)
        sentence = impact_sentence(item, language=lang)
        change = expected_change(item, language)
        if change:
            sentence = sentence.rstrip(".") + say(
                language, f" (le playbook attendait {change}).", f" (the playbook expected {change})."
            )
        parts.append(
            f"{quoted(item.title, language)} ({status}) : {sentence}"
            if lang == "fr"
            else f"{quoted(item.title, language)} ({status}): {sentence}"
        )
    if len(impacts) > 3:
        parts.append(say(language, f"et {len(impacts) - 3} autres.", f"and {len(impacts) - 3} more."))
    return " ".join(parts), impact_table(found[0], language)
