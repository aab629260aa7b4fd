"""KPIs: a series by interval and dimension, or the headline KPIs of a period against its baseline."""

from __future__ import annotations

from datetime import date, timedelta
from enum import StrEnum

from fastapi import APIRouter, Query

from agent.analysis.periods import data_week
from api.deps import ReadKey, SettingsDep, StoreDep
from api.errors import ERROR_RESPONSES, ErrorBody, bad_request
from api.schemas import HeadlineKpis, KpiSeries
from core.periods import baseline_for, before, days, last_weeks, resolve_period

router = APIRouter(prefix="/v1", tags=["kpis"], responses=ERROR_RESPONSES)


class Metric(StrEnum):
    """KPI names (DESIGN §4)."""

    response_time = "response_time"
    service_level = "service_level"
    first_response = "first_response"
    fcr = "fcr"
    csat = "csat"
    engagement = "engagement"
    attrition = "attrition"
    abandonment = "abandonment"
    volume = "volume"
    aht = "aht"
    repeat_rate = "repeat_rate"


class Interval(StrEnum):
    """Time buckets of a series."""

    day = "day"
    week = "week"
    month = "month"


def parse_filters(where: list[str] | None) -> dict[str, str] | None:
    """`key=value` strings to a filter dict."""
    if not where:
        return None
    filters: dict[str, str] = {}
    for item in where:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise bad_request(f"filter {item!r} must look like key=value")
        filters[name.strip()] = value.strip()
    return filters


@router.get(
    "/kpis",
    response_model=KpiSeries | HeadlineKpis,
    summary="KPI series or headline KPIs",
    description=(
        "With `metric`: the series of that KPI over the period, by `interval` and/or `by` dimension "
        "(default: the last 8 weeks by week). Without `metric`: every headline KPI of the period "
        "(default: last week) with the previous value over the baseline, delta, p-value, count and 95 % "
        "interval. Needs `read`."
    ),
    responses={
        200: {
            "content": {
                "application/json": {
                    "example": {
                        "metric": "fcr",
                        "period": {"start": "2026-09-28", "end": "2026-11-22"},
                        "rows": [
                            {
                                "metric": "fcr",
                                "bucket": "2026-W47",
                                "group": {},
                                "value": 0.71,
                                "n": 1840,
                                "ci": [0.69, 0.73],
                            }
                        ],
                    }
                }
            }
        },
        400: {"model": ErrorBody, "description": "Bad period, dimension or filter."},
    },
)
def get_kpis(
    key: ReadKey,
    store: StoreDep,
    settings: SettingsDep,
    metric: Metric | None = Query(None, description="KPI name; omit for the headline KPIs."),
    week: str | None = Query(None, description="ISO week, e.g. 2026-W47.", examples=["2026-W47"]),
    start: date | None = Query(None, description="First day (inclusive)."),
    end: date | None = Query(None, description="Last day (inclusive)."),
    by: str | None = Query(
        None,
        max_length=200,
        description="Break down by dimension(s), comma-separated: queue, channel, agent, language, hour, "
        "weekday, theme, direction.",
        examples=["queue", "queue,hour"],
    ),
    interval: Interval | None = Query(None, description="Time buckets of the series."),
    where: list[str] | None = Query(
        None,
        description="Filters key=value, e.g. queue=cardiologie; an unknown value is a 400 listing the "
        "allowed ones; agent= takes the ref the records carried or its ag_… pseudonym.",
    ),
) -> KpiSeries | HeadlineKpis:
    """KPIs of the key's tenant."""
    try:
        period = resolve_period(week=week, start=start, end=end)
    except ValueError as exc:
        raise bad_request(str(exc)) from exc
    filters = parse_filters(where)
    if filters:
        from analytics.segment_filters import check_filter_values

        try:  # unknown values are refused with the allowed ones; agent refs become their pseudonyms
            filters = check_filter_values(store, tenant=key.tenant, filters=filters)
        except ValueError as exc:
            raise bad_request(f"bad filter: {exc}") from exc
    today = date.today()
    if metric is None:
        from analytics.kpis import headline_kpis

        period = period or data_week(store, key.tenant) or last_weeks(today - timedelta(days=7), 1)
        span = days(period)  # a week is compared with the baseline weeks, a longer period with its own length
        baseline = baseline_for(period, settings.baseline_weeks) if span <= 7 else before(period, span)
        values = headline_kpis(store=store, tenant=key.tenant, period=period, baseline=baseline)
        return HeadlineKpis(period=period, baseline=baseline, kpis=values)
    from analytics.kpis import kpi_series

    if period is None:
        latest = data_week(store, key.tenant)
        period = last_weeks(latest.end if latest else today, 8)
    if interval is None and by is None:
        interval = Interval.week
    try:
        rows = kpi_series(
            store=store,
            tenant=key.tenant,
            metric=metric.value,
            start=period.start,
            end=period.end,
            by=by,
            interval=interval.value if interval else None,
            filters=filters,
        )
    except ValueError as exc:  # unknown dimension or filter value
        raise bad_request(str(exc)) from exc
    return KpiSeries(
        metric=metric.value,
        period=period,
        by=by,
        interval=interval.value if interval else None,
        rows=rows,
    )
