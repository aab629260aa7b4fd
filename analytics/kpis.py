"""The KPI engine: DESIGN.md section 4 metrics by period and segment, with intervals and period tests.

Public entry points (keyword-only): `kpi_series`, `kpi_value`, `headline_kpis`, `compare_periods`.
Definitions: analytics.kpi_defs (names, units), analytics.kpi_queries (SQL), analytics.kpis_journeys
(patient journeys); the README section "KPIs: what each number means" explains each for managers.
"""

from __future__ import annotations

import math
from datetime import date
from typing import Any

import numpy as np

from analytics import stats
from analytics.dataset import PeriodDataset
from analytics.kpi_defs import METRIC_NAMES, VALUE_METRICS, KpiRow, check_dimensions, check_metric
from analytics.kpi_frame import COUNTED, frame_samples, scope_dataset
from analytics.kpi_queries import (
    Key,
    Sample,
    Scope,
    engagement_samples,
    sql_samples,
    value_samples,
    volume_days,
)
from analytics.kpi_rollups import covers, rollup_samples, usable
from core.periods import days
from core.results import KpiValue, Period
from store.db import Store

SQL_METRICS = frozenset(COUNTED) - VALUE_METRICS  # counted contact by contact, values not kept


def collect(scope: Scope, metric: str, *, raw: bool = False) -> dict[Key, Sample]:
    """The samples of a metric per segment of the scope, from the analysis's dataset when it holds the scope.

    Else from the daily rollups where they cover the query, else from the interactions.

    `raw=True` computes from the interactions alone (the reference the rollups are tested against).
    """
    check_metric(metric)
    data = scope.data
    if not raw and data is not None and data.tenant == scope.tenant and data.answers(scope.start, scope.end):
        samples = frame_samples(data, scope, metric)
    elif not raw and covers(scope, metric) and usable(scope):
        samples = rollup_samples(scope, metric)
    elif metric in SQL_METRICS:  # counts and sums: aggregated by the database
        samples = sql_samples(scope, metric)
    elif metric in VALUE_METRICS:  # one column read (a dataset read is several times slower)
        samples = value_samples(scope, metric)
    elif metric == "engagement":
        samples = engagement_samples(scope)
    else:  # the journeys: a dataset of the scope's dates and the windows around them
        samples = frame_samples(scope_dataset(scope), scope, metric)
    if metric == "volume":
        covered = volume_days(scope)
        for (bucket, _dims), sample in samples.items():
            sample.days = covered.get(bucket, 0)
    return samples


def summarize(metric: str, sample: Sample, *, min_sample: int) -> dict[str, Any]:
    """Value, n, 95 % interval, rule, too-few flag and companion figures of one sample."""
    definition = check_metric(metric)
    extra: dict[str, Any] = {k: v for k, v in sorted(sample.counts.items())}
    value: float | None = None
    ci: tuple[float, float] | None = None
    if definition.unit == "share":
        value = sample.hits / sample.n if sample.n else None
        ci = stats.wilson(sample.hits, sample.n)
        extra["count"] = sample.hits
        if metric == "csat" and sample.n:
            extra["mean"] = round(sample.total / sample.n, 3)
            extra["responses"] = sample.n
    elif metric == "volume":
        value = float(sample.n)
        ci = stats.poisson_ci(sample.n)
        if sample.days:
            extra["days"] = sample.days
            extra["per_day"] = round(sample.n / sample.days, 2)
    else:  # seconds: waits have percentiles; first_response is a median, aht and response_time are means
        mean, var = stats.moments(sample.n, sample.total, sample.sumsq)
        if metric in VALUE_METRICS:
            values = sample.values
            median_ci = stats.quantile_ci(values, 0.5)
            # interpolated linearly, as PostgreSQL's percentile_cont
            p50, p90 = (float(q) for q in np.quantile(values, [0.5, 0.9])) if len(values) else (None, None)
            extra.update(
                p50=p50, p90=p90, p50_ci=_rounded(median_ci), p90_ci=_rounded(stats.quantile_ci(values, 0.9))
            )
            extra["mean"] = round_figure(mean, 4 if metric == "response_time" else 3)
        if metric == "first_response":
            value, ci = p50, median_ci
        else:
            value = None if math.isnan(mean) else mean
            ci = stats.mean_ci(sample.n, mean, var)
    rule = None
    if sample.rules:
        extra["rules"] = dict(sorted(sample.rules.items()))
        if metric == "fcr":
            rule = "+".join(r for r in ("repeat", "resolved") if sample.rules.get(r))
    if metric == "fcr":
        extra["provisional"] = bool(sample.counts.get("provisional_contacts"))
    return {
        "value": round_figure(value),
        "n": sample.n,
        "ci": _rounded(ci),
        "unit": definition.unit,
        "rule": rule,
        "too_few": metric != "volume" and sample.n < min_sample,
        "extra": extra,
    }


def change_p(metric: str, current: Sample, previous: Sample) -> float | None:
    """P-value of the change between two samples of a metric (two-sided)."""
    unit = check_metric(metric).unit
    if unit == "share":
        return stats.two_proportion_p(current.hits, current.n, previous.hits, previous.n)
    if metric == "volume":
        return stats.rate_ratio_p(current.n, max(current.days, 1), previous.n, max(previous.days, 1))
    if metric == "aht":
        m1, v1 = stats.moments(current.n, current.total, current.sumsq)
        m2, v2 = stats.moments(previous.n, previous.total, previous.sumsq)
        return stats.welch_p(current.n, m1, v1, previous.n, m2, v2)
    return stats.mann_whitney_p(current.values, previous.values)


