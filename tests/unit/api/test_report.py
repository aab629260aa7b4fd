"""The weekly report: locale formatting, self-contained HTML, Markdown, JSON, changes since last week."""

from __future__ import annotations

import json
import re
from datetime import date, timedelta
from html import unescape
from pathlib import Path
from typing import Any

import pytest

from api.queries import change_action_status
from api.report import build_history, render_report, write_report
from api.report.charts import Point, line_chart
from core import wording as nf
from core.results import AnalysisResult
from store import analyses
from tests.unit.api.sample import WEEK_START, make_result

NNBSP = "\u202f"


@pytest.mark.parametrize(
    ("value", "language", "expected"),
    [(0.7134, "fr", f"71,3{NNBSP}%"), (0.7134, "en", "71.3%"), (None, "fr", "–")],
)
def test_percent(value: float | None, language: str, expected: str) -> None:
    assert nf.percent(value, language) == expected


def test_numbers_durations_and_deltas() -> None:
    assert nf.number(12345, "fr") == f"12{NNBSP}345" and nf.number(12345.5, "en", 1) == "12,345.5"
    assert nf.number(-3.25, "fr", 2) == "−3,25"
    assert (
        nf.duration(45, "fr") == f"45{NNBSP}s" and nf.duration(312, "en") == f"5{NNBSP}min{NNBSP}12{NNBSP}s"
    )
    assert nf.kpi_delta("fcr", -0.07, "fr") == f"−7,0{NNBSP}pts"
    assert nf.kpi_delta("response_time", 72, "en") == f"+72{NNBSP}s"
    assert (
        nf.p_value(0.0004, "fr") == f"p{NNBSP}<{NNBSP}0,001"
        and nf.p_value(0.031, "en") == f"p{NNBSP}={NNBSP}0.031"
    )
    assert nf.trend("fcr", -0.07, 0.003) == "worse" and nf.trend("response_time", -30, 0.01) == "better"
    assert nf.trend("fcr", -0.07, 0.4) == "flat"
    assert nf.day(date(2026, 11, 16), "fr") == "16 nov. 2026"


def test_line_chart_is_inline_svg_with_band() -> None:
    svg = line_chart(
        [Point("W45", 0.7, 0.68, 0.72), Point("W46", None), Point("W47", 0.75, 0.7, 0.8)], title="fcr"
    )
    assert svg.startswith("<svg") and "<polygon" in svg and svg.count("<circle") == 2 and "W47" in svg


def _self_contained(html: str) -> None:
    assert "<script" not in html and "<link" not in html and "@import" not in html
    assert re.findall(r"(?:src|href)=\"(?!#)[^\"]+\"", html) == []
    urls = set(re.findall(r"https?://[^\s\"')]+", html))
    assert urls <= {"http://www.w3.org/2000/svg"}


def test_html_report_is_self_contained_and_french() -> None:
    result = make_result()
    previous = make_result(
        analysis_id="an-prev", week_start=WEEK_START - timedelta(days=7), fcr=0.78, prefix="old-"
    )
    html = unescape(render_report(result, history=[previous], language="fr"))
    _self_contained(html)
    assert '<html lang="fr">' in html and "Rapport hebdomadaire" in html and "2026-W47" in html
    assert f"71,3{NNBSP}%" in html and f"12{NNBSP}345" in html and f"5{NNBSP}min{NNBSP}12{NNBSP}s" in html
    assert "<svg" in html and "@media print" in html
    for section in ("kpis", "changes", "frictions", "actions", "themes", "anomalies", "followup"):
        assert f'id="{section}"' in html
    assert "Nouvelle friction" in html and "N'apparaît plus" in html
    assert "Renouvellement d'ordonnance en ligne" in html and "Résolution au premier contact : 78,0" in html
    assert "Responsable du centre" in html and "180 patients concernés" in html
    assert "portail de réservation en panne" in html and "radiologie · 8\u202fh" in html


def test_transcript_text_is_escaped() -> None:
    result = make_result(marker="<script>alert(1)</script>")
    html = render_report(result, language="en")
    assert "<script>alert(1)" not in html and "&lt;script&gt;" in html


def test_markdown_and_json_in_english() -> None:
    result = make_result()
    md = render_report(result, language="en", fmt="md")
    assert md.startswith("# Weekly improvement report · 2026-W47")
    assert "| First-contact resolution | **71.3%** |" in md and "First analysis of this centre" in md
    assert "&#39;" not in md and "&amp;" not in md
    data = json.loads(render_report(result, language="en", fmt="json"))
    assert (
        data["result"]["frictions"][0]["friction_id"] == "fr-renewal" and data["report"]["week"] == "2026-W47"
    )
    with pytest.raises(ValueError):
        render_report(result, fmt="pdf")  # type: ignore[arg-type]


@pytest.fixture
def two_weeks(sqlite_store: Any) -> AnalysisResult:
    """The analyses of W46 (FCR 0.78) and W47 stored; returns W47's."""
    previous = make_result(
        analysis_id="an-prev", week_start=WEEK_START - timedelta(days=7), fcr=0.78, prefix="old-"
    )
    current = make_result()
    analyses.save(sqlite_store, previous)
    analyses.save(sqlite_store, current)
    return current


def test_history_from_store_and_write_report(
    sqlite_store: Any, two_weeks: AnalysisResult, tmp_path: Path
) -> None:
    current = two_weeks
    change_action_status(
        sqlite_store, tenant="default", action_id="old-ac-portal-fix", status="accepted", by="Marie"
    )
    history = build_history(sqlite_store, current)
    assert history.previous is not None and history.previous.analysis_id == "an-prev"
    assert [p.value for p in history.trends["fcr"]] == [0.78, 0.713]
    assert [u["action_id"] for u in history.action_updates] == ["old-ac-portal-fix"]
    path = write_report(current, tmp_path / "out", store=sqlite_store, language="fr")
    assert path.name == "report-2026-W47-an-current.html"
    assert {p.suffix for p in path.parent.iterdir()} == {".html", ".md", ".json"}
    html = path.read_text(encoding="utf-8")
    followup = html.split('id="followup"')[1]
    assert "Marie" in followup and "acceptée" in followup and "Réparer le lien du portail" in followup
    assert "<polyline" in html


def test_history_is_computed_once_per_analysis_and_kept(
    sqlite_store: Any, two_weeks: AnalysisResult, monkeypatch: Any
) -> None:
    import analytics.kpis

    current = two_weeks
    first = build_history(sqlite_store, current)
    series = analytics.kpis.kpi_series

    def counted(**kwargs: Any) -> Any:
        calls.append(kwargs["metric"])
        return series(**kwargs)

    calls: list[str] = []
    monkeypatch.setattr(analytics.kpis, "kpi_series", counted)
    change_action_status(
        sqlite_store, tenant="default", action_id="old-ac-portal-fix", status="accepted", by="Marie"
    )
    again = build_history(sqlite_store, current)
    assert calls == []  # no KPI is measured again on a later view
    assert again.trends == first.trends and [p.value for p in again.trends["fcr"]] == [0.78, 0.713]
    assert again.previous is not None and again.previous.analysis_id == "an-prev"
    assert [u["action_id"] for u in again.action_updates] == ["old-ac-portal-fix"]  # still read live
    build_history(sqlite_store, current, weeks=4)  # another window is computed (and kept) for itself
    assert len(calls) == 6
