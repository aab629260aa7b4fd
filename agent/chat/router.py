"""The offline chat router: a French or English question -> the closest tools and their parameters.

Deterministic and explainable: metric synonyms, period words, queue names found in the data, segment words and
intent words (why, compare, themes, frictions, anomalies, examples). Used when no language model is
configured, or when the model fails.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlalchemy import select

from analytics.actions import fold
from store.db import Store
from store.schema import InteractionRow, ThemeRow

METRIC_SYNONYMS: list[tuple[str, str]] = [
    (
        "fcr",
        r"resolution au premier contact|resolu au premier|premier contact|first[- ]contact|fcr|"
        r"resolved (at|on) (the )?first|du premier coup|first time resolution",
    ),
    (
        "repeat_rate",
        r"rappellent|rappeller plusieur|reappel|re-?contact|repeat|appels? repete|"
        r"call(ed|ing)? again|plusieurs fois|several times",
    ),
    ("service_level", r"niveau de service|service level|taux de decroche|answered within"),
    ("first_response", r"premiere reponse|first response|reponse aux (mail|message|courriel)|reply time"),
    ("abandonment", r"abandon|raccroch|hang up|hung up|hangs up"),
    ("engagement", r"rappels? promi|rappel|suivi|follow[- ]?up|callback|call back|engagement"),
    ("csat", r"satisf|csat|note de|notes des patient|rating|score des patient"),
    (
        "response_time",
        r"temps d attente|attente|attendent|delai de reponse|temps de reponse|response time|"
        r"wait|waiting|speed of answer|asa|decroch",
    ),
    ("attrition", r"attrition|patient perdu|ne reviennent pas|lost patient|churn|don t come back"),
    ("aht", r"duree moyenne|duree de traitement|duree des appel|handle time|aht|temps de traitement"),
    (
        "volume",
        r"volume|combien d appel|combien de contact|nombre d appel|nombre de contact|"
        r"how many (call|contact)|calls? did we|charge",
    ),
]
"""Metric -> pattern over the folded question; the first match wins (order matters)."""

DIMENSION_WORDS = {
    "queue": r"par (file|service|queue)|by (queue|department|service)|per (queue|department)",
    "channel": r"par canal|by channel|per channel",
    "hour": r"par heure|by hour|per hour|heure de la journee|time of day",
    "weekday": r"par jour de la semaine|by weekday|by day of (the )?week|quel jour|which day",
    "agent": r"par agent|by agent|per agent|par conseiller",
    "language": r"par langue|by language",
    "theme": r"par (theme|motif|sujet)|by (theme|topic|reason)",
}
CHANNEL_WORDS = {
    "phone": r"telephone|phone|by phone|au tel",
    "chat": r"\bchat\b",
    "email": r"e ?mail|courriel",
    "sms": r"\bsm\b|\bsms\b|texto|text message",
    "portal": r"portail|portal",
}
INTENTS = {
    "why": r"\bpourquoi\b|\bwhy\b|expliqu|explain|\bcause|raison|comment se fait",
    "compare": r"compar|evolu|par rapport|\bvs\b|versus|chang|baiss|hauss|augment|diminu|\bdrop|increas|"
    r"decreas|trend|tendance|\bmieux\b|\bpire\b|better|worse|degrad|ameliore|improv",
    "themes": r"\btheme|\bsujet|\bmotif|topic|reason\b.*\b(call|contact)|main reason|top reason|"
    r"pourquoi les patient (appellent|contactent)|why do patient (call|contact)|de quoi parlent",
    "frictions": r"friction|probleme|difficult|struggl|pain point|bloqu|coince|stuck|problem|irrit",
    "anomalies": r"anomal|inhabituel|unusual|spike|\bpic\b|derive|outlier|bizarre|strange",
    "evidence": r"exemple|example|verbatim|citation|quote|que disent|ce que disent|what do patient say|"
    r"what are patient saying|show me|montre|transcri|se plaign|complain|plainte|parlent de|"
    r"talk about",
}
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
_FRENCH = {
    "le",
    "la",
    "les",
    "des",
    "du",
    "pourquoi",
    "quel",
    "quelle",
    "quels",
    "combien",
    "est",
    "semaine",
    "en",
    "au",
    "aux",
    "sur",
    "montre",
    "moi",
    "dernier",
    "derniere",
    "ce",
    "cette",
    "que",
    "qui",
    "a",
}
_STOP = set(
    "le la les un une des du de d l a au aux en et ou pour par sur dans avec sans ce cette ces est sont ont "
    "quel quelle quels quelles combien pourquoi comment que qui quoi moi nous vous on il elle ils elles "
    "the a an of in on for by to and or is are was were what which how why who show me us our do did does "
    "semaine week mois month dernier derniere last this cette ce patients patient appel appels call calls "
    "dis donne give tell montre".split()
)


@dataclass
class RoutedCall:
    """A tool call chosen by the router."""

    tool: str
    args: dict[str, Any]


@dataclass
class Route:
    """What the router understood and the calls it makes."""

    language: str
    intent: str
    metric: str | None = None
    period: str | None = None
    period_label: str = ""
    queue: str | None = None
    channel: str | None = None
    by: str | None = None
    topic: str = ""
    calls: list[RoutedCall] = field(default_factory=list)


@dataclass
class Vocabulary:
    """What the data knows: queue names, theme labels, the latest day."""

    queues: list[str] = field(default_factory=list)
    themes: dict[str, str] = field(default_factory=dict)
    """Theme id -> its label and keywords."""
    latest: date | None = None


def vocabulary(store: Store, tenant: str) -> Vocabulary:
    """Queue names, theme labels (id -> label) and the latest day of the tenant's data."""
    from sqlalchemy import func

    with store.session() as session:
        queues = [
            q
            for q in session.scalars(
                select(InteractionRow.queue).where(InteractionRow.tenant == tenant).distinct()
            )
            if q
        ]
        themes = dict(
            session.execute(select(ThemeRow.id, ThemeRow.label).where(ThemeRow.tenant == tenant)).all()
        )
        latest = session.scalar(
            select(func.max(InteractionRow.local_date)).where(InteractionRow.tenant == tenant)
        )
    return Vocabulary(queues=sorted(queues), themes=themes, latest=latest)


