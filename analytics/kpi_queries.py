"""KPI queries: per-segment samples computed in SQL (counts, sums, GROUP BY), percentile columns fetched.

A `Sample` holds what a metric needs for one segment (time bucket × dimensions): counts for shares, sums for
means, the values themselves for percentiles. The journey metrics (fcr, repeat_rate, attrition) are computed
on a dataset's columns (`analytics.kpi_frame`).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

import numpy as np
from sqlalchemy import ColumnElement, and_, extract, func, literal, or_, select

from analytics.kpi_defs import ASYNC, DIMENSIONS, SYNC, T, coerce_value
from core.periods import week_label
from store.db import Store

Key = tuple[str | None, tuple[Any, ...]]
"""(time bucket or None, dimension values)."""


@dataclass
class Sample:
    """What one segment contributes to a metric."""

    n: int = 0
    """Denominator: contacts (or patients) counted."""
    hits: int = 0
    """Numerator for shares."""
    total: float = 0.0
    sumsq: float = 0.0
    values: list[float] = field(default_factory=list)
    """Raw values, for percentile metrics only."""
    rules: Counter[str] = field(default_factory=Counter)
    """How many contacts each rule decided (FCR: repeat / resolved)."""
    counts: Counter[str] = field(default_factory=Counter)
    """Companion counts reported in `extra` (excluded, provisional, ...)."""
    days: int = 0
    """Days covered, the exposure of a volume."""

    @classmethod
    def pool(cls, samples: Iterable[Sample]) -> Sample:
        """The samples pooled into one."""
        pooled = cls()
        for sample in samples:
            pooled.add(sample)
        return pooled

    @classmethod
    def of(cls, values: Any) -> Sample:
        """The sample of a percentile metric's values, sorted: sums in one order, whatever the row order."""
        arr = np.sort(np.asarray(values, dtype=float))
        return cls(n=int(arr.size), total=float(arr.sum()), sumsq=float(arr @ arr), values=arr)  # type: ignore[arg-type]

    def add(self, other: Sample) -> None:
        """Pool another sample into this one."""
        self.n += other.n
        self.hits += other.hits
        self.total += other.total
        self.sumsq += other.sumsq
        self.values.extend(other.values)
        self.rules.update(other.rules)
        self.counts.update(other.counts)
        self.days += other.days


_BUCKET_WIDTH = {None: 0, "day": 1, "week": 1, "month": 2}
"""How many grouping columns a time bucket takes (a month is its year and its month)."""


@dataclass(frozen=True)
class Scope:
    """Which rows a query covers and how they are grouped."""

    store: Store
    tenant: str
    start: date
    end: date
    dims: Sequence[str] = ()
    interval: str | None = None
    filters: dict[str, Any] | None = None
    data: Any = None
    """The analysis's period dataset (`analytics.dataset.PeriodDataset`): answers instead of the store."""

    def __post_init__(self) -> None:
        for dim in self.filters or {}:
            if dim not in DIMENSIONS:
                raise ValueError(f"unknown filter dimension {dim!r}; known: {', '.join(DIMENSIONS)}")
        if self.interval not in _BUCKET_WIDTH:
            raise ValueError(f"unknown interval {self.interval!r}; use day, week or month")

    def where(self, table: Any = T, columns: dict[str, Any] = DIMENSIONS) -> list[ColumnElement[bool]]:
        """Tenant, inclusive local dates and the dimension filters (a list is any of, None is missing).

        On the interactions, or on another table with the same date columns (the rollup cells).
        """
        conds: list[ColumnElement[bool]] = [
            table.tenant == self.tenant,
            table.local_date >= self.start,
            table.local_date <= self.end,
        ]
        for dim, value in (self.filters or {}).items():
            column = columns[dim]
            if isinstance(value, list | tuple | set):
                conds.append(column.in_([coerce_value(dim, v) for v in value]))
            elif value is None:
                conds.append(column.is_(None))
            else:
                conds.append(column == coerce_value(dim, value))
        return conds

    def groups(self, table: Any = T, columns: dict[str, Any] = DIMENSIONS) -> list[Any]:
        """Grouping expressions: the bucket (one or two columns), then the dimensions."""
        exprs: list[Any] = []
        if self.interval == "day":
            exprs.append(table.local_date)
        elif self.interval == "week":
            exprs.append(table.iso_week)
        elif self.interval == "month":
            exprs += [extract("year", table.local_date), extract("month", table.local_date)]
        exprs += [columns[d] for d in self.dims]
        return [e.label(f"g{i}") for i, e in enumerate(exprs)]

    def key(self, row: Sequence[Any]) -> Key:
        """The key of a result row whose first columns are `groups()`."""
        head = row[: _BUCKET_WIDTH[self.interval]]
        bucket: str | None = None
        if self.interval == "day":
            bucket = as_date(head[0]).isoformat()
        elif self.interval == "week":
            bucket = str(head[0])
        elif self.interval == "month":
            bucket = f"{int(head[0]):04d}-{int(head[1]):02d}"
        return bucket, tuple(row[len(head) : self.width])

    @property
    def width(self) -> int:
        """How many grouping columns lead each row."""
        return _BUCKET_WIDTH[self.interval] + len(self.dims)


