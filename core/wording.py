"""Words and numbers for French or English readers.

KPI, channel, status and signal names; numbers, durations, deltas and dates in the reader's locale. The
report, the web app and the chat all use them, so a number reads the same everywhere.
"""

from __future__ import annotations

import math
from datetime import date
from typing import Any

NNBSP = "\u202f"
"""Narrow no-break space: French thousands separator and the space before % and units."""

METRICS: dict[str, dict[str, str]] = {
    "response_time": {"kind": "seconds", "better": "lower", "fr": "Temps de réponse", "en": "Response time"},
    "service_level": {"kind": "share", "better": "higher", "fr": "Niveau de service", "en": "Service level"},
    "first_response": {
        "kind": "seconds",
        "better": "lower",
        "fr": "Première réponse (écrit)",
        "en": "First response (async)",
    },
    "fcr": {
        "kind": "share",
        "better": "higher",
        "fr": "Résolution au premier contact",
        "en": "First-contact resolution",
    },
    "csat": {"kind": "share", "better": "higher", "fr": "Satisfaction (CSAT)", "en": "Satisfaction (CSAT)"},
    "engagement": {"kind": "share", "better": "higher", "fr": "Rappels tenus", "en": "Follow-ups kept"},
    "attrition": {"kind": "share", "better": "lower", "fr": "Attrition", "en": "Attrition"},
    "abandonment": {"kind": "share", "better": "lower", "fr": "Abandons", "en": "Abandonment"},
    "volume": {"kind": "count", "better": "none", "fr": "Volume", "en": "Volume"},
    "aht": {
        "kind": "seconds",
        "better": "none",
        "fr": "Durée moyenne de traitement",
        "en": "Average handle time",
    },
    "repeat_rate": {"kind": "share", "better": "lower", "fr": "Recontacts", "en": "Repeat contacts"},
}

NOUNS: dict[str, dict[str, str]] = {
    "response_time": {"fr": "le temps d'attente moyen", "en": "the average wait"},
    "service_level": {"fr": "le niveau de service", "en": "the service level"},
    "first_response": {"fr": "le délai de première réponse écrite", "en": "the first written reply time"},
    "fcr": {"fr": "la résolution au premier contact (FCR)", "en": "first-contact resolution (FCR)"},
    "csat": {"fr": "la satisfaction (CSAT)", "en": "satisfaction (CSAT)"},
    "engagement": {"fr": "la part de rappels tenus", "en": "the share of follow-ups kept"},
    "attrition": {"fr": "l'attrition", "en": "attrition"},
    "abandonment": {"fr": "le taux d'abandon", "en": "the abandonment rate"},
    "volume": {"fr": "le volume de contacts", "en": "the contact volume"},
    "aht": {"fr": "la durée moyenne de traitement", "en": "the average handle time"},
    "repeat_rate": {"fr": "le taux de recontact", "en": "the repeat-contact rate"},
}
"""KPI names inside a sentence, with their article."""

CHANNELS: dict[str, dict[str, str]] = {
    "phone": {"fr": "téléphone", "en": "phone"},
    "chat": {"fr": "chat", "en": "chat"},
    "email": {"fr": "e-mail", "en": "e-mail"},
    "sms": {"fr": "SMS", "en": "SMS"},
    "portal": {"fr": "portail", "en": "portal"},
    "voicebot": {"fr": "serveur vocal", "en": "voicebot"},
    "other": {"fr": "autre", "en": "other"},
}
DIMENSIONS: dict[str, dict[str, str]] = {
    "queue": {"fr": "file", "en": "queue"},
    "channel": {"fr": "canal", "en": "channel"},
    "hour": {"fr": "heure", "en": "hour"},
    "weekday": {"fr": "jour", "en": "day"},
    "agent": {"fr": "agent", "en": "agent"},
    "language": {"fr": "langue", "en": "language"},
    "theme": {"fr": "thème", "en": "theme"},
    "direction": {"fr": "sens", "en": "direction"},
    "week": {"fr": "semaine", "en": "week"},
}
STATUSES: dict[str, dict[str, str]] = {
    "proposed": {"fr": "proposée", "en": "proposed"},
    "accepted": {"fr": "acceptée", "en": "accepted"},
    "in_progress": {"fr": "en cours", "en": "in progress"},
    "done": {"fr": "réalisée", "en": "done"},
    "rejected": {"fr": "rejetée", "en": "rejected"},
}
ANALYSIS_STATUSES: dict[str, dict[str, str]] = {
    "pending": {"fr": "en attente", "en": "pending"},
    "running": {"fr": "en cours", "en": "running"},
    "done": {"fr": "terminée", "en": "done"},
    "failed": {"fr": "échouée", "en": "failed"},
}
SPEAKERS: dict[str, dict[str, str]] = {
    "patient": {"fr": "patient", "en": "patient"},
    "agent": {"fr": "conseiller", "en": "agent"},
    "bot": {"fr": "robot", "en": "bot"},
    "system": {"fr": "système", "en": "system"},
}
EFFORTS: dict[str, dict[str, str]] = {
    "S": {"fr": "faible", "en": "small"},
    "M": {"fr": "moyen", "en": "medium"},
    "L": {"fr": "important", "en": "large"},
}
WEEKDAYS = {
    "fr": ["lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"],
    "en": ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"],
}
LANGUAGES = {"fr": {"fr": "français", "en": "French"}, "en": {"fr": "anglais", "en": "English"}}


