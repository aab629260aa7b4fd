"""What the report and the web app show, already in words and in the reader's locale.

The first screen is "This week: 3 actions" (each with its why, owner, effort, expected impact and a link to
the friction it answers), then the frictions, then the KPI tiles; statistics (p-value, interval, count) are
folded into details. Theme labels are the registry's current ones, so a manager's renaming shows at once.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from analytics.quotes import clip_quote
from analytics.theme_labels import own_keywords as analytics_keywords
from api.report.charts import Point, line_chart
from api.report.history import ReportHistory, TrendPoint
from api.report.i18n import texts
from core import sentences
from core import wording as nf
from core.results import Action, AnalysisResult, Evidence, Friction, KpiValue, ThemeResult

TOP_ACTIONS = 3


def relabelled(result: AnalysisResult, labels: dict[str, str]) -> AnalysisResult:
    """The result with its themes (and their frictions) under the registry's current labels."""
    if not labels:
        return result
    themes = [t.model_copy(update={"label": labels.get(t.theme_id, t.label)}) for t in result.themes]
    frictions = [
        f.model_copy(update={"title": labels[f.theme_id]}) if f.theme_id in labels else f
        for f in result.frictions
    ]
    return result.model_copy(update={"themes": themes, "frictions": frictions})


def quotes(evidence: Sequence[Evidence], limit: int = 3, size: int = 240) -> list[dict[str, str]]:
    """Quotes on one line each, cut between words."""
    return [
        {"interaction_id": e.interaction_id, "quote": clip_quote(e.quote, size)}
        for e in evidence[:limit]
        if e.quote.strip()
    ]


def own_keywords(theme: ThemeResult | None, limit: int = 5) -> list[str]:
    """The theme's keywords that its own quotes and label use (French themes also carry English glosses)."""
    if theme is None:
        return []
    return analytics_keywords(
        label=theme.label, keywords=theme.keywords, quotes=[q.quote for q in theme.quotes], limit=limit
    )


def _point(p: TrendPoint) -> Point:
    low, high = (p.ci[0], p.ci[1]) if p.ci and len(p.ci) == 2 else (None, None)
    return Point(p.label, p.value, low, high)


def _kpi_note(kpi: KpiValue, language: str) -> str:
    t = texts(language)
    waiting = kpi.extra.get("not_matured")
    if kpi.value is None and isinstance(waiting, int) and waiting > 0:
        return t["not_matured"].format(n=nf.number(waiting, language))
    if kpi.value is None:
        return t["no_value"]
    if kpi.too_few:
        return t["too_few"]
    if kpi.extra.get("provisional"):
        return t["provisional"]
    return ""


def _formatter(kpi: KpiValue, language: str) -> Callable[[float | None], str]:
    def fmt(value: float | None) -> str:
        return nf.kpi_value(kpi.metric, value, language, kpi.unit)

    return fmt


def kpi_views(result: AnalysisResult, history: ReportHistory, language: str) -> list[dict[str, Any]]:
    """KPI tiles: value, change against the baseline in words, trend chart; statistics for a details fold."""
    t = texts(language)
    views = []
    for kpi in result.kpis:
        points = history.trends.get(kpi.metric, [])
        fmt = _formatter(kpi, language)
        label = nf.metric_label(kpi.metric, language)
        chart = (
            line_chart([_point(p) for p in points], width=240, height=80, fmt=fmt, title=label)
            if len(points) >= 2
            else None
        )
        details = [
            x
            for x in (
                nf.p_value(kpi.p_value, language),
                f"{t['interval']} {nf.interval(kpi.metric, kpi.ci, language, kpi.unit)}" if kpi.ci else "",
                f"n = {nf.number(kpi.n, language)}",
                f"{t['rule']} {kpi.rule}" if kpi.rule else "",
                f"{t['baseline']} {fmt(kpi.previous)}" if kpi.previous is not None else "",
            )
            if x
        ]
        views.append(
            {
                "metric": kpi.metric,
                "label": label,
                "value": fmt(kpi.value) if kpi.value is not None else "—",
                "delta": "" if kpi.delta is None else nf.kpi_delta(kpi.metric, kpi.delta, language, kpi.unit),
                "trend": nf.trend(kpi.metric, kpi.delta, kpi.p_value),
                "note": _kpi_note(kpi, language),
                "details": " · ".join(details),
                "chart": chart,
                "too_few": kpi.too_few,
            }
        )
    return views


