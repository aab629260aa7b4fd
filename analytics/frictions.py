"""Friction scoring: where patients struggle, per theme and per anomalous segment, ranked with evidence.

score = patients affected × severity × trend, then divided by the best score (so the top friction is 1):
- patients affected: distinct `patient_ref` of the interactions (an interaction without one counts as one);
- severity = 0.05 + 2·max(0, −csat_gap) + 2·max(0, −fcr_gap) + repeat_rate + 2·effort_share
  + max(0, abandonment gap) + 0.5·min(2, wait excess) + 0.5·min(2, handle-time excess) (+ the segment's
  anomaly score / 10 for segment frictions), where gaps are theme value − period value, the wait excess is
  p90 wait / period p90 − 1 and the handle-time excess is AHT / period AHT − 1;
- trend = 1 + min(3, growth − 1) when the theme's Poisson growth test is significant (p < 0.05, adjusted
  over the period's themes), else 1; an emerging theme (absent or tiny in the baseline, in volume now) gets at
  least 2. Growth and its test are the theme step's (`ThemeResult.growth`, `growth_p`;
  `theme_trend.growth_tests`): the flag and the score read one test.
CSAT, FCR, repeat rate, abandonment, waits and AHT are the KPI engine's own (`analytics.kpis`, the
definitions of `parcours kpi`, with the `PARCOURS_FCR_WINDOW_DAYS` window): a theme's FCR is the FCR that
`parcours kpi fcr --where theme=…` prints for the same period. Fewer than `PARCOURS_MIN_SAMPLE`
interactions: `signals.too_few` is set and the score is divided by 10 (never ranked high on noise).
Friction ids are `fr-` + a hash of tenant, theme or segment and period: re-running gives the same ids.
"""

from __future__ import annotations

import hashlib
import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from analytics.dataset import PeriodDataset, dataset_for
from analytics.kpis import kpi_series
from analytics.quotes import clip_quote
from core.results import Anomaly, Evidence, Friction, FrictionSignals, Period, ThemeResult
from core.text import fold
from core.wording import WEEKDAYS
from store.db import Store

QUOTE_CHARS = 300
EFFORT_PHRASES: tuple[str, ...] = (
    "troisieme fois",
    "deuxieme fois",
    "plusieurs fois",
    "encore une fois",
    "personne ne repond",
    "personne ne me repond",
    "j'ai deja appele",
    "deja appele",
    "j'ai deja envoye",
    "toujours pas",
    "toujours rien",
    "toujours en attente",
    "je rappelle",
    "rappelle encore",
    "on m'avait promis",
    "on devait me rappeler",
    "jamais rappele",
    "pas de reponse",
    "aucune reponse",
    "ca ne marche pas",
    "ne fonctionne pas",
    "impossible de",
    "depuis des semaines",
    "depuis une semaine",
    "ca fait une heure",
    "third time",
    "second time",
    "several times",
    "again and again",
    "no one answers",
    "nobody answers",
    "no one answered",
    "nobody called",
    "i already called",
    "already called",
    "i've called",
    "still waiting",
    "still no",
    "still haven't",
    "never called back",
    "promised a callback",
    "no answer",
    "no response",
    "doesn't work",
    "does not work",
    "not working",
    "stopped working",
    "can't get through",
    "impossible to",
    "for weeks",
    "waited an hour",
    "been waiting",
)
"""Words of patients who struggle (French folded without accents, English lower case)."""
_SEGMENT_KEYS = ("queue", "channel", "weekday", "hour", "agent", "language")
"""The dimensions of a segment friction (and of each row, to tell which segments it belongs to)."""
_SENTENCE = re.compile(r"(?<=[.!?…])\s+|\n")


@dataclass
class _Row:
    pk: int
    ext_id: str
    patient: str | None
    csat: int | None
    text: str
    attrs: dict[str, Any]


def _load(data: PeriodDataset, period: Period) -> list[_Row]:
    """The period's interactions: who, what they said, and their segment (the figures come from the KPIs)."""
    names = ("pk", "ext_id", "patient", "csat", "patient_text", "full_text", *_SEGMENT_KEYS)
    rows = data.rows(data.between(period.start, period.end), names)
    return [
        _Row(pk, ext, who, None if csat != csat else int(csat), (said or "").strip() or (full or ""), attrs)
        for pk, ext, who, csat, said, full, *segment in rows
        for attrs in [dict(zip(_SEGMENT_KEYS, segment, strict=True))]
    ]


