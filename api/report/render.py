"""The weekly report: one self-contained HTML file (inline CSS and SVG), Markdown and JSON."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from jinja2 import Environment, FileSystemLoader

from api.report import numbers as nf
from api.report.charts import Point, line_chart
from api.report.history import ReportHistory, TrendPoint, build_history, trends_from_results
from api.report.i18n import texts
from core.results import AnalysisResult, Evidence, Friction
from store.db import Store

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"


@lru_cache(maxsize=1)
def environment() -> Environment:
    """The Jinja2 environment of the report and the web UI (autoescaped)."""
    env = Environment(
        loader=FileSystemLoader(str(TEMPLATES)),
        autoescape=lambda name: (name or "").endswith((".html", ".html.j2")),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    return env


_WEEKDAYS = {
    "fr": ["lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"],
    "en": ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"],
}


def segment_text(segment: dict[str, Any], language: str = "fr") -> str:
    """A segment for a reader: 'radiologie · lundi · 8 h' (hours and ISO weekdays spelled out)."""
    parts = []
    for name, value in segment.items():
        if name == "hour" and isinstance(value, int):
            parts.append(f"{value}\u202fh" if language == "fr" else f"{value}:00")
        elif name == "weekday" and isinstance(value, int) and 1 <= value <= 7:
            parts.append(_WEEKDAYS["fr" if language == "fr" else "en"][value - 1])
        else:
            parts.append(str(value))
    return " · ".join(parts)


def _quotes(evidence: Sequence[Evidence], limit: int = 3, size: int = 300) -> list[dict[str, str]]:
    """Quotes on one line each (e-mails lose their blank lines), cut to a readable length."""
    out = []
    for e in evidence[:limit]:
        text = " ".join(e.quote.split())
        out.append(
            {
                "interaction_id": e.interaction_id,
                "quote": text if len(text) <= size else text[: size - 1] + "…",
            }
        )
    return out


def _point(p: TrendPoint) -> Point:
    low, high = (p.ci[0], p.ci[1]) if p.ci and len(p.ci) == 2 else (None, None)
    return Point(p.label, p.value, low, high)


def _kpi_views(result: AnalysisResult, history: ReportHistory, language: str) -> list[dict[str, Any]]:
    views = []
    for kpi in result.kpis:
        points = history.trends.get(kpi.metric, [])

        def fmt(value: float | None, metric: str = kpi.metric, unit: str | None = kpi.unit) -> str:
            return nf.kpi_value(metric, value, language, unit)

        chart = (
            line_chart(
                [_point(p) for p in points],
                width=240,
                height=80,
                fmt=fmt,
                title=nf.metric_label(kpi.metric, language),
            )
            if len(points) >= 2
            else None
        )
        views.append(
            {
                "metric": kpi.metric,
                "label": nf.metric_label(kpi.metric, language),
                "value": nf.kpi_value(kpi.metric, kpi.value, language, kpi.unit),
                "previous": nf.kpi_value(kpi.metric, kpi.previous, language, kpi.unit)
                if kpi.previous is not None
                else "",
                "delta": nf.kpi_delta(kpi.metric, kpi.delta, language, kpi.unit)
                if kpi.delta is not None
                else "",
                "trend": nf.trend(kpi.metric, kpi.delta, kpi.p_value),
                "p": nf.p_value(kpi.p_value, language),
                "ci": nf.interval(kpi.metric, kpi.ci, language, kpi.unit),
                "n": nf.number(kpi.n, language),
                "too_few": kpi.too_few,
                "rule": kpi.rule or "",
                "chart": chart,
            }
        )
    return views


def _friction_views(result: AnalysisResult, language: str) -> list[dict[str, Any]]:
    return [
        {
            "id": f.friction_id,
            "rank": f.rank,
            "title": f.title,
            "kind": f.kind,
            "segment": segment_text(f.segment, language),
            "volume": nf.number(f.volume, language),
            "patients": nf.number(f.patients, language) if f.patients else "",
            "share": nf.percent(f.share, language),
            "score": nf.number(f.score, language, 2),
            "emerging": f.emerging,
            "signals": nf.signal_rows(f.signals, language),
            "too_few": bool(f.signals.get("too_few")),
            "findings": [str(x)[:400] for x in f.signals.get("findings") or [] if x][:6]
            if isinstance(f.signals.get("findings"), list)
            else [],
            "evidence": _quotes(f.evidence),
        }
        for f in sorted(result.frictions, key=lambda f: f.rank)
    ]


def _action_views(result: AnalysisResult, language: str) -> list[dict[str, Any]]:
    t = texts(language)
    titles = {f.friction_id: f.title for f in result.frictions}
    views = []
    for a in sorted(result.actions, key=lambda a: a.rank):
        impact = a.expected_impact
        views.append(
            {
                "id": a.action_id,
                "rank": a.rank,
                "title": a.title,
                "description": a.description,
                "rationale": a.rationale,
                "impact": t["patients_affected"].format(
                    n=nf.number(impact.patients_affected, language),
                    kpi=nf.metric_label(impact.kpi, language),
                    delta=nf.kpi_delta(impact.kpi, impact.delta, language),
                ),
                "effort": a.effort,
                "owner": a.owner,
                "confidence": nf.percent(a.confidence, language, 0),
                "score": nf.number(a.score, language, 2),
                "frictions": [titles.get(fid, fid) for fid in a.friction_ids],
                "evidence": _quotes(a.evidence),
                "status": t.get(f"status_{a.status}", a.status),
                "status_code": a.status,
                "source": a.source,
            }
        )
    return views


def _friction_key(f: Friction) -> str:
    return f.theme_id or json.dumps(f.segment, sort_keys=True) or f.title


def changes_since(result: AnalysisResult, previous: AnalysisResult | None, language: str) -> list[str]:
    """Sentences saying what changed against the previous analysis (KPIs, new, gone and moving frictions)."""
    t = texts(language)
    if previous is None:
        return [t["first"]]
    lines = []
    before = {k.metric: k for k in previous.kpis}
    for kpi in result.kpis:
        old = before.get(kpi.metric)
        if old is None or old.value is None or kpi.value is None or old.value == kpi.value:
            continue
        lines.append(
            f"{nf.metric_label(kpi.metric, language)} : "
            if language == "fr"
            else f"{nf.metric_label(kpi.metric, language)}: "
        )
        lines[-1] += (
            f"{nf.kpi_value(kpi.metric, old.value, language, kpi.unit)} → "
            f"{nf.kpi_value(kpi.metric, kpi.value, language, kpi.unit)} "
            f"({nf.kpi_delta(kpi.metric, kpi.value - old.value, language, kpi.unit)})"
        )
    old_frictions = {_friction_key(f): f for f in previous.frictions}
    new_frictions = {_friction_key(f): f for f in result.frictions}
    colon = " : " if language == "fr" else ": "
    for key, friction in new_frictions.items():
        if key not in old_frictions:
            lines.append(f"{t['new_friction']}{colon}{friction.title}")
        elif old_frictions[key].rank != friction.rank:
            moved = t["moved"].format(old=old_frictions[key].rank, new=friction.rank)
            lines.append(f"{friction.title}{colon}{moved}")
    for key, friction in old_frictions.items():
        if key not in new_frictions:
            lines.append(f"{t['gone_friction']}{colon}{friction.title}")
    return lines


def _updates(history: ReportHistory, language: str) -> list[dict[str, Any]]:
    t = texts(language)
    out = []
    for view in history.action_updates:
        stamp = view.get("status_at") or ""
        out.append(
            {
                "title": view.get("title", ""),
                "status": t.get(f"status_{view.get('status')}", view.get("status")),
                "status_code": view.get("status"),
                "by": view.get("status_by") or "",
                "at": stamp[:10],
            }
        )
    return out


def report_context(result: AnalysisResult, history: ReportHistory, language: str) -> dict[str, Any]:
    """Everything the templates show, already formatted for the language."""
    t = texts(language)
    emerging = [th for th in result.themes if th.emerging or th.is_new]
    return {
        "t": t,
        "lang": language,
        "result": result,
        "period": f"{nf.day(result.period.start, language)} – {nf.day(result.period.end, language)}",
        "week": _week(result),
        "baseline": (
            f"{nf.day(result.baseline.start, language)} – {nf.day(result.baseline.end, language)}"
            if result.baseline
            else ""
        ),
        "generated": nf.day(datetime.now(UTC).date(), language),
        "mode": t["mode_llm"] + f" {result.model}" if result.mode == "llm" else t["mode_offline"],
        "kpis": _kpi_views(result, history, language),
        "frictions": _friction_views(result, language),
        "actions": _action_views(result, language),
        "emerging": [
            {
                "label": th.label,
                "size": nf.number(th.size, language),
                "keywords": th.keywords[:6],
                "is_new": th.is_new,
                "quotes": _quotes(th.quotes, limit=2),
            }
            for th in emerging
        ],
        "anomalies": [
            {
                "metric": nf.metric_label(a.metric, language),
                "segment": segment_text(a.segment, language),
                "value": nf.kpi_value(a.metric, a.value, language),
                "expected": nf.kpi_value(a.metric, a.expected, language),
                "score": nf.number(a.score, language, 1),
                "explanation": a.explanation,
            }
            for a in result.anomalies
        ],
        "changes": changes_since(result, history.previous, language),
        "updates": _updates(history, language),
        "notes": result.notes,
    }


def _week(result: AnalysisResult) -> str:
    year, week, _ = result.period.start.isocalendar()
    return f"{year}-W{week:02d}"


def _as_history(
    history: ReportHistory | Sequence[AnalysisResult] | None, result: AnalysisResult
) -> ReportHistory:
    if history is None:
        return ReportHistory(trends=trends_from_results([result]))
    if isinstance(history, ReportHistory):
        return history
    earlier = sorted(
        (r for r in history if r.analysis_id != result.analysis_id),
        key=lambda r: r.period.start,
        reverse=True,
    )
    return ReportHistory(
        trends=trends_from_results([*earlier, result]),
        previous=earlier[0] if earlier else None,
        earlier=earlier,
    )


def render_report(
    result: AnalysisResult,
    *,
    history: ReportHistory | Sequence[AnalysisResult] | None = None,
    language: str = "fr",
    fmt: Literal["html", "md", "json"] = "html",
) -> str:
    """The report of an analysis as self-contained HTML, Markdown or JSON.

    `history` is a ReportHistory (see `build_history`) or a list of earlier AnalysisResults of the tenant.
    """
    language = "fr" if language == "fr" else "en"
    hist = _as_history(history, result)
    if fmt == "json":
        payload = {
            "report": {
                "language": language,
                "week": _week(result),
                "changes": changes_since(result, hist.previous, language),
                "trends": {m: [p.model_dump() for p in pts] for m, pts in hist.trends.items()},
                "action_updates": hist.action_updates,
                "previous_analysis_id": hist.previous.analysis_id if hist.previous else None,
            },
            "result": result.model_dump(mode="json"),
        }
        return json.dumps(payload, ensure_ascii=False, indent=2, default=str)
    context = report_context(result, hist, language)
    if fmt == "md":
        return environment().get_template("report.md.j2").render(**context)
    if fmt == "html":
        return environment().get_template("report.html.j2").render(**context)
    raise ValueError(f"unknown report format {fmt!r}; expected html, md or json")


def write_report(
    result: AnalysisResult, directory: Path | str, *, store: Store | None = None, language: str | None = None
) -> Path:
    """Write report-<week>-<id>.{html,md,json} into the folder; returns the HTML file's path."""
    from core.settings import get_settings

    language = language or (store.settings.language if store is not None else get_settings().language)
    folder = Path(directory)
    folder.mkdir(parents=True, exist_ok=True)
    history = build_history(store, result) if store is not None else None
    stem = f"report-{_week(result)}-{result.analysis_id}"
    for fmt in ("md", "json", "html"):
        text = render_report(result, history=history, language=language, fmt=fmt)  # type: ignore[arg-type]
        (folder / f"{stem}.{fmt}").write_text(text, encoding="utf-8")
    return folder / f"{stem}.html"


__all__ = ["ReportHistory", "TrendPoint", "build_history", "render_report", "write_report"]