def lang(language: str | None) -> str:
    """The language code for words and numbers: fr for French, en for anything else."""
    return "fr" if (language or "").lower().startswith("fr") else "en"


def _word(table: dict[str, dict[str, str]], key: Any, language: str) -> str:
    entry = table.get(str(key))
    return entry[lang(language)] if entry else str(key).replace("_", " ")


def metric_noun(metric: str, language: str) -> str:
    """A KPI name inside a sentence ("la satisfaction (CSAT)", "the average wait")."""
    return _word(NOUNS, metric, language)


def channel_label(channel: str, language: str) -> str:
    """A channel in words ("téléphone", "e-mail")."""
    return _word(CHANNELS, channel, language)


def dimension_label(dimension: str, language: str) -> str:
    """A segment dimension in words ("file", "canal", "heure")."""
    return _word(DIMENSIONS, dimension, language)


def status_label(status: str, language: str) -> str:
    """An action status in words ("en cours")."""
    return _word(STATUSES, status, language)


def word(kind: str, key: Any, language: str) -> str:
    """A name of one kind (channel, speaker, analysis_status, status, dimension, effort) in the language."""
    tables = {
        "channel": CHANNELS,
        "speaker": SPEAKERS,
        "analysis_status": ANALYSIS_STATUSES,
        "status": STATUSES,
        "dimension": DIMENSIONS,
        "effort": EFFORTS,
    }
    return _word(tables[kind], key, language)


def effort_label(effort: str, language: str) -> str:
    """An effort S/M/L in words ("faible", "moyen", "important")."""
    return _word(EFFORTS, effort, language)


def segment_value(dimension: str, value: Any, language: str) -> str:
    """One segment value for a reader: hours as '8 h', weekdays by name, channels and languages in words."""
    if dimension == "hour" and isinstance(value, int):
        return f"{value}{NNBSP}h" if lang(language) == "fr" else f"{value}:00"
    if dimension == "hours" and isinstance(value, list) and value:
        low, high = min(value), max(value) + 1
        return f"{low}–{high}{NNBSP}h" if lang(language) == "fr" else f"{low}:00–{high}:00"
    if dimension == "weekday" and isinstance(value, int) and 1 <= value <= 7:
        return WEEKDAYS[lang(language)][value - 1]
    if dimension == "channel":
        return channel_label(str(value), language)
    if dimension == "language":
        return _word(LANGUAGES, value, language)
    return str(value)


def segment_text(segment: dict[str, Any], language: str = "fr") -> str:
    """A segment for a reader: 'radiologie · lundi · 8–10 h'."""
    return " · ".join(segment_value(name, value, language) for name, value in segment.items())


_MONTHS_FR = [
    "janv.",
    "févr.",
    "mars",
    "avr.",
    "mai",
    "juin",
    "juil.",
    "août",
    "sept.",
    "oct.",
    "nov.",
    "déc.",
]
_MONTHS_EN = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]


def metric_label(metric: str, language: str) -> str:
    """A readable KPI name."""
    meta = METRICS.get(metric)
    return meta[language if language in ("fr", "en") else "en"] if meta else metric.replace("_", " ")


def metric_kind(metric: str, unit: str | None = None) -> str:
    """share, seconds or count."""
    if unit in ("share", "seconds", "count"):
        return unit
    return METRICS.get(metric, {}).get("kind", "count")


