"""The weekly report: one self-contained HTML file (inline CSS and SVG), Markdown and JSON."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from jinja2 import Environment, FileSystemLoader

from api.report import views
from api.report.history import ReportHistory, build_history, trends_from_results
from api.report.i18n import texts
from api.report.impact_views import impact_texts, impact_views
from core import wording as nf
from core.periods import week_label
from core.results import AnalysisResult, Friction
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
    out = []
    for view in history.action_updates:
        stamp = view.get("status_at") or ""
        out.append(
            {
                "title": view.get("title", ""),
                "status": nf.status_label(str(view.get("status")), language),
                "status_code": view.get("status"),
                "by": view.get("status_by") or "",
                "at": stamp[:10],
            }
        )
    return out


def report_context(result: AnalysisResult, history: ReportHistory, language: str) -> dict[str, Any]:
    """Everything the templates show, already formatted for the language."""
    t = texts(language)
    result = views.relabelled(result, history.labels)
    actions = views.action_views(result, language)
    return {
        "t": t,
        "lang": language,
        "result": result,
        "period": f"{nf.day(result.period.start, language)} – {nf.day(result.period.end, language)}",
        "week": week_label(result.period.start),
        "baseline": (
            f"{nf.day(result.baseline.start, language)} – {nf.day(result.baseline.end, language)}"
            if result.baseline
            else ""
        ),
        "generated": nf.day(datetime.now(UTC).date(), language),
        "mode": t["mode_llm"] + f" {result.model}" if result.mode == "llm" else t["mode_offline"],
        "top_actions": actions[: views.TOP_ACTIONS],
        "more_actions": actions[views.TOP_ACTIONS :],
        "actions": actions,
        "frictions": views.friction_views(result, language),
        "kpis": views.kpi_views(result, history, language),
        "emerging": views.theme_views(result, language),
        "anomalies": views.anomaly_views(result, language),
        "changes": changes_since(
            result, views.relabelled(history.previous, history.labels) if history.previous else None, language
        ),
        "updates": _updates(history, language),
        "impacts": impact_views(result, language),
        "ti": impact_texts(language),
        "notes": result.notes,
    }


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
    back_link: str | None = None,
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
                "week": week_label(result.period.start),
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
    if fmt == "html":  # back_link: the web app shows the report with a way back
        return environment().get_template("report.html.j2").render(**context, back_link=back_link)
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
    stem = f"report-{week_label(result.period.start)}-{result.analysis_id}"
    for fmt in ("md", "json", "html"):
        text = render_report(result, history=history, language=language, fmt=fmt)  # type: ignore[arg-type]
        (folder / f"{stem}.{fmt}").write_text(text, encoding="utf-8")
    return folder / f"{stem}.html"


__all__ = ["ReportHistory", "build_history", "render_report", "report_context", "write_report"]
