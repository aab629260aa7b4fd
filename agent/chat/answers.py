"""The assistant's answer: one sentence in the question's language, a small table, cited evidence, the steps.

Offline, the sentence is written from the tool artifacts of the routed intent (`kpi_answers`,
`finding_answers`); a question built on a false premise is corrected ("le FCR n'a pas baissé : +6,1 pts").
With a model, the model writes the sentence and the table, evidence and steps come from the same artifacts
(`reply_for_model`), so both answers have the same shape.
"""

from __future__ import annotations

from collections.abc import Callable

from agent.chat import finding_answers as findings
from agent.chat import impact_answers
from agent.chat import kpi_answers as kpis
from agent.chat.phrasing import Answer, say
from agent.chat.router import Route
from agent.chat.state import ChatReply
from agent.chat.tables import ToolResult, evidence_of, render_text, step_words, table_for

SUGGESTIONS = {
    "fr": [
        "Quelles sont les 3 actions prioritaires ?",
        "Quel est le temps d'attente cette semaine ?",
        "Quelle file a le plus d'abandons ?",
        "Pourquoi le FCR a-t-il baissé ?",
        "Que disent les patients du portail de rendez-vous ?",
        "Y a-t-il des sujets émergents ?",
    ],
    "en": [
        "What are the top 3 actions?",
        "What is the average wait this week?",
        "Which queue has the most abandoned calls?",
        "Why did first-contact resolution drop?",
        "What are patients saying about the booking portal?",
        "Any emerging topics?",
    ],
}
"""Questions shown on an empty conversation and in answer to 'what can you do?'."""
WITH_EVIDENCE = ("search", "theme_details", "kpi_why", "frictions_top", "actions")
"""Intents whose answer quotes patients."""


def help_sentence(language: str) -> str:
    """What the assistant answers, in one sentence."""
    return say(
        language,
        "Je réponds aux questions sur les actions (et leur impact mesuré), les indicateurs (valeur, "
        "évolution, par file, canal, heure ou agent, comparaison entre périodes), les frictions, les thèmes "
        "et ce que disent les patients.",
        "I answer questions about actions (and their measured impact), KPIs (value, trend, by queue, "
        "channel, hour or agent, comparing periods), frictions, themes and what patients say.",
    )


def _builders(question: str, route: Route, results: list[ToolResult]) -> dict[str, Callable[[], Answer]]:
    language = route.language
    return {
        "actions": lambda: findings.actions(route, results, language),
        "action_impact": lambda: impact_answers.impact(route, results, language),
        "kpi_value": lambda: kpis.kpi_value(route, results, language),
        "kpi_trend": lambda: kpis.kpi_trend(route, results, language),
        "kpi_breakdown": lambda: kpis.kpi_breakdown(route, results, language, question),
        "kpi_baseline": lambda: kpis.kpi_baseline(route, results, language),
        "kpi_why": lambda: kpis.kpi_why(route, results, language),
        "compare_periods": lambda: kpis.compare(route, results, language),
        "frictions_top": lambda: findings.frictions(route, results, language),
        "themes_top": lambda: findings.themes(route, results, language, emerging=False),
        "themes_emerging": lambda: findings.themes(route, results, language, emerging=True),
        "theme_details": lambda: findings.theme(route, results, language),
        "search": lambda: findings.search(route, results, language),
        "anomalies": lambda: findings.anomalies(route, results, language),
    }


def compose(question: str, route: Route, results: list[ToolResult]) -> ChatReply:
    """The offline answer to a routed question, from its tool results."""
    language = route.language
    errors = [
        str(r.artifact.get("error")) for r in results if r.artifact and r.artifact.get("kind") == "error"
    ]
    table = None
    suggestions: list[str] = []
    if route.intent == "help" or not results:
        sentence, suggestions = help_sentence(language), SUGGESTIONS[language]
    elif len(errors) == len(results):
        sentence = say(language, f"Je n'ai pas pu répondre : {errors[0]}", f"I could not answer: {errors[0]}")
    else:
        sentence, table = _builders(question, route, results)[route.intent]()
    evidence = evidence_of(results) if route.intent in WITH_EVIDENCE else []
    return ChatReply(
        intent=route.intent,
        language=language,
        slots=route.slots,
        sentence=sentence,
        table=table,
        evidence=evidence,
        details=[step_words(r, language) for r in results],
        suggestions=suggestions,
        text=render_text(sentence, table, evidence, language, suggestions),
    )


def reply_for_model(text: str, results: list[ToolResult], language: str) -> ChatReply:
    """The model's answer in the same shape: its words, then the table and evidence of the tools it called."""
    table = None
    for result in reversed(results):
        table = table_for(result.artifact, language)
        if table:
            break
    evidence = evidence_of(results)
    return ChatReply(
        intent="llm",
        language=language,
        sentence=text.strip(),
        table=table,
        evidence=evidence,
        details=[step_words(r, language) for r in results],
        text=render_text(text.strip(), table, evidence, language),
    )