def investigation_steps(friction: Friction, language: str, limit: int = 6) -> list[str]:
    """What the investigation looked at for a friction, step by step in the reader's language.

    Results saved before the steps were kept as data carry only the tools' own (English) text: none is shown.
    """
    from agent.chat.tables import ToolResult, step_words

    out = []
    for item in friction.signals.steps:
        if not isinstance(item, dict) or not item.get("tool"):
            continue
        artifact: dict[str, Any] = {"kind": "error", "error": item["error"]} if "error" in item else {}
        if "rows" in item:
            artifact["rows"] = [{}] * int(item["rows"])
        call = ToolResult(str(item["tool"]), dict(item.get("args") or {}), "", artifact)
        out.append(step_words(call, language))
    return out[:limit]


def friction_views(result: AnalysisResult, language: str) -> list[dict[str, Any]]:
    """Ranked frictions: label, keywords, why (the strongest signal in words), quotes; signals in details."""
    themes = {t.theme_id: t for t in result.themes}
    out = []
    for f in sorted(result.frictions, key=lambda f: f.rank):
        out.append(
            {
                "id": f.friction_id,
                "rank": f.rank,
                "title": f.title,
                "kind": f.kind,
                "theme_id": f.theme_id,
                "keywords": own_keywords(themes.get(f.theme_id or "")),
                "why": sentences.friction_why(f, language),
                "segment": nf.segment_text(f.segment, language),
                "volume": nf.number(f.volume, language),
                "patients": nf.number(f.patients, language) if f.patients else "",
                "share": nf.percent(f.share, language),
                "score": nf.number(f.score, language, 2),
                "emerging": f.emerging,
                "signals": nf.signal_rows(f.signals.model_dump(), language),
                "too_few": f.signals.too_few,
                "findings": investigation_steps(f, language),
                "evidence": quotes(f.evidence),
            }
        )
    return out


def action_view(action: Action, frictions: dict[str, Friction], language: str) -> dict[str, Any]:
    """One action in words: why, impact in the KPI's unit, owner, effort, the frictions it answers."""
    cited = sorted((frictions[i] for i in action.friction_ids if i in frictions), key=lambda f: f.rank)
    return {
        "id": action.action_id,
        "rank": action.rank,
        "title": action.title,
        "description": action.description,
        "why": sentences.action_why(action, frictions, language),
        "impact": sentences.impact_text(action, language),
        "effort": action.effort,
        "effort_text": nf.effort_label(action.effort, language),
        "owner": action.owner,
        "confidence": nf.percent(action.confidence, language, 0),
        "score": nf.number(action.score, language, 2),
        "frictions": [{"id": f.friction_id, "title": f.title, "rank": f.rank} for f in cited],
        "friction_id": cited[0].friction_id if cited else None,
        "evidence": quotes(action.evidence, limit=2),
        "status": nf.status_label(action.status, language),
        "status_code": action.status,
        "source": action.source,
    }


def action_views(result: AnalysisResult, language: str) -> list[dict[str, Any]]:
    """Every action of the result, ranked."""
    by_id = {f.friction_id: f for f in result.frictions}
    return [action_view(a, by_id, language) for a in sorted(result.actions, key=lambda a: a.rank)]


def theme_views(result: AnalysisResult, language: str) -> list[dict[str, Any]]:
    """Emerging and new themes with their keywords and two quotes."""
    return [
        {
            "id": th.theme_id,
            "label": th.label,
            "size": nf.number(th.size, language),
            "keywords": own_keywords(th, 6),
            "is_new": th.is_new,
            "quotes": quotes(th.quotes, limit=2),
        }
        for th in result.themes
        if th.emerging or th.is_new
    ]


def anomaly_views(result: AnalysisResult, language: str) -> list[dict[str, Any]]:
    """Anomalies by segment, in words."""
    return [
        {
            "metric": nf.metric_label(a.metric, language),
            "segment": nf.segment_text(a.segment, language),
            "value": nf.kpi_value(a.metric, a.value, language),
            "expected": nf.kpi_value(a.metric, a.expected, language),
            "score": nf.number(a.score, language, 1),
            "explanation": a.explanation,
        }
        for a in result.anomalies
    ]
