"""KPI samples read from the daily rollups (store.kpi_rollup) instead of the interactions.

The rollups hold, per tenant × local day × queue × channel × direction × language, what the day's contacts
contribute to each metric under the raw definitions: counts and sums, the values of percentile metrics, and
what the latest data decides at query time (maturity, deadlines, provisional FCR) as arrays compared here
exactly as the raw code compares datetimes. Pooling cells gives the raw `Sample` of every segment, so
`summarize` prints the same figures. Queries grouped or filtered by agent, hour or theme (not in the cell)
and attrition over a whole period (a patient's last contact of the period cannot be pooled from days) use
the raw path.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import numpy as np
from sqlalchemy import ColumnElement, func, literal_column, or_, select
from sqlalchemy.dialects.postgresql import aggregate_order_by

from analytics.kpi_defs import T
from analytics.kpi_queries import Key, Sample, Scope, latest_data
from analytics.kpis_journeys import OUTCOMES
from store import kpi_cells
from store.kpi_cells import ALONE_DAY, ALONE_MONTH, ALONE_WEEK, ARRAYS, COUNTS, EPOCH, LOST, POSITIVE, micros
from store.kpi_flags import LATER_DIMENSIONS
from store.kpi_rollup import built, ready, refresh_store
from store.schema import KpiContactRow, KpiDayRow

D = KpiDayRow.__table__.c
K = KpiContactRow.__table__.c
ROLLUP_DIMENSIONS: dict[str, ColumnElement[Any]] = {
    "queue": D.queue,
    "channel": D.channel,
    "direction": D.direction,
    "language": D.language,
    "weekday": D.local_weekday,
}
"""Dimensions a rollup cell keeps (the others need the interactions)."""
ALONE = {"day": ALONE_DAY, "week": ALONE_WEEK, "month": ALONE_MONTH}
MULTI = {"day": K.multi_day, "week": K.multi_week, "month": K.multi_month}
_ARRAYS_OF = {
    "response_time": ("rt",),
    "first_response": ("fr",),
    "service_level": ("rt",),
    "fcr": ("fcr_started",),
    "engagement": ("eng_due_open", "eng_def_done", "eng_def_open"),
    "attrition": ("att_fin", "att_code", "att_later"),
}
BUCKET_INDEX = {"day": 0, "week": 1, "month": 2}
"""Position of a bucket's mask in att_later (three per contact)."""


def covers(scope: Scope, metric: str) -> bool:
    """Whether the rollups can answer this query (its dimensions and filters are kept in the cells)."""
    names = set(scope.dims) | set(scope.filters or {})
    return names <= set(ROLLUP_DIMENSIONS) and not (metric == "attrition" and scope.interval is None)


def usable(scope: Scope) -> bool:
    """Fold pending changes in, then whether the rollups are built with the store's settings."""
    store = scope.store
    with store.engine.connect() as conn:
        if ready(conn, store.settings):
            return True
    refresh_store(store)  # what was committed before it started is folded in; later changes wait their turn
    with store.engine.connect() as conn:
        return built(conn, store.settings)


@dataclass
class _Pool:
    """The cells of one segment, pooled."""

    counts: Counter[str]
    aht_total: float
    aht_sumsq: float
    parts: dict[str, list[np.ndarray]] = field(default_factory=dict)

    def array(self, name: str) -> np.ndarray:
        parts = self.parts.get(name)
        if not parts:
            return np.empty(0, dtype=ARRAYS[name])
        return parts[0] if len(parts) == 1 else np.concatenate(parts)


def _pools(scope: Scope, arrays: tuple[str, ...], since: date | None = None) -> dict[Key, _Pool]:
    """Counts and sums pooled in SQL (one row per segment), then the arrays of the cells that hold any."""
    groups = scope.groups(D, ROLLUP_DIMENSIONS)
    sums = [func.sum(D[name]) for name in COUNTS] + [func.sum(D.aht_total), func.sum(D.aht_sumsq)]
    width = scope.width
    pools: dict[Key, _Pool] = {}
    keys: dict[tuple[Any, ...], Key] = {}
    where = scope.where(D, ROLLUP_DIMENSIONS)
    stmt = select(*groups, *sums).where(*where).group_by(*groups)
    with scope.store.session() as session:
        for row in session.execute(stmt).tuples():
            head = tuple(row[:width])
            if row[width] is None:  # no cell at all (an aggregate without GROUP BY)
                continue
            key = keys[head] = scope.key(head)
            values = row[width:]
            counts = Counter({name: int(v or 0) for name, v in zip(COUNTS, values, strict=False)})
            pools[key] = _Pool(counts, float(values[-2] or 0), float(values[-1] or 0))
        if not arrays:
            return pools
        blobs = [D[name] for name in arrays]
        conds = [*where, or_(*(b.is_not(None) for b in blobs))]
        if since is not None:
            conds.append(D.local_date >= since)
        if scope.store.dialect == "postgresql":
            # one concatenated bytea per segment (in pk order, so paired arrays stay aligned): a few rows
            # cross the wire instead of thousands
            empty: Any = literal_column("''::bytea")
            joined = [func.string_agg(b, aggregate_order_by(empty, D.pk)) for b in blobs]
            stmt = select(*groups, *joined).where(*conds).group_by(*groups)
        else:
            stmt = select(*groups, *blobs).where(*conds)
        for row in session.execute(stmt).tuples():
            head = tuple(row[:width])
            if head not in keys:  # PostgreSQL's aggregate without GROUP BY over no cell: one row of nulls
                continue
            pool = pools[keys[head]]
            for name, blob in zip(arrays, row[width:], strict=True):
                if blob:
                    pool.parts.setdefault(name, []).append(np.frombuffer(blob, dtype=ARRAYS[name]))
    return pools