def number(value: float | None, language: str, digits: int = 0) -> str:
    """A number with the locale's thousands and decimal separators ('1 234,5' or '1,234.5')."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    text = f"{value:,.{digits}f}"
    if language == "fr":
        text = text.replace(",", "\x00").replace(".", ",").replace("\x00", NNBSP)
    return text.replace("-", "−")


def percent(value: float | None, language: str, digits: int = 1) -> str:
    """A 0..1 share as '71,3 %' (fr) or '71.3%' (en)."""
    if value is None:
        return "–"
    body = number(value * 100, language, digits)
    return f"{body}{NNBSP}%" if language == "fr" else f"{body}%"


def duration(seconds: float | None, language: str) -> str:
    """Seconds as '45 s' or '5 min 12 s'."""
    if seconds is None:
        return "–"
    total = int(round(seconds))
    if abs(total) < 120:
        return f"{number(total, language)}{NNBSP}s"
    sign = "−" if total < 0 else ""
    if abs(total) >= 3 * 3600:
        hours, rest = divmod(abs(total), 3600)
        return f"{sign}{number(hours, language)}{NNBSP}h{NNBSP}{rest // 60:02d}"
    minutes, secs = divmod(abs(total), 60)
    return f"{sign}{number(minutes, language)}{NNBSP}min{NNBSP}{secs:02d}{NNBSP}s"


def kpi_value(metric: str, value: float | None, language: str, unit: str | None = None) -> str:
    """A KPI value in its natural unit."""
    kind = metric_kind(metric, unit)
    if kind == "share":
        return percent(value, language)
    if kind == "seconds":
        return duration(value, language)
    return number(value, language, 0 if value is None or float(value).is_integer() else 1)


def kpi_delta(metric: str, delta: float | None, language: str, unit: str | None = None) -> str:
    """A change: percentage points for shares ('−7,0 pts'), seconds or counts otherwise, always signed."""
    if delta is None:
        return "–"
    kind = metric_kind(metric, unit)
    sign = "+" if delta > 0 else ""
    if kind == "share":
        return f"{sign}{number(delta * 100, language, 1)}{NNBSP}pts"
    if kind == "seconds":
        return f"{sign}{duration(delta, language)}"
    return f"{sign}{number(delta, language, 0)}"


def impact_delta(metric: str, delta: float | None, language: str) -> str:
    """An action's expected change: points for shares, time for seconds, a share of contacts for volume."""
    if delta is None:
        return "–"
    if metric_kind(metric) == "count":  # playbook volume effects are relative: −0.05 = 5 % fewer contacts
        sign = "+" if delta > 0 else ""
        return f"{sign}{percent(delta, language, 0)}"
    return kpi_delta(metric, delta, language)


def trend(metric: str, delta: float | None, p_value: float | None = None) -> str:
    """better, worse or flat (flat when unchanged or not significant at 5 %)."""
    better = METRICS.get(metric, {}).get("better", "none")
    if delta is None or delta == 0 or better == "none" or (p_value is not None and p_value >= 0.05):
        return "flat"
    improving = delta > 0 if better == "higher" else delta < 0
    return "better" if improving else "worse"


def p_value(value: float | None, language: str) -> str:
    """'p = 0,003' or 'p < 0,001'."""
    if value is None:
        return ""
    if value < 0.001:
        return f"p{NNBSP}<{NNBSP}{number(0.001, language, 3)}"
    return f"p{NNBSP}={NNBSP}{number(value, language, 3)}"


def interval(metric: str, ci: list[float] | None, language: str, unit: str | None = None) -> str:
    """A 95 % interval as '[69,0 % – 73,0 %]'."""
    if not ci or len(ci) != 2:
        return ""
    return f"[{kpi_value(metric, ci[0], language, unit)} – {kpi_value(metric, ci[1], language, unit)}]"


def day(value: date, language: str) -> str:
    """'16 nov. 2026' or '16 Nov 2026'."""
    months = _MONTHS_FR if language == "fr" else _MONTHS_EN
    return f"{value.day} {months[value.month - 1]} {value.year}"


