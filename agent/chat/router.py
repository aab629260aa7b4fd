"""The offline chat router: a French or English question → an intent, its slots, and the tool calls to make.

Deterministic and explainable. `agent.chat.entities` reads the metric, segment, period, top N, status, owner
and claimed change; the intent comes from the question's words in a fixed order (actions, help, search, one
theme, anomalies, emerging themes, then KPI questions, frictions, themes). Used when no language model is
configured, or when the model fails; the answer is then written by `agent.chat.answers`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import func, select

from agent.chat import entities as e
from agent.chat.intents import INTENTS, intent_of
from agent.chat.periods import PERIODS, compare_periods, periods_of, resolve_period
from store.db import Store
from store.schema import InteractionRow, ThemeRow

HEADLINE = ("fcr", "csat", "response_time", "abandonment", "volume")
"""KPIs compared when a question asks what changed without naming one."""
TREND_WEEKS = 8

SEARCH_DEFAULT_K = 8
_STOP = set(
    "le la les un une des du de d l a au aux en et ou pour par sur dans avec sans ce cette ces est sont ont "
    "quel quelle quels quelles combien pourquoi comment que qui quoi moi nous vous on il elle ils elles "
    "the a an of in on for by to and or is are was were what which how why who show me us our do did does "
    "semaine week mois month dernier derniere last this cette ce patients patient appel appels call calls "
    "dis donne give tell montre trouve find disent racontent say saying about parle parlent verbatims "
    "verbatim exemples exemple examples example quotes quote citations sujet theme thing things moi svp "
    "what know we c est quoi plus more details detail friction parle ma mon mes tell complaining complain "
    "plaignent se qui ou un une lors when where there their they people gens s t y j".split()
)


@dataclass
class RoutedCall:
    """A tool call chosen by the router."""

    tool: str
    args: dict[str, Any]


@dataclass
class Route:
    """What the router understood (intent and canonical slots) and the tool calls that answer it."""

    language: str
    intent: str
    slots: dict[str, Any] = field(default_factory=dict)
    calls: list[RoutedCall] = field(default_factory=list)
    periods: dict[str, str] = field(default_factory=dict)
    """Period token → the tool argument it resolved to (e.g. last_week → 2026-W48)."""
    topic: str = ""
    """The searched topic as the manager wrote it (accents kept), for the answer."""


@dataclass
class Vocabulary:
    """What the data knows: queue names, theme labels, the latest day."""

    queues: list[str] = field(default_factory=list)
    themes: dict[str, str] = field(default_factory=dict)
    """Theme id -> its label and keywords."""
    latest: date | None = None


def vocabulary(store: Store, tenant: str) -> Vocabulary:
    """Queue names, theme labels with their keywords (id -> text) and the latest day of the tenant's data."""
    with store.session() as session:
        queues = session.scalars(
            select(InteractionRow.queue).where(InteractionRow.tenant == tenant).distinct()
        ).all()
        themes = {
            theme_id: f"{label} {' '.join(keywords or [])}"
            for theme_id, label, keywords in session.execute(
                select(ThemeRow.id, ThemeRow.label, ThemeRow.keywords).where(ThemeRow.tenant == tenant)
            ).all()
        }
        latest = session.scalar(
            select(func.max(InteractionRow.local_date)).where(InteractionRow.tenant == tenant)
        )
    return Vocabulary(queues=sorted(q for q in queues if q), themes=themes, latest=latest)


def detect_language(question: str) -> str:
    """The question's language (fr or en)."""
    return e.detect_language(question)


_PLACE = r"(en|au|aux|dans|in|at|for|pour|file|service|queue|department|du service|de la file|chez)"
"""Words that put a queue name in place ("en radiologie", "in radiology"): a queue named "résultats" is not
meant in "les résultats d'analyse"."""


def _queue(text: str, queues: list[str]) -> str | None:
    """A queue of the data the question places itself in, named in French or through its English gloss."""
    from analytics.glossary import load_glossary
    from core.settings import get_settings

    glossary = load_glossary(get_settings().glossary_path)  # the hospital's own glossary when it set one
    for queue in sorted(queues, key=len, reverse=True):
        names = {e.fold(queue)}
        english = glossary.gloss(queue)
        if english:
            names.add(e.fold(english))
        for name in names:
            stem = re.escape(name if len(name) <= 6 else name[:6]) + (r"\w*" if len(name) > 6 else r"\b")
            if re.search(rf"\b{_PLACE} (la |le |l |the )?{stem}|\b{stem} (queue|department|service)\b", text):
                return queue
    return None