def _folded(text: str) -> str:
    return " " + " ".join(fold(text)) + " "


def detect_language(question: str) -> str:
    """The question's language (fr or en), from function words."""
    words = fold(question)
    french = sum(w in _FRENCH for w in words)
    return "fr" if french >= max(1, len(words) // 8) or re.search(r"[éèàçùê]", question) else "en"


def _week(day: date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def detect_period(text: str, latest: date | None) -> tuple[str | None, str]:
    """A tool period argument and a readable label for the period words of the question."""
    if match := re.search(r"\b(\d{4}) ?w(\d{1,2})\b", text):
        week = f"{match.group(1)}-W{int(match.group(2)):02d}"
        return week, week
    if match := re.search(r"\b(\d{4}) (\d{2}) (\d{2})\b", text):
        named = f"{match.group(1)}-{match.group(2)}-{match.group(3)}"
        return f"{named}..{named}", named
    if latest is None:
        return None, ""
    monday = latest - timedelta(days=latest.isoweekday() - 1)
    if re.search(r"cette semaine|this week|semaine en cours|current week", text):
        return f"{monday}..{latest}", _week(latest)
    if re.search(r"ce mois|this month|mois en cours", text):
        return f"{latest.replace(day=1)}..{latest}", latest.strftime("%Y-%m")
    if re.search(r"mois dernier|mois precedent|last month|previous month", text):
        end = latest.replace(day=1) - timedelta(days=1)
        return f"{end.replace(day=1)}..{end}", end.strftime("%Y-%m")
    if re.search(r"hier|yesterday", text):
        day = latest - timedelta(days=1)
        return f"{day}..{day}", str(day)
    if re.search(r"aujourd hui|today", text):
        return f"{latest}..{latest}", str(latest)
    if re.search(r"(\d+) dernieres semaines|last (\d+) weeks", text):
        n = int(re.search(r"(\d+)", text).group(1))  # type: ignore[union-attr]
        start = monday - timedelta(days=7 * n)
        return f"{start}..{monday - timedelta(days=1)}", f"{n} weeks"
    return None, "current"  # the conversation's period: the last complete week


def _queue(text: str, queues: list[str]) -> str | None:
    for queue in sorted(queues, key=len, reverse=True):
        folded = " ".join(fold(queue))
        if f" {folded} " in text or (len(folded) > 6 and f" {folded[:6]}" in text):
            return queue
    return None


def _theme(topic: str, themes: dict[str, str]) -> str | None:
    """The theme whose label and keywords share the most topic words (at least one long word)."""
    words = {w for w in topic.split() if len(w) > 4}
    best, best_hits = None, 0
    for theme_id, text in sorted(themes.items()):
        hits = len(words & set(fold(text)))
        if hits > best_hits:
            best, best_hits = theme_id, hits
    return best


def _topic(text: str, consumed: list[str]) -> str:
    for pattern in consumed:
        text = re.sub(pattern, " ", text)
    words = [w for w in text.split() if w not in _STOP and len(w) > 2 and not w.isdigit()]
    return " ".join(words[:8])


def route(question: str, vocab: Vocabulary) -> Route:
    """The tools (and parameters) that answer a question, without a language model."""
    text = _folded(question)
    language = detect_language(question)
    metric = next((name for name, pattern in METRIC_SYNONYMS if re.search(pattern, text)), None)
    period, label = detect_period(text, vocab.latest)
    queue = _queue(text, vocab.queues)
    channel = next((name for name, p in CHANNEL_WORDS.items() if re.search(p, text)), None)
    by = next((name for name, p in DIMENSION_WORDS.items() if re.search(p, text)), None)
    intents = {name for name, pattern in INTENTS.items() if re.search(pattern, text)}
    consumed = [p for _, p in METRIC_SYNONYMS] + list(INTENTS.values()) + list(DIMENSION_WORDS.values())
    topic = _topic(text, consumed + ([" ".join(fold(queue))] if queue else []))
    filters: dict[str, Any] = {}
    if queue:
        filters["queue"] = queue
    theme = _theme(topic, vocab.themes) if metric else None
    if theme:
        filters["theme"] = theme
    if channel:
        filters["channel"] = channel
    result = Route(
        language=language,
        intent="",
        metric=metric,
        period=period,
        period_label=label,
        queue=queue,
        channel=channel,
        by=by,
        topic=topic,
    )
    search_filters = {k: v for k, v in filters.items() if k != "theme"} | {"speaker": "patient"}
    if metric and "why" in intents:
        result.intent = "why"
        result.calls = [
            RoutedCall("compare_periods", {"metric": metric, "period": period, "by": by or "queue"}),
            RoutedCall(
                "kpi_query",
                {
                    "metric": metric,
                    "period": period,
                    "by": "theme" if queue else "queue",
                    "filters": filters or None,
                },
            ),
            RoutedCall(
                "search_transcripts",
                {
                    "query": (topic + " " + EVIDENCE_QUERIES[metric]).strip() or question,
                    "k": 5,
                    "filters": search_filters,
                    "period": period,
                },
            ),
        ]
    elif metric and "compare" in intents:
        result.intent = "compare"
        result.calls = [
            RoutedCall(
                "compare_periods",
                {"metric": metric, "period": period, "by": by or ("queue" if queue else None)},
            )
        ]
        if queue or channel:
            result.calls.append(
                RoutedCall("kpi_query", {"metric": metric, "period": period, "by": by, "filters": filters})
            )
    elif metric and not ({"evidence", "frictions", "anomalies"} & intents):
        result.intent = "measure"
        result.calls = [
            RoutedCall(
                "kpi_query", {"metric": metric, "period": period, "by": by, "filters": filters or None}
            )
        ]
    elif "anomalies" in intents:
        result.intent = "anomalies"
        result.calls = [RoutedCall("find_anomalies", {"period": period})]
    elif "frictions" in intents and "evidence" not in intents:
        result.intent = "frictions"
        result.calls = [RoutedCall("list_frictions", {"period": period})]
    elif "themes" in intents and "evidence" not in intents:
        result.intent = "themes"
        result.calls = [RoutedCall("list_themes", {"period": period})]
    else:
        result.intent = "evidence"
        query = topic or (EVIDENCE_QUERIES.get(metric or "", "") if metric else "") or question
        result.calls = [
            RoutedCall(
                "search_transcripts",
                {"query": query, "k": 8, "filters": search_filters, "period": period or "all"},
            )
        ]
    return result