def effort_phrase(text: str) -> str | None:
    """The first effort phrase in a text (French or English), or None."""
    folded = fold(text).replace("’", "'")
    return next((p for p in EFFORT_PHRASES if p in folded), None)


FIGURES = ("csat", "fcr", "repeat_rate", "abandonment", "response_time", "aht", "engagement")
"""The KPIs a friction is measured with (the KPI engine's definitions)."""


def _figures(
    store: Store,
    tenant: str,
    period: Period,
    data: PeriodDataset,
    *,
    by: str | None = None,
    filters: dict[str, Any] | None = None,
) -> dict[str, dict[str, Any]]:
    """The friction statistics of the period (key "") or of one segment of it, or of each theme.

    With `by="theme"`, per theme id; as `parcours kpi … [--by theme] [--where …]` gives them.
    """
    rows: dict[str, dict[str, Any]] = defaultdict(dict, {"": {}} if by is None else {})
    for metric in FIGURES:
        for row in kpi_series(
            store=store,
            tenant=tenant,
            metric=metric,
            start=period.start,
            end=period.end,
            by=by,
            filters=filters,
            data=data,
        ):
            if by is None or row.group.get(by):
                rows[str(row.group[by]) if by else ""][metric] = row
    return {key: _stats(found) for key, found in rows.items()}


def _stats(rows: dict[str, Any]) -> dict[str, Any]:
    """A friction's statistics from the KPI rows of its interactions (metric → `KpiRow`)."""
    value = {metric: row.value for metric, row in rows.items()}
    return {
        "csat": value.get("csat"),
        "fcr": value.get("fcr"),
        "repeat_rate": value.get("repeat_rate") or 0.0,
        "abandonment": value.get("abandonment") or 0.0,
        "wait_p90_s": rows["response_time"].extra.get("p90") if "response_time" in rows else None,
        "aht_s": value.get("aht"),
        "engagement": value.get("engagement"),
    }


def _effort_share(rows: list[_Row]) -> float:
    return sum(effort_phrase(r.text) is not None for r in rows) / len(rows) if rows else 0.0


def _gap(a: float | None, b: float | None) -> float | None:
    return None if a is None or b is None else round(a - b, 4)


def _excess(a: float | None, b: float | None) -> float:
    return max(0.0, a / b - 1) if a is not None and b else 0.0


def _severity(s: dict[str, Any], overall: dict[str, Any]) -> float:
    """How badly the patients of a theme or segment fare against the period (see the module docstring)."""
    return (
        0.05
        + 2 * max(0.0, -(s["csat_gap"] or 0.0))
        + 2 * max(0.0, -(s["fcr_gap"] or 0.0))
        + s["repeat_rate"]
        + 2 * s["effort_share"]
        + max(0.0, s["abandonment"] - overall["abandonment"])
        + 0.5 * min(2.0, _excess(s["wait_p90_s"], overall["wait_p90_s"]))
        + 0.5 * min(2.0, _excess(s["aht_s"], overall["aht_s"]))
    )


def _evidence(rows: list[_Row]) -> list[Evidence]:
    def rank(row: _Row) -> tuple[int, int, int]:  # effort phrases first, then low satisfaction
        return (0 if effort_phrase(row.text) else 1, 0 if (row.csat or 5) <= 2 else 1, row.pk)

    out = []
    for row in sorted((r for r in rows if r.text.strip()), key=rank)[:5]:
        phrase = effort_phrase(row.text)
        quote = row.text
        if phrase:
            quote = next((s for s in _SENTENCE.split(row.text) if phrase in fold(s).replace("’", "'")), quote)
        out.append(Evidence(interaction_id=row.ext_id, quote=clip_quote(quote, QUOTE_CHARS)))
    return out


def friction_id(tenant: str, key: str, period: Period) -> str:
    """Deterministic id of a friction: tenant, theme or segment and period hashed."""
    digest = hashlib.sha256(f"{tenant}|{key}|{period.start}|{period.end}".encode()).hexdigest()
    return f"fr-{digest[:12]}"


