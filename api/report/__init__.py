"""The weekly report: `render_report` (html, md, json) and `write_report` (all three files)."""

from api.report.history import ReportHistory, TrendPoint, build_history
from api.report.render import render_report, report_context, write_report

__all__ = ["ReportHistory", "TrendPoint", "build_history", "render_report", "report_context", "write_report"]
