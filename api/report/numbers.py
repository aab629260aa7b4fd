"""Numbers, durations, deltas and dates formatted for French or English readers."""

from __future__ import annotations

import math
from datetime import date

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
    minutes, secs = divmod(abs(total), 60)
    sign = "−" if total < 0 else ""
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
    "handle_p90_s": {"fr": "Traitement p90", "en": "Handle time p90"},
    "effort_share": {"fr": "Verbatims d'effort", "en": "Effort phrases"},
    "csat_gap": {"fr": "Écart CSAT", "en": "CSAT gap"},
    "fcr_gap": {"fr": "Écart FCR", "en": "FCR gap"},
    "growth": {"fr": "Croissance", "en": "Growth"},
    "p_value": {"fr": "Significativité", "en": "Significance"},
}
"""Friction signals shown to managers, in this order, with their readable names."""
SHARE_SIGNALS = ("csat", "fcr", "repeat_rate", "abandonment", "effort_share")
HIDDEN_SIGNALS = frozenset({"severity", "trend", "baseline_weekly", "too_few", "score", "findings"})
"""Internal figures of the score (kept in the JSON, not shown)."""


def signal_rows(signals: dict[str, object], language: str) -> list[tuple[str, str]]:
    """The signals a manager reads: known ones first with readable names, then other scalar figures."""
    lang = "fr" if language == "fr" else "en"
    rows = [
        (SIGNALS[k][lang], signal(k, signals[k], language)) for k in SIGNALS if signals.get(k) is not None
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
