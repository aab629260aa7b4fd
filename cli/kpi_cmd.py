"""`parcours kpi`: one KPI by period and segment, as a table or JSON.

Needs neither the embedding model nor the vector index: the KPI engine is imported when the command runs.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Annotated, Any

import typer

from cli.common import fail, open_store, out_console, print_json
from cli.dates import parse_period

if TYPE_CHECKING:
    from rich.table import Table

    from analytics.kpi_defs import KpiRow
    from store.db import Store

METRIC_HELP = (
    "response_time, service_level, first_response, fcr, csat, engagement, attrition, abandonment, "
    "volume, aht, repeat_rate"
)
DIMENSION_HELP = "queue, channel, agent, language, hour, weekday, theme, direction"


def parse_where(items: list[str] | None) -> dict[str, Any]:
    """Filters from `key=value` strings; repeating a key keeps every value (an IN filter)."""
    from analytics.kpi_defs import DIMENSIONS

    filters: dict[str, Any] = {}
    for item in items or []:
        key, sep, value = item.partition("=")
        key, value = key.strip(), value.strip()
        if not sep or key not in DIMENSIONS or not value:
            raise ValueError(f"bad --where {item!r}: use key=value with key in {', '.join(DIMENSIONS)}")
        if key in filters:
            previous = filters[key]
            filters[key] = [*previous, value] if isinstance(previous, list) else [previous, value]
        else:
            filters[key] = value
    return filters


def default_range(store: Store, tenant: str, start: date | None, end: date | None) -> tuple[date, date]:
    """The asked dates, else the four ISO weeks up to the latest data of the tenant."""
    from sqlalchemy import func, select

    from store.schema import InteractionRow

    if start and end:
        return start, end
    if end is None:
        with store.session() as session:
            latest = session.execute(
                select(func.max(InteractionRow.local_date)).where(InteractionRow.tenant == tenant)
            ).scalar()
        if latest is None:
            raise ValueError(f"no interactions for tenant {tenant!r}; ingest some first")
        end = latest if isinstance(latest, date) else date.fromisoformat(str(latest))
    if start is None:
        from core.periods import last_weeks

        start = last_weeks(end, 4).start
    if end < start:
        raise ValueError(f"--start {start} is after the latest data ({end}): give --end as well")
    return start, end


def _table(rows: list[KpiRow], *, metric: str, by: list[str], start: date, end: date) -> Table:
    from rich.table import Table

    from analytics.kpi_defs import check_metric, fmt_value

    unit = check_metric(metric).unit
    table = Table(title=f"{metric} ({unit}) {start} → {end}")
    show_bucket = any(r.bucket for r in rows)
    if show_bucket:
        table.add_column("period")
    for dim in by:
        table.add_column(dim)
    for column in ("value", "95 % CI", "n"):
        table.add_column(column, justify="right")
    table.add_column("note")
    for row in rows:
        notes = []
        if row.too_few:
            notes.append("too few")
        if row.rule:
            notes.append(f"rule: {row.rule}")
        if unit == "seconds":
            notes += [f"{k} {row.extra[k]:.0f}s" for k in ("p50", "p90") if row.extra.get(k) is not None]
        if row.extra.get("provisional"):
            notes.append("provisional")
        ci = f"{fmt_value(row.ci[0], unit)} – {fmt_value(row.ci[1], unit)}" if row.ci else "-"
        cells = ([row.bucket or ""] if show_bucket else []) + [str(row.group.get(d, "-")) for d in by]
        table.add_row(*cells, fmt_value(row.value, unit), ci, str(row.n), ", ".join(notes))
    return table


def kpi(
    metric: Annotated[str, typer.Argument(help=f"One of: {METRIC_HELP}.")],
    by: Annotated[
        str | None, typer.Option(help=f"Segment dimension(s), comma-separated: {DIMENSION_HELP}.")
    ] = None,
    interval: Annotated[
        str | None, typer.Option(help="Time buckets: day, week or month (week when --by is not given).")
    ] = None,
    start: Annotated[
        str | None, typer.Option(help="First local day, YYYY-MM-DD, or an ISO week (2026-W44: its Monday).")
    ] = None,
    end: Annotated[
        str | None,
        typer.Option(
            help="Last local day, inclusive, YYYY-MM-DD or an ISO week (its Sunday); default: latest data."
        ),
    ] = None,
    tenant: Annotated[str, typer.Option(help="Tenant to measure.")] = "default",
    where: Annotated[
        list[str] | None,
        typer.Option(
            "--where",
            help="Filter key=value (repeatable), e.g. --where queue=cardiologie; an agent by the ref the "
            "records carried.",
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the rows as JSON.")] = False,
) -> None:
    """Measure a KPI by period and segment (default: the last four ISO weeks, by week)."""
    from analytics.kpi_defs import INTERVALS, check_dimensions, check_metric
    from analytics.segment_filters import check_filter_values

    first, last = parse_period(start, end)
    try:
        check_metric(metric)
        if by:
            check_dimensions(by)
        if interval is not None and interval not in INTERVALS:
            raise ValueError(f"unknown interval {interval!r}; use day, week or month")
        filters = parse_where(where)
    except ValueError as exc:
        raise fail(str(exc)) from None
    store = open_store()
    try:
        filters = check_filter_values(store, tenant=tenant, filters=filters)
        first, last = default_range(store, tenant, first, last)
        if by is None and interval is None:
            interval = "week"
        from analytics.kpis import kpi_series

        rows = kpi_series(
            store=store,
            tenant=tenant,
            metric=metric,
            start=first,
            end=last,
            by=by,
            interval=interval,
            filters=filters or None,
        )
    except ValueError as exc:
        raise fail(str(exc)) from None
    finally:
        store.close()
    dims = [d.strip() for d in by.split(",")] if by else []
    if as_json:
        print_json(
            {
                "metric": metric,
                "tenant": tenant,
                "start": first.isoformat(),
                "end": last.isoformat(),
                "by": dims,
                "interval": interval,
                "filters": filters,
                "rows": [row.model_dump() for row in rows],
            }
        )
        return
    out_console().print(_table(rows, metric=metric, by=dims, start=first, end=last))


def register(app: typer.Typer) -> None:
    """Add `parcours kpi` to the app."""
    app.command("kpi")(kpi)