def as_date(value: Any) -> date:
    """A date column's value as a date (SQLite returns text)."""
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def latest_data(store: Store, tenant: str) -> datetime | None:
    """The start (naive UTC) of the tenant's most recent interaction: 'now' for maturity checks."""
    with store.session() as session:
        return session.execute(select(func.max(T.started_at)).where(T.tenant == tenant)).scalar()


_QUEUED = and_(T.direction == "inbound", T.channel.in_(SYNC))
_ANSWERED = T.abandoned.is_(False)


def sql_samples(scope: Scope, metric: str) -> dict[Key, Sample]:
    """Counts and sums per segment, in one GROUP BY query (volume, csat, abandonment, service_level, aht)."""
    settings = scope.store.settings
    conds = scope.where()
    aggs: list[Any]
    if metric == "volume":
        aggs = [func.count()]
    elif metric == "csat":
        conds.append(T.csat.is_not(None))
        aggs = [func.count(), func.count().filter(T.csat >= 4), func.sum(T.csat), func.sum(T.csat * T.csat)]
    elif metric == "abandonment":
        conds.append(_QUEUED)
        aggs = [func.count(), func.count().filter(T.abandoned.is_(True))]
    elif metric == "service_level":
        conds += [_QUEUED, or_(T.abandoned.is_(True), T.wait_seconds.is_not(None))]
        served = and_(_ANSWERED, T.wait_seconds <= settings.service_level_seconds)
        aggs = [func.count(), func.count().filter(served)]
    elif metric == "aht":
        conds += [_ANSWERED, T.handle_seconds.is_not(None)]
        aggs = [
            func.count(),
            literal(0),
            func.sum(T.handle_seconds),
            func.sum(T.handle_seconds * T.handle_seconds),
        ]
    else:
        raise ValueError(f"{metric} is not a SQL-aggregate metric")
    groups = scope.groups()
    stmt = select(*groups, *aggs).where(*conds).group_by(*groups)
    out: dict[Key, Sample] = {}
    with scope.store.session() as session:
        for row in session.execute(stmt):
            n = int(row[scope.width] or 0)
            if n == 0:
                continue
            rest = list(row[scope.width + 1 :]) + [0, 0, 0]
            out[scope.key(row)] = Sample(
                n=n, hits=int(rest[0] or 0), total=float(rest[1] or 0), sumsq=float(rest[2] or 0)
            )
    return out


def value_samples(scope: Scope, metric: str) -> dict[Key, Sample]:
    """The values of a percentile metric per segment (one float column): response_time, first_response."""
    conds = scope.where()
    if metric == "response_time":
        conds += [_QUEUED, _ANSWERED, T.wait_seconds.is_not(None)]
        column = T.wait_seconds
    elif metric == "first_response":
        conds += [T.direction == "inbound", T.channel.in_(ASYNC), T.first_response_seconds.is_not(None)]
        column = T.first_response_seconds
    else:
        raise ValueError(f"{metric} is not a percentile metric")
    grouped: dict[tuple[Any, ...], list[float]] = defaultdict(list)
    width = scope.width
    with scope.store.session() as session:
        for row in session.execute(select(*scope.groups(), column).where(*conds)).tuples():
            grouped[tuple(row[:width])].append(row[width])
    return {scope.key(head): Sample.of(values) for head, values in grouped.items()}


def engagement_samples(scope: Scope) -> dict[Key, Sample]:
    """Follow-ups done by their deadline, among matured required follow-ups of the period's contacts.

    Deadline: `due_at`, else `ended_at` (or `started_at`) + follow_up_default_hours. A follow-up not done
    whose deadline is after the latest data is not matured and left out (counted in extra `not_due_yet`).
    """
    latest = latest_data(scope.store, scope.tenant)
    default = timedelta(hours=scope.store.settings.follow_up_default_hours)
    cols = [T.started_at, T.ended_at, T.follow_up_due_at, T.follow_up_done_at]
    stmt = select(*scope.groups(), *cols).where(*scope.where(), T.follow_up_required.is_(True))
    out: dict[Key, Sample] = defaultdict(Sample)
    with scope.store.session() as session:
        for row in session.execute(stmt):
            started, ended, due, done = row[scope.width :]
            deadline = due or (ended or started) + default
            sample = out[scope.key(row)]
            sample.rules["due_at" if due else "default_hours"] += 1
            if done is None and latest is not None and deadline > latest:
                sample.counts["not_due_yet"] += 1
                continue
            sample.n += 1
            if done is not None and done <= deadline:
                sample.hits += 1
            elif done is not None:
                sample.counts["done_late"] += 1
            else:
                sample.counts["not_done"] += 1
    return dict(out)


def volume_days(scope: Scope) -> dict[str | None, int]:
    """Days each bucket covers within the scope (the exposure used to compare volumes)."""
    out: Counter[str | None] = Counter()
    for offset in range((scope.end - scope.start).days + 1):
        day = scope.start + timedelta(days=offset)
        labels = {"day": day.isoformat(), "week": week_label(day), "month": f"{day.year:04d}-{day.month:02d}"}
        out[labels[scope.interval] if scope.interval else None] += 1
    return dict(out)
