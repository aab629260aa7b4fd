"""The agent's KPI tools: thin adapters over analytics.kpis and analytics.anomalies.

Each tool gives the model a compact table (text) and the graph the same figures as data (its artifact), so
answers are written from numbers, never from text read back.
"""

from __future__ import annotations

from typing import Any

from langchain.tools import ToolRuntime, tool

from analytics.anomalies import find_anomalies as detect_anomalies
from analytics.kpi_defs import KpiRow, check_dimensions, check_metric, fmt_value
from analytics.kpis import compare_periods as compare
from analytics.kpis import kpi_series
from core.periods import baseline_for, parse_period
from core.results import Anomaly, Period
from tools.context import ParcoursContext

MAX_ROWS = 30


def resolve_period(text: str | None, context: ParcoursContext, *, fallback: Period | None = None) -> Period:
    """A period from a tool argument: 'current' (or empty), 'baseline', an ISO week, a day or 'D..D'."""
    value = (text or "").strip().lower()
    if value in ("", "current"):
        chosen = context.period or fallback
    elif value == "baseline":
        weeks = context.store.settings.baseline_weeks
        chosen = context.baseline or (baseline_for(context.period, weeks) if context.period else None)
    else:
        return parse_period(value)
    if chosen is None:
        raise ValueError("no period given and none set for this conversation; name one, e.g. 2026-W47")
    return chosen


def _ci(ci: list[float] | None, unit: str) -> str:
    return "-" if not ci else f"[{fmt_value(ci[0], unit)}, {fmt_value(ci[1], unit)}]"


def format_rows(rows: list[KpiRow], *, metric: str, period: Period, by: list[str], min_sample: int) -> str:
    """A KPI series as a compact table."""
    unit = check_metric(metric).unit
    head = f"{metric} ({unit}) {period.start}..{period.end}" + (f" by {', '.join(by)}" if by else "")
    if not rows:
        return f"{head}: no data."
    lines = [
        f"{head}. '!' = fewer than {min_sample} contacts, do not rank.",
        " | ".join([*by, "value", "95% CI", "n", "note"]),
    ]
    for row in rows[:MAX_ROWS]:
        notes = []
        if row.too_few:
            notes.append("!")
        if row.rule:
            notes.append(f"rule={row.rule}")
        for key in ("p50", "p90", "mean"):
            if row.extra.get(key) is not None and unit == "seconds":
                notes.append(f"{key}={row.extra[key]:.0f}s")
        if row.extra.get("provisional"):
            notes.append("provisional")
        cells = [str(row.bucket if d == "bucket" else row.group.get(d, "-")) for d in by]
        lines.append(
            " | ".join([*cells, fmt_value(row.value, unit), _ci(row.ci, unit), str(row.n), " ".join(notes)])
        )
    if len(rows) > MAX_ROWS:
        lines.append(f"({len(rows) - MAX_ROWS} more rows not shown; add a filter)")
    return "\n".join(lines)


def row_data(row: KpiRow) -> dict[str, Any]:
    """A KPI row as plain data (for tool artifacts)."""
    return {
        "group": dict(row.group),
        "bucket": row.bucket,
        "value": row.value,
        "ci": list(row.ci) if row.ci else None,
        "n": row.n,
        "rule": row.rule,
        "too_few": row.too_few,
        "extra": {k: v for k, v in row.extra.items() if isinstance(v, (int, float, str, bool, type(None)))},
    }


@tool(response_format="content_and_artifact")
def kpi_query(
    metric: str,
    runtime: ToolRuntime[ParcoursContext],
    period: str | None = None,
    by: str | None = None,
    filters: dict[str, Any] | None = None,
    interval: str | None = None,
) -> tuple[str, dict[str, Any]]:
    """Measure a contact-centre KPI over a period, overall or per segment.

    - metric: response_time (mean wait, s), service_level, first_response (s), fcr (first-contact resolution),
      csat (share of 4-5 scores), engagement (follow-ups on time), attrition, abandonment, volume, aht (s),
      repeat_rate.
    - period: "current" (default), "baseline", an ISO week like "2026-W47", or "2026-11-01..2026-11-30".
    - by: a segment dimension or several comma-separated: queue, channel, agent, language, hour, weekday,
      theme, direction.
    - filters: restrict to a segment, e.g. {"queue": "cardiologie", "channel": "phone"}.
    - interval: "day", "week" or "month" for a trend (one row per bucket).
    Returns a table with value, 95 % interval and count per segment; '!' marks segments too small to rank.
    """
    context = runtime.context
    try:
        chosen = resolve_period(period, context)
        dims = check_dimensions(by)
        rows = kpi_series(
            store=context.store,
            tenant=context.tenant,
            metric=metric,
            start=chosen.start,
            end=chosen.end,
            by=dims or None,
            filters=filters or None,
            interval=interval or None,
            data=context.dataset,
        )
    except ValueError as exc:
        return f"Error: {exc}", {"kind": "error", "error": str(exc)}
    unit = check_metric(metric).unit
    head = dims + (["bucket"] if interval else [])
    text = format_rows(
        rows, metric=metric, period=chosen, by=head, min_sample=context.store.settings.min_sample
    )
    artifact = {
        "kind": "kpi_series",
        "metric": metric,
        "unit": unit,
        "period": chosen.model_dump(mode="json"),
        "by": dims,
        "interval": interval,
        "filters": dict(filters or {}),
        "rows": [row_data(r) for r in rows],
    }
    return text, artifact