def rollup_samples(scope: Scope, metric: str) -> dict[Key, Sample]:
    """The samples of a metric per segment, pooled from the day cells (`covers` must be true)."""
    context = _Context(scope)
    since = None
    if metric == "fcr":  # only contacts started in the last FCR window before the latest data are provisional
        since = (
            EPOCH.date()
            if context.latest is None
            else (EPOCH + timedelta(microseconds=context.latest - context.window)).date() - timedelta(2)
        )
    pools = _pools(scope, _ARRAYS_OF.get(metric, ()), since)
    build = _BUILDERS[metric]
    out = {key: sample for key, pool in pools.items() if (sample := build(pool, context)) is not None}
    if metric == "attrition" and context.subset is None:
        _hard_attrition(scope, context, out)
    return out


class _Context:
    """What the latest data and the settings decide, computed once per query."""

    def __init__(self, scope: Scope) -> None:
        settings = scope.store.settings
        latest = latest_data(scope.store, scope.tenant)
        self.latest = None if latest is None else micros(latest)
        self.scope = scope
        self.service_level = settings.service_level_seconds
        self.window = kpi_cells.duration_micros(timedelta(days=settings.fcr_window_days))
        self.attrition = kpi_cells.duration_micros(timedelta(days=settings.attrition_days))
        self.follow_up = kpi_cells.duration_micros(timedelta(hours=settings.follow_up_default_hours))
        self.subset = later_subset(scope)


def _counted(n: int, hits: int, total: float = 0.0, sumsq: float = 0.0) -> Sample | None:
    return Sample(n=n, hits=hits, total=total, sumsq=sumsq) if n else None


def _values(values: np.ndarray) -> Sample | None:
    return Sample.of(values) if values.size else None  # the raw path's sorted sums, bit for bit


def _service_level(pool: _Pool, ctx: _Context) -> Sample | None:
    waits = pool.array("rt")
    served = int(np.count_nonzero(waits <= ctx.service_level))
    return _counted(pool.counts["queued_abandoned"] + int(waits.size), served)


def _positive(counter: Counter[str], **values: int) -> None:
    for name, value in values.items():
        if value:
            counter[name] += value


def _engagement(pool: _Pool, ctx: _Context) -> Sample | None:
    c = pool.counts
    if not (c["eng_due"] or c["eng_default"]):
        return None
    due_open, def_done, def_open = (pool.array(n) for n in ("eng_due_open", "eng_def_done", "eng_def_open"))
    if ctx.latest is None:
        due_waiting = def_waiting = 0
    else:
        due_waiting = int(np.count_nonzero(due_open > ctx.latest))
        def_waiting = int(np.count_nonzero(def_open + ctx.follow_up > ctx.latest))
    def_ok = int(np.count_nonzero(def_done <= ctx.follow_up))
    sample = Sample(
        n=c["eng_due"] + c["eng_default"] - due_waiting - def_waiting, hits=c["eng_due_ok"] + def_ok
    )
    _positive(sample.rules, due_at=c["eng_due"], default_hours=c["eng_default"])
    _positive(
        sample.counts,
        not_due_yet=due_waiting + def_waiting,
        done_late=c["eng_due_late"] + int(def_done.size) - def_ok,
        not_done=int(due_open.size) - due_waiting + int(def_open.size) - def_waiting,
    )
    return sample


def _fcr(pool: _Pool, ctx: _Context) -> Sample | None:
    c = pool.counts
    if not (c["fcr_unknown"] or c["fcr_resolved_n"] or c["fcr_repeat_n"]):
        return None
    repeats = {kind: c[f"fcr_by_{kind}"] for kind in OUTCOMES}
    sample = Sample(
        n=c["fcr_resolved_n"] + c["fcr_repeat_n"],
        hits=c["fcr_resolved_hits"] + c["fcr_repeat_n"] - sum(repeats.values()),
    )
    _positive(sample.rules, resolved=c["fcr_resolved_n"], repeat=c["fcr_repeat_n"])
    provisional = 0
    if ctx.latest is not None:
        provisional = int(np.count_nonzero(pool.array("fcr_started") + ctx.window > ctx.latest))
    _positive(
        sample.counts,
        unknown=c["fcr_unknown"],
        provisional_contacts=provisional,
        **{f"repeat_by_{kind}": n for kind, n in repeats.items()},
    )
    return sample