SIGNALS: dict[str, dict[str, str]] = {
    "csat": {"fr": "CSAT (4–5)", "en": "CSAT (4–5)"},
    "fcr": {"fr": "FCR", "en": "FCR"},
    "repeat_rate": {"fr": "Recontacts", "en": "Repeat contacts"},
    "abandonment": {"fr": "Abandons", "en": "Abandonment"},
    "wait_p90_s": {"fr": "Attente p90", "en": "Wait p90"},
    "aht_s": {"fr": "Durée moyenne de traitement", "en": "Average handle time"},
    "effort_share": {"fr": "Verbatims d'effort", "en": "Effort phrases"},
    "csat_gap": {"fr": "Écart CSAT", "en": "CSAT gap"},
    "fcr_gap": {"fr": "Écart FCR", "en": "FCR gap"},
    "aht_gap": {"fr": "Écart de durée de traitement", "en": "Handle time gap"},
    "engagement_gap": {"fr": "Écart de rappels tenus", "en": "Follow-ups kept gap"},
    "growth": {"fr": "Croissance", "en": "Growth"},
    "p_value": {"fr": "Significativité", "en": "Significance"},
    "emerging": {"fr": "Émergente", "en": "Emerging"},
    "effort": {"fr": "Verbatims d'effort", "en": "Effort phrases"},
    "wait": {"fr": "Attente", "en": "Wait"},
    "volume": {"fr": "Volume", "en": "Volume"},
    "engagement": {"fr": "Rappels tenus", "en": "Follow-ups kept"},
    "aht": {"fr": "Durée de traitement", "en": "Handle time"},
    "transfer": {"fr": "Transferts", "en": "Transfers"},
}
"""Friction signals shown to managers, in this order, with their readable names."""
ACTION_SIGNALS: dict[str, dict[str, str]] = {
    "emerging": {"fr": "sujet nouveau qui monte", "en": "a new, growing topic"},
    "repeat_rate": {"fr": "patients qui rappellent", "en": "patients calling back"},
    "fcr": {"fr": "demandes non résolues au premier contact", "en": "requests not solved at first contact"},
    "wait": {"fr": "attente longue", "en": "long waits"},
    "abandonment": {"fr": "appels abandonnés", "en": "abandoned calls"},
    "csat": {"fr": "satisfaction basse", "en": "low satisfaction"},
    "effort": {"fr": "patients qui disent leurs efforts", "en": "patients describing extra effort"},
    "engagement": {"fr": "rappels promis non tenus", "en": "follow-ups not kept"},
    "volume": {"fr": "forte demande", "en": "high demand"},
    "aht": {"fr": "appels longs à traiter", "en": "long handling times"},
    "transfer": {"fr": "transferts fréquents", "en": "frequent transfers"},
}
"""The friction signals an action answers, as words in a sentence (the why of an action)."""


def action_signal(name: str, language: str) -> str:
    """A signal an action answers, in words ("patients qui rappellent", "long waits")."""
    return _word(ACTION_SIGNALS, name, language)


SHARE_SIGNALS = ("csat", "fcr", "repeat_rate", "abandonment", "effort_share")
HIDDEN_SIGNALS = frozenset(
    {"severity", "trend", "baseline_weekly", "too_few", "score", "findings", "steps", "worse", "anomalies"}
)
"""Internal figures of the score (kept in the JSON, not shown)."""


def signal_rows(signals: dict[str, object], language: str) -> list[tuple[str, str]]:
    """The signals a manager reads: known ones first with readable names, then other scalar figures."""
    code = lang(language)
    rows = [
        (SIGNALS[k][code], signal(k, signals[k], language))
        for k in SIGNALS
        if signals.get(k) is not None and not isinstance(signals[k], (list, dict))
    ]
    for name, value in signals.items():
        if name in SIGNALS or name in HIDDEN_SIGNALS or isinstance(value, (list, dict)) or value is None:
            continue
        rows.append((name.replace("_", " "), signal(name, value, language)))
    return rows


def signal(name: str, value: object, language: str) -> str:
    """A friction signal value in its natural unit, guessed from its name."""
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        return str(value)
    if name == "growth":
        return f"×{number(float(value), language, 2)}"
    if name == "aht_gap":
        return f"{'+' if value > 0 else '−'}{duration(abs(float(value)), language)}"
    if name.endswith(("_s", "_seconds")):
        return duration(float(value), language)
    if name.endswith("_gap") or name.endswith("_delta"):
        return f"{'+' if value > 0 else ''}{number(float(value) * 100, language, 1)}{NNBSP}pts"
    if name.endswith(("_rate", "_share")) or name in ("share", "csat", "fcr", "abandonment"):
        return percent(float(value), language)
    if name.startswith("p_") or name == "p_value":
        return p_value(float(value), language)
    if float(value).is_integer():
        return number(float(value), language)
    return number(float(value), language, 2)