def _friction(
    rows: list[_Row],
    signals: dict[str, Any],
    *,
    severity: float,
    trend: float = 1.0,
    total: int,
    min_sample: int,
    quotes: Sequence[Evidence] = (),
    **fields: Any,
) -> tuple[float, Friction]:
    """A friction of these interactions and its raw score; `fields` are its id, title, kind and subject."""
    patients = len({r.patient or f"#{r.pk}" for r in rows})
    too_few = len(rows) < min_sample
    raw = patients * severity * trend * (0.1 if too_few else 1.0)
    signals = {**signals, "too_few": too_few, "severity": round(severity, 4), "trend": round(trend, 3)}
    return raw, Friction(
        rank=0,
        score=0.0,
        volume=len(rows),
        patients=patients,
        share=round(len(rows) / total, 4) if total else 0.0,
        signals=FrictionSignals.model_validate(
            {k: (round(v, 4) if isinstance(v, float) else v) for k, v in signals.items()}
        ),
        interaction_ids=[r.ext_id for r in rows],
        # a theme's typical quotes say what it is about; effort phrases ("nobody answers") are everywhere
        evidence=[
            Evidence(interaction_id=q.interaction_id, quote=clip_quote(q.quote, QUOTE_CHARS)) for q in quotes
        ]
        or _evidence(rows),
        **fields,
    )


WORSE = {"csat_gap": -0.05, "fcr_gap": -0.03, "repeat_rate": 0.03, "effort_share": 0.05, "abandonment": 0.02}
"""How much worse than the period as a whole a theme's signal must be to count (shares); the p90 wait and
the average handle time count from 20 % above the period's."""


def worse_signals(
    s: dict[str, Any], overall: dict[str, Any], *, growing: bool, emerging: bool = False
) -> list[str]:
    """The signals on which a theme's patients do worse than the period's, most severe first.

    A theme that is emerging (new, in volume) is first of all that: its growth leads.
    """
    found: list[tuple[float, str]] = []
    for name in ("csat_gap", "fcr_gap"):
        if s[name] is not None and s[name] <= WORSE[name]:
            found.append((-2 * s[name], name))
    for name in ("repeat_rate", "effort_share", "abandonment"):
        excess = s[name] - (overall[name] or 0.0)
        if excess >= WORSE[name]:
            found.append((excess * (2 if name == "effort_share" else 1), name))
    for name in ("wait_p90_s", "aht_s"):
        excess = _excess(s[name], overall[name])
        if excess >= 0.2:
            found.append((0.5 * min(2.0, excess), name))
    if growing or emerging:
        found.append((float("inf") if emerging else 0.0, "growth"))
    return [name for _, name in sorted(found, key=lambda x: -x[0])]


def _signals(figures: dict[str, Any], rows: list[_Row], overall: dict[str, Any]) -> dict[str, Any]:
    s = {**figures, "effort_share": _effort_share(rows)}
    s["csat_gap"] = _gap(s["csat"], overall["csat"])
    s["fcr_gap"] = _gap(s["fcr"], overall["fcr"])
    s["aht_gap"] = _gap(s["aht_s"], overall["aht_s"])
    s["engagement_gap"] = _gap(s["engagement"], overall["engagement"])
    return s