def _theme(topic: str, themes: dict[str, str]) -> str | None:
    """The theme whose label and keywords share the most topic words (at least one word of 4+ letters)."""
    words = {w[:6] for w in topic.split() if len(w) >= 4}
    best, best_hits = None, 0
    for theme_id, text in sorted(themes.items()):
        hits = len(words & {w[:6] for w in e.fold(text).split()})
        if hits > best_hits:
            best, best_hits = theme_id, hits
    return best


def _topic(text: str, consumed: list[str]) -> str:
    for pattern in consumed:
        text = re.sub(pattern, " ", text)
    words = [w for w in text.split() if w not in _STOP and (len(w) > 2 or w.isdigit())]
    return " ".join(words[:8])


IMPACT_VERBS = (
    r"\b(a t elle|a t il|ont elles|ont ils|est ce que|ca|cela|elle|il|did|does|has|have|it|they|bien|"
    r"work|worked|help|helped|pay off|paid off|make a difference|had an effect|have an effect|"
    r"marche|fonctionne|servi|eu un effet|un effet|porte ses fruits|ete efficace|impact|effet|mesure|"
    r"measured|actual|real|actions?|mesures?|what|is|our|notre|nos|quel|quelle|est|new|nouvelle?|"
    r"nouveau)\b"
)
"""The words of a "did it work?" question that are not the action's own."""


def route(question: str, vocab: Vocabulary) -> Route:
    """The intent, slots and tool calls that answer a question, without a language model."""
    text = e.normalise(question)
    language = e.detect_language(question)
    metric = e.metric_of(text)
    by = e.dimension_of(text)
    intent = intent_of(text, metric, by)
    slots: dict[str, Any] = {}
    if metric and intent not in (
        "actions",
        "action_impact",
        "help",
        "frictions_top",
        "themes_top",
        "themes_emerging",
        "search",
    ):
        slots["metric"] = metric
    if by and intent == "kpi_breakdown":
        slots["by"] = by
    filters = _filters(text, vocab, intent)
    if filters:
        slots["filters"] = filters
    periods = periods_of(text)
    if intent == "compare_periods":
        current, reference = compare_periods(periods)
        if current:
            slots["period"] = current
        slots["reference"] = reference
    elif periods:
        slots["period"] = periods[0]
    if intent in ("actions", "frictions_top", "themes_top") and (top := e.top_of(text)):
        slots["top"] = top
    if intent == "actions":
        if status := e.status_of(text):
            slots["status"] = status
        if owner := e.owner_of(text):
            slots["owner"] = owner
    if intent == "kpi_why" and (claim := e.claim_of(text)):
        slots["claim"] = claim
    if intent == "action_impact":  # the action's words: what is left once the question's verbs are gone
        slots["topic"] = _topic(text, [IMPACT_VERBS, *(p for _, p in PERIODS)])
    if intent in ("search", "theme_details"):
        consumed = [p for _, p in INTENTS] + [p for _, p in PERIODS]
        consumed += [p for name, p in e.CHANNELS if name == filters.get("channel")]
        consumed += [rf"\b{re.escape(e.fold(q))}\w*" for q in filters.values() if isinstance(q, str)]
        slots["topic"] = _topic(text, consumed)
    topic = slots.get("topic", "")
    if intent == "kpi_why":  # words that are no queue of the data ("en cardiologie") are searched for
        consumed = [p for _, p in e.METRICS] + [p for _, p in e.CLAIMS] + [p for _, p in PERIODS]
        consumed += [r"\bpourquoi\b|\bwhy\b|comment expliquer|what explains|\bexplique\w*"]
        consumed += [rf"\b{re.escape(e.fold(q))}\w*" for q in filters.values() if isinstance(q, str)]
        topic = _topic(text, consumed)
    result = Route(language=language, intent=intent, slots=slots, topic=_as_written(topic, question))
    result.calls = _calls(result, vocab)
    return result


def _as_written(topic: str, question: str) -> str:
    """The topic's words as the question spells them ("portail reservation" → "portail réservation")."""
    written: dict[str, str] = {}
    for raw in re.findall(r"[^\W_]+", question):
        written.setdefault(e.fold(raw), raw.lower() if not raw.isupper() else raw)
    return " ".join(written.get(word, word) for word in topic.split())


def _filters(text: str, vocab: Vocabulary, intent: str) -> dict[str, Any]:
    if intent in (
        "help",
        "actions",
        "action_impact",
        "themes_top",
        "themes_emerging",
        "frictions_top",
        "theme_details",
    ):
        return {}
    filters: dict[str, Any] = {}
    if queue := _queue(text, vocab.queues):
        filters["queue"] = queue
    if (channel := e.channel_of(text)) and not re.search(
        r"par canal|by channel|which channel|quel canal", text
    ):
        filters["channel"] = channel
    if intent != "search" and (day := e.weekday_of(text)):
        filters["weekday"] = day
    return filters