def kpi_series(
    *,
    store: Store,
    tenant: str,
    metric: str,
    start: date,
    end: date,
    by: str | list[str] | None = None,
    interval: str | None = None,
    filters: dict[str, Any] | None = None,
    data: PeriodDataset | None = None,
) -> list[KpiRow]:
    """A KPI per time bucket (day, ISO week, month) and/or segment, over inclusive local dates."""
    dims = check_dimensions(by)
    scope = Scope(store, tenant, start, end, tuple(dims), interval, filters, data)
    samples = collect(scope, metric)
    rows = []
    for (bucket, values), sample in samples.items():
        summary = summarize(metric, sample, min_sample=store.settings.min_sample)
        rows.append(
            KpiRow(metric=metric, bucket=bucket, group=dict(zip(dims, values, strict=True)), **summary)
        )
    rows.sort(key=lambda r: (r.bucket or "", [_sort_key(v) for v in r.group.values()]))
    return rows


def _period_sample(
    store: Store,
    tenant: str,
    metric: str,
    period: Period,
    filters: dict[str, Any] | None,
    data: PeriodDataset | None = None,
) -> Sample:
    scope = Scope(store, tenant, period.start, period.end, (), None, filters, data)
    pooled = Sample.pool(collect(scope, metric).values())
    pooled.days = days(period)
    return pooled


def kpi_value(
    *,
    store: Store,
    tenant: str,
    metric: str,
    period: Period,
    filters: dict[str, Any] | None = None,
) -> KpiValue:
    """One KPI over a period (optionally a segment), with its count and interval."""
    sample = _period_sample(store, tenant, metric, period, filters)
    return KpiValue(metric=metric, **summarize(metric, sample, min_sample=store.settings.min_sample))


def _compared(store: Store, metric: str, current: Sample, previous: Sample | None) -> KpiValue:
    result = KpiValue(metric=metric, **summarize(metric, current, min_sample=store.settings.min_sample))
    if previous is None or previous.n == 0:
        return result
    before = summarize(metric, previous, min_sample=store.settings.min_sample)["value"]
    if metric == "volume" and previous.days:
        result.extra["previous_total"] = previous.n
        before = round(previous.n * current.days / previous.days, 2)
    result.previous = before
    if result.value is not None and before is not None:
        result.delta = round_figure(result.value - before)
        result.p_value = round_figure(change_p(metric, current, previous), 6)
    return result


def headline_kpis(
    *, store: Store, tenant: str, period: Period, baseline: Period | None, data: PeriodDataset | None = None
) -> list[KpiValue]:
    """Every DESIGN §4 metric for the period, compared with the baseline (previous, delta, p-value)."""
    out = []
    for metric in METRIC_NAMES:
        current = _period_sample(store, tenant, metric, period, None, data)
        previous = _period_sample(store, tenant, metric, baseline, None, data) if baseline else None
        out.append(_compared(store, metric, current, previous))
    return out


def compare_periods(
    *,
    store: Store,
    tenant: str,
    metric: str,
    period: Period,
    baseline: Period,
    by: str | list[str] | None = None,
    data: PeriodDataset | None = None,
) -> list[dict[str, Any]]:
    """The metric in the period against the baseline, per segment, with p-values and BH q-values.

    Rows are sorted most significant first; segments below the minimum sample are flagged `too_few`.
    """
    dims = tuple(check_dimensions(by))
    cur = collect(Scope(store, tenant, period.start, period.end, dims, data=data), metric)
    prev = collect(Scope(store, tenant, baseline.start, baseline.end, dims, data=data), metric)
    rows: list[dict[str, Any]] = []
    for key in sorted(set(cur) | set(prev), key=lambda k: [_sort_key(v) for v in k[1]]):
        current = cur.get(key) or Sample()
        current.days = days(period)
        previous = prev.get(key) or Sample()
        previous.days = days(baseline)
        value = _compared(store, metric, current, previous if previous.n else None)
        rows.append(
            {
                **dict(zip(dims, key[1], strict=True)),
                "value": value.value,
                "previous": value.previous,
                "delta": value.delta,
                "p_value": value.p_value,
                "n": current.n,
                "n_previous": previous.n,
                "ci": value.ci,
                "too_few": current.n < store.settings.min_sample or previous.n < store.settings.min_sample,
            }
        )
    for row, q in zip(rows, stats.benjamini_hochberg([r["p_value"] for r in rows]), strict=True):
        row["q_value"] = round_figure(q, 6)
    rows.sort(key=lambda r: (r["q_value"] is None, r["q_value"] or 0, -abs(r["delta"] or 0)))
    return rows


def round_figure(value: float | None, digits: int = 4) -> float | None:
    """A figure as the KPIs report it: rounded, None for a missing or NaN value."""
    return None if value is None or math.isnan(value) else round(float(value), digits)


def _rounded(ci: tuple[float, float] | None) -> list[float] | None:
    return None if ci is None else [round(float(ci[0]), 4), round(float(ci[1]), 4)]


def _sort_key(value: Any) -> tuple[int, str]:
    if value is None:
        return (1, "")
    if isinstance(value, int):
        return (0, f"{value:08d}")
    return (0, str(value))