@tool(response_format="content_and_artifact")
def compare_periods(
    metric: str,
    runtime: ToolRuntime[ParcoursContext],
    period: str | None = None,
    baseline: str | None = None,
    by: str | None = None,
) -> tuple[str, dict[str, Any]]:
    """Compare a KPI between the period and a baseline, overall or per segment, with significance.

    - metric: as for kpi_query (fcr, csat, response_time, ...).
    - period: "current" (default), an ISO week "2026-W47" or "D..D".
    - baseline: "baseline" (default: the weeks before the period) or an explicit period.
    - by: segment dimension(s), e.g. "queue" or "queue,channel".
    Returns one row per segment: value, previous, delta, p-value and q-value (corrected for many segments),
    most significant first. Changes with q > 0.05 or marked '!' (small samples) are not reliable.
    """
    context = runtime.context
    try:
        chosen = resolve_period(period, context)
        weeks = context.store.settings.baseline_weeks
        current = (period or "current").strip().lower() == "current"
        if baseline in (None, "", "baseline"):
            before = context.baseline if context.baseline and current else baseline_for(chosen, weeks)
        else:
            before = resolve_period(baseline, context)
        dims = check_dimensions(by)
        rows = compare(
            store=context.store,
            tenant=context.tenant,
            metric=metric,
            period=chosen,
            baseline=before,
            by=dims or None,
            data=context.dataset,
        )
    except ValueError as exc:
        return f"Error: {exc}", {"kind": "error", "error": str(exc)}
    unit = check_metric(metric).unit
    artifact = {
        "kind": "kpi_comparison",
        "metric": metric,
        "unit": unit,
        "period": chosen.model_dump(mode="json"),
        "baseline": before.model_dump(mode="json"),
        "by": dims,
        "rows": [
            {k: (v if isinstance(v, (int, float, str, bool, type(None))) else str(v)) for k, v in row.items()}
            for row in rows
        ],
    }
    head = f"{metric} {chosen.start}..{chosen.end} vs {before.start}..{before.end}" + (
        f" by {', '.join(dims)}" if dims else ""
    )
    if not rows:
        return f"{head}: no data.", artifact
    lines = [head, " | ".join([*dims, "value", "previous", "delta", "p", "q", "n", "n_before", "note"])]
    for row in rows[:MAX_ROWS]:
        delta = row["delta"]
        shown_delta = "-" if delta is None else (f"{delta:+.1%}" if unit == "share" else f"{delta:+.0f}")
        lines.append(
            " | ".join(
                [
                    *[str(row.get(d, "-")) for d in dims],
                    fmt_value(row["value"], unit),
                    fmt_value(row["previous"], unit),
                    shown_delta,
                    _p(row["p_value"]),
                    _p(row["q_value"]),
                    str(row["n"]),
                    str(row["n_previous"]),
                    "!" if row["too_few"] else "",
                ]
            )
        )
    if len(rows) > MAX_ROWS:
        lines.append(f"({len(rows) - MAX_ROWS} more rows not shown)")
    return "\n".join(lines), artifact


def _p(value: float | None) -> str:
    if value is None:
        return "-"
    return "<0.001" if value < 0.001 else f"{value:.3f}"


def format_anomalies(anomalies: list[Anomaly], period: Period, limit: int = 15) -> str:
    """Anomalies as a compact table with their one-line explanations."""
    if not anomalies:
        return f"No significant KPI anomaly by segment in {period.start}..{period.end}."
    lines = [
        f"{len(anomalies)} anomalies in {period.start}..{period.end}, worst first "
        "(score = deviations from the segment's usual weekly value; q = corrected p-value):"
    ]
    for n, a in enumerate(anomalies[:limit], start=1):
        segment = ", ".join(f"{k}={v}" for k, v in a.segment.items())
        lines.append(
            f"{n}. {a.metric} [{segment}] value={a.value:g} expected={a.expected:g} score={a.score:.1f} "
            f"volume={a.volume} q={_p(a.p_value)} — {a.explanation}"
        )
    if len(anomalies) > limit:
        lines.append(f"({len(anomalies) - limit} more not shown)")
    return "\n".join(lines)


@tool(response_format="content_and_artifact")
def find_anomalies(
    runtime: ToolRuntime[ParcoursContext], period: str | None = None
) -> tuple[str, dict[str, Any]]:
    """Find KPI degradations confined to a segment, compared with the same segment in the previous weeks.

    Segments: queue × weekday × hour, queue × hour, queue × weekday, queue × channel, agent.

    - period: "current" (default), an ISO week "2026-W47" or "D..D".
    Returns the significant, sizeable anomalies, worst first, each with value, expected value and a sentence.
    """
    context = runtime.context
    try:
        chosen = resolve_period(period, context)
        found = detect_anomalies(
            store=context.store,
            tenant=context.tenant,
            period=chosen,
            baseline_weeks=context.store.settings.baseline_weeks,
            data=context.dataset,
        )
    except ValueError as exc:
        return f"Error: {exc}", {"kind": "error", "error": str(exc)}
    artifact = {
        "kind": "anomalies",
        "period": chosen.model_dump(mode="json"),
        "rows": [a.model_dump(mode="json") for a in found],
    }
    return format_anomalies(found, chosen), artifact