def _calls(result: Route, vocab: Vocabulary) -> list[RoutedCall]:
    slots, intent = result.slots, result.intent
    latest = vocab.latest
    period = resolve_period(slots.get("period"), latest)
    if slots.get("period") and period:
        result.periods[slots["period"]] = period
    metric = slots.get("metric")
    filters = slots.get("filters") or None
    if intent == "actions":
        return [
            RoutedCall(
                "list_actions",
                {"status": slots.get("status"), "owner": slots.get("owner"), "limit": slots.get("top")},
            )
        ]
    if intent == "action_impact":
        return [RoutedCall("action_impact", {"topic": slots.get("topic") or None})]
    if intent == "kpi_value":
        return [RoutedCall("kpi_query", {"metric": metric, "period": period, "filters": filters})]
    if intent == "kpi_trend":
        span = period or resolve_period(f"weeks:{TREND_WEEKS}", latest)
        return [
            RoutedCall(
                "kpi_query", {"metric": metric, "period": span, "interval": "week", "filters": filters}
            )
        ]
    if intent == "kpi_breakdown":
        return [
            RoutedCall(
                "kpi_query", {"metric": metric, "period": period, "by": slots.get("by"), "filters": filters}
            )
        ]
    if intent == "kpi_baseline":
        return [RoutedCall("compare_periods", {"metric": metric, "period": period})]
    if intent == "kpi_why":
        segment = "queue" if not filters or "queue" in filters else "theme"
        search_filters = {k: v for k, v in (filters or {}).items() if k in ("queue", "channel")}
        return [
            RoutedCall("compare_periods", {"metric": metric, "period": period}),
            RoutedCall("compare_periods", {"metric": metric, "period": period, "by": segment}),
            RoutedCall(
                "search_transcripts",
                {
                    "query": f"{result.topic} {EVIDENCE_QUERIES.get(metric or '', '')}".strip() or metric,
                    "k": 5,
                    "filters": search_filters | {"speaker": "patient"},
                    "period": period,
                },
            ),
        ]
    if intent == "compare_periods":
        reference = resolve_period(slots.get("reference"), latest, before=period)
        if reference == period and slots.get(
            "reference"
        ):  # "this week vs last week" when both are the last week
            reference = resolve_period("previous_week", latest, before=period)
        if slots.get("reference") and reference:
            result.periods[slots["reference"]] = reference
        metrics = [metric] if metric else list(HEADLINE)
        return [
            RoutedCall("compare_periods", {"metric": m, "period": period, "baseline": reference})
            for m in metrics
        ]
    if intent == "frictions_top":
        return [RoutedCall("list_frictions", {"period": period})]
    if intent in ("themes_top", "themes_emerging"):
        return [RoutedCall("list_themes", {"period": period})]
    if intent == "anomalies":
        return [RoutedCall("find_anomalies", {"period": period})]
    if intent == "theme_details":
        theme = _theme(slots.get("topic", ""), vocab.themes)
        if theme:
            return [RoutedCall("theme_details", {"theme_id": theme})]
        intent = "search"
    if intent == "search":
        topic = slots.get("topic") or ""
        search_filters = {k: v for k, v in (filters or {}).items() if k in ("queue", "channel")}
        return (
            [
                RoutedCall(
                    "search_transcripts",
                    {
                        "query": topic,
                        "k": SEARCH_DEFAULT_K,
                        "filters": search_filters | {"speaker": "patient"},
                        "period": period or "all",
                    },
                )
            ]
            if topic
            else []
        )
    return []


EVIDENCE_QUERIES = {
    "fcr": "rappelle encore toujours pas réglé troisième fois call again still not resolved",
    "repeat_rate": "troisième fois que j'appelle déjà appelé third time calling again",
    "csat": "mécontent pas satisfait inadmissible unhappy not satisfied",
    "response_time": "attente personne ne répond attendu longtemps wait on hold nobody answers",
    "service_level": "attente personne ne répond wait on hold",
    "first_response": "pas de réponse à mon message no reply to my email",
    "abandonment": "raccroché attente trop longue hung up waited too long",
    "engagement": "personne ne m'a rappelé promis de rappeler never called back promised",
    "attrition": "je vais aller ailleurs changer d'hôpital go elsewhere",
    "aht": "long appel transféré plusieurs fois transferred several times",
    "volume": "",
}
"""What patients say when a KPI goes wrong (the evidence search of a 'why' question)."""