def _repeat_rate(pool: _Pool, _ctx: _Context) -> Sample | None:
    c = pool.counts
    if not (c["rep_n"] or c["rep_without"]):
        return None
    sample = Sample(n=c["rep_n"], hits=c["rep_hits"])
    _positive(sample.counts, without_patient_ref=c["rep_without"])
    return sample


def later_subset(scope: Scope) -> int | None:
    """The subset of LATER_DIMENSIONS whose later_* bit says "not the last of its segment", if it can.

    It can when the period ends with a bucket (a later contact of the bucket is then in the period) and each
    filter keeps one value (a later contact agreeing on it passes it too).
    """
    end = scope.end
    aligned = {
        "day": True,
        "week": end.isoweekday() == 7,
        "month": (end + timedelta(days=1)).day == 1,
    }.get(str(scope.interval), False)
    if not aligned:
        return None
    names = set(scope.dims)
    for dim, value in (scope.filters or {}).items():
        if isinstance(value, list | tuple | set) and len(set(value)) != 1:
            return None
        names.add(dim)
    return sum(1 << LATER_DIMENSIONS.index(n) for n in names)


def _attrition(pool: _Pool, ctx: _Context) -> Sample | None:
    """Patients' last contacts of the segment: by the later_* masks, else those alone in their bucket."""
    codes = pool.array("att_code")
    if ctx.subset is not None:
        later = pool.array("att_later").reshape(-1, 3)[:, BUCKET_INDEX[str(ctx.scope.interval)]]
        last = ((later >> np.uint32(ctx.subset)) & np.uint32(1)) == 0
    else:
        last = (codes & ALONE[str(ctx.scope.interval)]) != 0
    if not last.any():
        return None
    fin, category = pool.array("att_fin")[last], codes[last] // 8
    matured = np.zeros(fin.size, dtype=bool) if ctx.latest is None else fin + ctx.attrition <= ctx.latest
    sample = Sample(n=int(matured.sum()), hits=int(np.count_nonzero(matured & (category == LOST))))
    _positive(
        sample.counts,
        not_matured=int(fin.size - sample.n),
        negative=int(np.count_nonzero(matured & (category != POSITIVE))),
    )
    return sample


def _hard_attrition(scope: Scope, ctx: _Context, out: dict[Key, Sample]) -> None:
    """Patients with several contacts in a bucket: their last one per segment, as the raw code picks it."""
    cols = [T.pk, T.patient_ref, T.started_at, T.ended_at, T.abandoned, T.csat, K.att_return]
    stmt = (
        select(*scope.groups(), *cols)
        .join(KpiContactRow, K.pk == T.pk)
        .where(
            K.tenant == scope.tenant,
            MULTI[str(scope.interval)].is_(True),
            K.local_date >= scope.start,
            K.local_date <= scope.end,
            *scope.where(),
            T.direction == "inbound",
            T.patient_ref.is_not(None),
        )
    )
    last: dict[tuple[Key, str], tuple[Any, ...]] = {}
    width = scope.width
    with scope.store.engine.connect() as conn:
        for row in conn.execute(stmt).tuples():
            segment = (scope.key(row), row[width + 1])
            values = row[width:]
            current = last.get(segment)
            if current is None or (values[2], values[0]) > (current[2], current[0]):
                last[segment] = values
    for (key, _patient), (_pk, _p, started, ended, abandoned, csat, returned) in last.items():
        sample = out.setdefault(key, Sample())
        finished = micros(ended or started)
        if ctx.latest is None or finished + ctx.attrition > ctx.latest:
            sample.counts["not_matured"] += 1
            continue
        sample.n += 1
        if bool(abandoned) or (csat is not None and csat <= 2):
            sample.counts["negative"] += 1
            if not returned:
                sample.hits += 1


_BUILDERS: dict[str, Callable[[_Pool, _Context], Sample | None]] = {
    "volume": lambda pool, _: _counted(pool.counts["n_all"], 0),
    "csat": lambda pool, _: _counted(
        pool.counts["csat_n"],
        pool.counts["csat_top2"],
        float(pool.counts["csat_sum"]),
        float(pool.counts["csat_sumsq"]),
    ),
    "abandonment": lambda pool, _: _counted(pool.counts["queued_n"], pool.counts["queued_abandoned"]),
    "service_level": _service_level,
    "aht": lambda pool, _: _counted(pool.counts["aht_n"], 0, pool.aht_total, pool.aht_sumsq),
    "response_time": lambda pool, _: _values(pool.array("rt")),
    "first_response": lambda pool, _: _values(pool.array("fr")),
    "engagement": _engagement,
    "fcr": _fcr,
    "repeat_rate": _repeat_rate,
    "attrition": _attrition,
}
