"""Sentences a manager reads about a friction or an action, in French or English.

The report's first screen, the dashboard and the assistant say *why* an action comes first with the same
words: the friction it answers and that friction's strongest signal ("34 % des contacts reviennent dans les
7 jours"), and what the action should change, in the KPI's unit.
"""

from __future__ import annotations

from typing import Any

from core import wording as w
from core.results import Action, Friction

_SEVERITY_WEIGHTS = {
    "csat_gap": -2.0,
    "fcr_gap": -2.0,
    "repeat_rate": 1.0,
    "effort_share": 2.0,
    "abandonment": 1.0,
}
"""Fallback for results saved before frictions listed their `worse` signals: the severity terms."""


def strongest_signal(friction: Friction) -> str | None:
    """The signal on which the friction's patients do worst (`signals.worse` first), or None."""
    signals = friction.signals.figures()
    if friction.signals.worse:
        return friction.signals.worse[0]
    if friction.kind == "segment" and friction.signals.anomalies:
        return "anomaly"
    if friction.emerging:
        return "growth"
    scored = [(weight * signals[name], name) for name, weight in _SEVERITY_WEIGHTS.items() if name in signals]
    best = max(scored, default=(0.0, ""))
    return best[1] if best[0] > 0 else None


def _overall(signals: dict[str, Any], name: str, gap: str) -> float | None:
    value, difference = signals.get(name), signals.get(gap)
    if isinstance(value, (int, float)) and isinstance(difference, (int, float)):
        return float(value) - float(difference)
    return None


def signal_sentence(friction: Friction, name: str, language: str, *, window_days: int = 7) -> str:
    """One signal of a friction in words ("58 % de patients satisfaits, contre 78 % en moyenne")."""
    fr = w.lang(language) == "fr"
    s: dict[str, Any] = friction.signals.figures()

    def pct(value: Any) -> str:
        return w.percent(float(value), language, 0)

    if name == "csat_gap" and s.get("csat") is not None:
        overall = _overall(s, "csat", "csat_gap")
        return (
            f"{pct(s['csat'])} de patients satisfaits, contre {pct(overall)} en moyenne"
            if fr
            else f"{pct(s['csat'])} of patients satisfied, against {pct(overall)} overall"
        )
    if name == "fcr_gap" and s.get("fcr") is not None:
        overall = _overall(s, "fcr", "fcr_gap")
        return (
            f"{pct(s['fcr'])} résolus au premier contact, contre {pct(overall)} en moyenne"
            if fr
            else f"{pct(s['fcr'])} resolved at first contact, against {pct(overall)} overall"
        )
    if name == "repeat_rate" and s.get("repeat_rate") is not None:
        return (
            f"{pct(s['repeat_rate'])} des patients rappellent dans les {window_days} jours"
            if fr
            else f"{pct(s['repeat_rate'])} of patients contact us again within {window_days} days"
        )
    if name == "effort_share" and s.get("effort_share") is not None:
        return (
            f"{pct(s['effort_share'])} des patients disent avoir déjà appelé ou ne pas être joints"
            if fr
            else f"{pct(s['effort_share'])} of patients say they already called or cannot get through"
        )
    if name == "abandonment" and s.get("abandonment") is not None:
        return (
            f"{pct(s['abandonment'])} raccrochent avant qu'on leur réponde"
            if fr
            else f"{pct(s['abandonment'])} hang up before being answered"
        )
    if name == "wait_p90_s" and s.get("wait_p90_s") is not None:
        wait = w.duration(float(s["wait_p90_s"]), language)
        return f"1 patient sur 10 attend plus de {wait}" if fr else f"1 patient in 10 waits more than {wait}"
    if name == "aht_s" and s.get("aht_s") is not None:
        handle = w.duration(float(s["aht_s"]), language)
        return f"un contact dure {handle} en moyenne" if fr else f"a contact takes {handle} on average"
    if name == "growth":
        before = float(s.get("baseline_weekly") or 0.0)
        now = w.number(friction.volume, language)
        if before < 0.5:
            return (
                f"nouveau : {now} contacts cette semaine, presque aucun avant"
                if fr
                else f"new: {now} contacts this week, almost none before"
            )
        return (
            f"en hausse : {now} contacts cette semaine contre {w.number(before, language)} par semaine avant"
            if fr
            else f"rising: {now} contacts this week against {w.number(before, language)} a week before"
        )
    if name == "anomaly" and s.get("anomalies"):
        first = s["anomalies"][0]
        metric = str(first.get("metric"))
        value = w.kpi_value(metric, first.get("value"), language)
        expected = w.kpi_value(metric, first.get("expected"), language)
        label = w.metric_label(metric, language)
        return (
            f"{label} : {value} contre {expected} d'habitude"
            if fr
            else f"{label}: {value} against {expected} usually"
        )
    return w.SIGNALS.get(name, {}).get(w.lang(language), name.replace("_", " "))


def friction_why(friction: Friction, language: str, *, window_days: int = 7) -> str:
    """The friction's strongest signal in words, or its volume when no signal stands out."""
    name = strongest_signal(friction)
    if name is None:
        count = w.number(friction.volume, language)
        return f"{count} contacts" if w.lang(language) == "fr" else f"{count} contacts"
    return signal_sentence(friction, name, language, window_days=window_days)


def friction_line(friction: Friction, language: str, *, title: str | None = None) -> str:
    """'<friction> : <its strongest signal>' (the why of an action)."""
    colon = " : " if w.lang(language) == "fr" else ": "
    return f"{title or friction.title}{colon}{friction_why(friction, language)}"


def impact_text(action: Action, language: str) -> str:
    """What an action should change, in the KPI's unit, and for how many patients."""
    impact = action.expected_impact
    change = f"{w.metric_label(impact.kpi, language)} {w.impact_delta(impact.kpi, impact.delta, language)}"
    patients = w.number(impact.patients_affected, language)
    if w.lang(language) == "fr":
        return f"{change} · {patients} patients concernés"
    return f"{change} · {patients} patients affected"


def action_why(action: Action, frictions: dict[str, Friction], language: str) -> str:
    """Why an action comes first: the first friction it answers and that friction's strongest signal."""
    cited = [frictions[i] for i in action.friction_ids if i in frictions]
    if not cited:
        return action.rationale
    first = min(cited, key=lambda f: f.rank)
    line = friction_line(first, language)
    others = len(cited) - 1
    if others:
        plural = "s" if others > 1 else ""
        line += f" (+{others} autre{plural})" if w.lang(language) == "fr" else f" (+{others} more)"
    return line