def score_frictions(
    *,
    store: Store,
    tenant: str,
    period: Period,
    baseline: Period | None,
    themes: Sequence[ThemeResult],
    anomalies: Sequence[Anomaly],
    data: PeriodDataset | None = None,
) -> list[Friction]:
    """Rank the theme and segment frictions of the period (patients × severity × trend), with evidence."""
    min_sample = store.settings.min_sample
    data = dataset_for(data, store=store, tenant=tenant, period=period, baseline=baseline)
    current = _load(data, period)
    by_ext = {r.ext_id: r for r in current}
    overall = {**_figures(store, tenant, period, data)[""], "effort_share": _effort_share(current)}
    by_theme = _figures(store, tenant, period, data, by="theme") if themes else {}
    total = len(current)
    scored: list[tuple[float, Friction]] = []
    for theme in themes:
        group = [by_ext[i] for i in theme.interaction_ids if i in by_ext]
        if not group:
            continue
        signals = _signals(by_theme.get(theme.theme_id) or _stats({}), group, overall)
        # growth as the theme step tested it (a week's themes together): one test, one meaning
        emerging = theme.emerging
        growth = theme.growth or 0.0
        grew = growth > 1 and theme.growth_p is not None and theme.growth_p < 0.05
        trend = 1.0 + min(3.0, growth - 1) if grew else 1.0
        trend = max(trend, 2.0) if emerging else trend
        signals.update(growth=theme.growth, p_value=theme.growth_p, baseline_weekly=theme.baseline_weekly)
        signals["worse"] = worse_signals(signals, overall, growing=trend > 1.0, emerging=emerging)
        if not signals["worse"]:
            continue  # patients do no worse here than elsewhere: a topic, not a friction
        scored.append(
            _friction(
                group,
                signals,
                severity=_severity(signals, overall),
                trend=trend,
                total=total,
                min_sample=min_sample,
                quotes=theme.quotes,
                friction_id=friction_id(tenant, f"theme:{theme.theme_id}", period),
                title=theme.label,
                kind="emerging" if emerging else "theme",
                emerging=emerging,
                theme_id=theme.theme_id,
            )
        )
    for segment, found in _segments(anomalies).items():
        seg = dict(segment)
        hours = sorted({a.segment["hour"] for a in found if "hour" in a.segment})
        group = [r for r in current if _in_segment(r, seg, hours)]
        if not group:
            continue
        filters: dict[str, Any] = {**seg, **({"hour": hours} if hours else {})}
        signals = _signals(_figures(store, tenant, period, data, filters=filters)[""], group, overall)
        signals["anomalies"] = [
            {"metric": a.metric, "value": a.value, "expected": a.expected, "score": a.score} for a in found
        ]
        label = dict(seg, **({"hours": hours} if hours else {}))
        scored.append(
            _friction(
                group,
                signals,
                severity=_severity(signals, overall) + max(a.score for a in found) / 10,
                total=total,
                min_sample=min_sample,
                friction_id=friction_id(tenant, "segment:" + repr(sorted(label.items())), period),
                title=segment_title(found[0].metric, label),
                kind="segment",
                segment=label,
            )
        )
    scored.sort(key=lambda item: (-item[0], item[1].friction_id))
    best = scored[0][0] if scored and scored[0][0] > 0 else 1.0
    for rank, (raw, friction) in enumerate(scored, start=1):
        friction.rank = rank
        friction.score = round(raw / best, 4)
    return [friction for _, friction in scored]


def _segments(anomalies: Sequence[Anomaly]) -> dict[tuple[tuple[str, Any], ...], list[Anomaly]]:
    """Anomalies grouped by segment without the hour (consecutive hours become one friction)."""
    groups: dict[tuple[tuple[str, Any], ...], list[Anomaly]] = defaultdict(list)
    for anomaly in anomalies:
        key = tuple(sorted((k, v) for k, v in anomaly.segment.items() if k != "hour" and k in _SEGMENT_KEYS))
        if key:
            groups[key].append(anomaly)
    return groups


def _in_segment(row: _Row, segment: dict[str, Any], hours: list[int]) -> bool:
    if hours and row.attrs["hour"] not in hours:
        return False
    return all(row.attrs.get(k) == v for k, v in segment.items())


_METRIC_WORDS = {
    "response_time": "Attente longue",
    "service_level": "Attente longue",
    "abandonment": "Abandons",
    "csat": "Satisfaction basse",
    "fcr": "Rappels répétés",
    "repeat_rate": "Rappels répétés",
    "engagement": "Rappels promis non faits",
    "aht": "Appels longs",
    "first_response": "Réponse lente",
}


def segment_title(metric: str, segment: dict[str, Any]) -> str:
    """A segment friction in words, e.g. 'Attente longue en radiologie le lundi 8–10 h'."""
    parts = [_METRIC_WORDS.get(metric, metric)]
    if segment.get("queue"):
        parts.append(f"en {segment['queue']}")
    if segment.get("channel"):
        parts.append(f"({segment['channel']})")
    if segment.get("agent"):
        parts.append(f"chez l'agent {segment['agent']}")
    if segment.get("weekday"):
        parts.append(f"le {WEEKDAYS['fr'][int(segment['weekday']) - 1]}")
    hours = segment.get("hours")
    if hours:
        parts.append(f"{min(hours)}–{max(hours) + 1} h")
    return " ".join(parts)
