"""Anomaly detection: KPIs that deviate from their own robust weekly baseline in one segment.

For each metric and segment (queue × weekday × hour, queue × hour, queue × weekday, queue × channel,
agent) the period's value is compared with the same segment in each of the previous `baseline_weeks` blocks of
the same length (so weekday and hour seasonality is built in): expected = median of those values (for shares,
the pooled rate: a small cell's weekly share is noisy), spread = 1.4826 × MAD, never below the standard error
of the difference. Baseline blocks already far on the worse side (a degradation begun the week before) are
left out of the pooled baseline. A segment is kept when it is worse by at least `min_score` spreads, has
`min_volume` contacts, and its one-sided test against the pooled baseline survives Benjamini–Hochberg at
`alpha` within its segment level.

Levels run from the finest to the coarsest, and each coarser level is tested without the cells already flagged
finer: a degradation confined to Monday 8–10 h in one queue is reported there, not again as "the whole week of
that queue". Agents are only judged on what they control (satisfaction, handle time, follow-ups kept on time),
not on queue waits; follow-ups are judged per agent only.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from functools import partial
from typing import Any

import numpy as np

from analytics import stats
from analytics.dataset import NA, PeriodDataset, dataset_for
from analytics.kpi_frame import Groups, counted
from analytics.kpi_queries import Scope
from core.periods import before, days
from core.results import Anomaly, Period
from core.wording import WEEKDAYS
from store.db import Store

QUEUE_LEVELS: list[tuple[str, ...]] = [
    ("queue", "weekday", "hour"),
    ("queue", "hour"),
    ("queue", "weekday"),
    ("queue", "channel"),
]


@dataclass(frozen=True)
class Spec:
    """How to read one metric from the cell fields."""

    metric: str
    kind: str
    """'mean' (n, sum, sum of squares) or 'share' (n, hits)."""
    worse_up: bool
    label: str


SPECS = [
    Spec("response_time", "mean", True, "Average wait"),
    Spec("service_level", "share", False, "Service level"),
    Spec("abandonment", "share", True, "Abandonment"),
    Spec("csat", "share", False, "Satisfaction (top-2-box)"),
    Spec("aht", "mean", True, "Average handle time"),
    Spec("engagement", "share", False, "Follow-ups done on time"),
]
_AT = {spec.metric: 3 * i for i, spec in enumerate(SPECS)}
"""Where a metric's three fields start in a cell: n, then hits (a share) or sum and sum of squares."""
AGENT_METRICS = ("csat", "aht", "engagement")
"""What an agent controls: satisfaction, handle time, and keeping the follow-ups they promised."""
QUEUE_SPECS = [s for s in SPECS if s.metric != "engagement"]
"""Follow-ups are kept (or not) by agents: judged per agent, not again as the queues those agents serve."""


Cell = tuple[int, dict[str, Any], np.ndarray]
"""(block: 0 = period, k = k-th block before; segment attributes; the fields of every spec)."""


def _fields(data: PeriodDataset) -> np.ndarray:
    """Each interaction's fields (what it adds to the cells), one row each, the KPI engine's definitions.

    Follow-ups are the agents' own: promised with a deadline and kept by it.
    """
    c = data.cols
    columns: list[np.ndarray] = []
    for spec in SPECS:
        if spec.metric == "engagement":
            mask = c["follow_up"] & (c["due"] != NA)
            hits, values = (c["done"] != NA) & (c["done"] <= c["due"]), None
        else:
            mask, hits, values = counted(data, spec.metric)
        if spec.kind == "share" or values is None:
            columns += [mask, mask & hits, np.zeros(len(data))]
        else:
            summed = np.where(mask, values, 0.0)
            columns += [mask, summed, summed * summed]
    return np.stack([np.asarray(column, dtype=float) for column in columns], axis=1)


def _cells(store: Store, data: PeriodDataset, period: Period, blocks: int, by_agent: bool) -> list[Cell]:
    """The fields summed per day and segment (queue × channel × hour, or agent) over the period and blocks."""
    length = days(period)
    start = period.start - timedelta(days=length * blocks)
    mask = data.between(start, period.end)
    dims = ("agent",) if by_agent else ("queue", "channel", "hour")
    if by_agent:
        mask &= data.cols["agent"] != None  # noqa: E711 (elementwise over an object column)
    groups = Groups(data, Scope(store, data.tenant, start, period.end, dims, "day"), mask)
    sums = np.zeros((len(groups.keys), 3 * len(SPECS)))
    np.add.at(sums, groups.inverse, _fields(data)[groups.index])
    out: list[Cell] = []
    for (bucket, segment), values in zip(groups.keys, sums, strict=True):
        day = date.fromisoformat(str(bucket))
        block = 0 if day >= period.start else ((period.start - day).days - 1) // length + 1
        attrs = dict(zip(dims, segment, strict=True))
        if not by_agent:
            attrs["weekday"] = day.isoweekday()
        out.append((block, attrs, values))
    return sorted(out, key=_cell_order)


def _pooled(cells: Iterable[Cell], key: Callable[[dict[str, Any]], Any]) -> dict[Any, dict[int, np.ndarray]]:
    """The cells' fields summed per key of their segment and per block."""
    pooled: dict[Any, dict[int, np.ndarray]] = defaultdict(dict)
    for block, attrs, values in cells:
        blocks = pooled[key(attrs)]
        blocks[block] = blocks[block] + values if block in blocks else values.copy()
    return pooled


def _cell_order(cell: Cell) -> tuple[Any, ...]:
    """One order of the cells (block, then segment, missing values first): equal scores keep one order."""
    block, attrs, _values = cell
    return (-block, *((v is not None, v) for v in _cell_key(attrs)))


def _value(spec: Spec, agg: np.ndarray) -> tuple[int, float, float]:
    """(n, value, variance of one observation) of a metric from summed fields."""
    at = _AT[spec.metric]
    n = int(agg[at])
    if n == 0:
        return 0, math.nan, math.nan
    if spec.kind == "share":
        p = agg[at + 1] / n
        return n, float(p), float(p * (1 - p))
    return n, *stats.moments(n, float(agg[at + 1]), float(agg[at + 2]))


@dataclass
class _Candidate:
    spec: Spec
    segment: dict[str, Any]
    value: float
    expected: float
    score: float
    volume: int
    p: float | None
    weeks: int


def _test(
    spec: Spec, segment: dict[str, Any], by_block: dict[int, np.ndarray], min_volume: int
) -> _Candidate | None:
    current = by_block.get(0)
    if current is None:
        return None
    n0, v0, var0 = _value(spec, current)
    if n0 < min_volume:
        return None
    history = [_value(spec, agg) for block, agg in by_block.items() if block > 0]
    weekly = [v for n, v, _ in history if n >= 3]
    if len(weekly) < 2:
        return None
    expected = float(np.median(weekly))
    mad = 1.4826 * float(np.median(np.abs(np.asarray(weekly) - expected)))
    floor = 0.02 if spec.kind == "share" else max(5.0, 0.05 * abs(expected))  # the least spread judged on
    # A degradation that began in the previous weeks is not "usual": blocks already as bad as the period
    # (far on the worse side of the median) are left out of the pooled baseline the test compares with.
    everything = sum((agg for block, agg in by_block.items() if block > 0), np.zeros_like(current))
    noise = _value(spec, everything)[2]
    usual = [
        agg
        for block, agg in by_block.items()
        if block > 0 and not _already_bad(spec, _value(spec, agg), expected, max(mad, floor), noise)
    ]
    pooled = sum(usual, np.zeros_like(current))
    nb, vb, varb = _value(spec, pooled)
    if nb == 0:
        return None
    alternative = "greater" if spec.worse_up else "less"
    if spec.kind == "share":
        expected = vb  # a weekly share of a small cell is noisy (often 100 %): the pooled rate is the usual
        shared = (v0 * n0 + vb * nb) / (n0 + nb)
        se = math.sqrt(shared * (1 - shared) * (1 / n0 + 1 / nb))
        p = stats.two_proportion_p(int(round(v0 * n0)), n0, int(round(vb * nb)), nb, alternative=alternative)
    else:
        se = math.sqrt(var0 / n0 + varb / nb)
        p = stats.welch_p(n0, v0, var0, nb, vb, varb, alternative=alternative)
    score = (v0 - expected) / max(mad, se, floor) * (1 if spec.worse_up else -1)
    return _Candidate(spec, segment, v0, expected, score, n0, p, len(weekly))


def _already_bad(
    spec: Spec, block: tuple[int, float, float], expected: float, spread: float, noise: float
) -> bool:
    """Whether a baseline block is far on the worse side: beyond 3 spreads (`spread`, or its own noise)."""
    n, value, _ = block
    if n < 3:
        return False
    spread = max(spread, math.sqrt(max(noise, 0.0) / n))
    worse = (value - expected) if spec.worse_up else (expected - value)
    return worse > 3 * spread


def _run_level(
    cells: list[Cell],
    dims: tuple[str, ...],
    specs: list[Spec],
    excluded: dict[str, set[tuple[Any, ...]]],
    *,
    min_volume: int,
    alpha: float,
    min_score: float,
) -> list[tuple[_Candidate, float]]:
    found: list[_Candidate | None] = []
    for spec in specs:
        kept = (cell for cell in cells if _cell_key(cell[1]) not in excluded[spec.metric])
        for key, by_block in _pooled(kept, lambda attrs: tuple(attrs[d] for d in dims)).items():
            found.append(_test(spec, dict(zip(dims, key, strict=True)), by_block, min_volume))
    return _significant(found, alpha, min_score)


def _significant(
    found: list[_Candidate | None], alpha: float, min_score: float = -math.inf
) -> list[tuple[_Candidate, float]]:
    """The tested candidates with a BH q-value (over all of them) ≤ alpha and a score ≥ min_score."""
    candidates = [c for c in found if c is not None and c.p is not None]
    q_values = stats.benjamini_hochberg([c.p for c in candidates])
    return [
        (c, q)
        for c, q in zip(candidates, q_values, strict=True)
        if q is not None and q <= alpha and c.score >= min_score
    ]


def _cell_key(attrs: dict[str, Any]) -> tuple[Any, ...]:
    return tuple(attrs.get(d) for d in ("queue", "channel", "weekday", "hour", "agent"))


def find_anomalies(
    *,
    store: Store,
    tenant: str,
    period: Period,
    baseline_weeks: int = 4,
    min_volume: int = 10,
    alpha: float = 0.05,
    min_score: float = 3.0,
    data: PeriodDataset | None = None,
) -> list[Anomaly]:
    """Significant, sizeable KPI degradations by segment in the period, worst first, each explained."""
    run_level = partial(_run_level, min_volume=min_volume, alpha=alpha, min_score=min_score)
    found: list[tuple[_Candidate, float]] = []
    blocks = before(period, days(period) * max(1, baseline_weeks))
    data = dataset_for(data, store=store, tenant=tenant, period=period, baseline=blocks, words=False)
    cells = _cells(store, data, period, baseline_weeks, by_agent=False)
    agent_cells = _cells(store, data, period, baseline_weeks, by_agent=True)
    excluded: dict[str, set[tuple[Any, ...]]] = defaultdict(set)
    for dims in QUEUE_LEVELS:
        flagged = run_level(cells, dims, QUEUE_SPECS, excluded)
        for candidate, _q in flagged:
            excluded[candidate.spec.metric].update(
                _cell_key(attrs)
                for _b, attrs, _v in cells
                if all(attrs.get(k) == v for k, v in candidate.segment.items())
            )
        found += flagged
    agent_specs = [s for s in SPECS if s.metric in AGENT_METRICS]
    found += run_level(agent_cells, ("agent",), agent_specs, defaultdict(set))
    found.sort(key=lambda item: -item[0].score)
    return [
        Anomaly(
            metric=c.spec.metric,
            segment=c.segment,
            value=round(c.value, 4),
            expected=round(c.expected, 4),
            score=round(c.score, 2),
            volume=c.volume,
            p_value=round(q, 6),
            explanation=explain(c),
        )
        for c, q in found
    ]


def describe_segment(segment: dict[str, Any]) -> str:
    """A segment in words: 'queue radiologie, Monday, 08:00–09:00'."""
    parts = []
    for key, value in segment.items():
        if key == "weekday":
            parts.append(WEEKDAYS["en"][int(value) - 1])
        elif key == "hour":
            parts.append(f"{int(value):02d}:00–{int(value) + 1:02d}:00")
        else:
            parts.append(f"{key} {value}")
    return ", ".join(parts)


def _fmt(spec: Spec, value: float) -> str:
    return f"{value:.0%}" if spec.kind == "share" else f"{value:.0f} s"


def explain(candidate: _Candidate) -> str:
    """One sentence a manager understands: what, where, how far from usual, on how many contacts."""
    c = candidate
    return (
        f"{c.spec.label} in {describe_segment(c.segment)} was {_fmt(c.spec, c.value)} against "
        f"{_fmt(c.spec, c.expected)} usually ({'rate' if c.spec.kind == 'share' else 'median'} of the "
        f"{c.weeks} previous weeks), "
        f"over {c.volume} contacts: {c.score:.1f} times the usual variation."
    )


NEIGHBOUR_MIN_VOLUME = 3
"""Contacts an hour needs in the period to be tested as a friction's neighbour (as a baseline week needs)."""


def _queue_segment(segment: dict[str, Any], metrics: list[str]) -> tuple[dict[str, Any], list[Spec]] | None:
    """A queue segment's filters without its hours, and the specs of `metrics` (None: not a queue segment)."""
    fixed = {k: v for k, v in segment.items() if k != "hour"}
    specs = [s for s in QUEUE_SPECS if s.metric in metrics]
    if not specs or "queue" not in fixed or set(fixed) - {"queue", "weekday", "channel"}:
        return None
    return fixed, specs


def _segment_cells(
    store: Store, tenant: str, period: Period, fixed: dict[str, Any], baseline_weeks: int
) -> list[Cell]:
    """The cells of a queue segment (its filters without its hours) in the period and the blocks before."""
    blocks = before(period, days(period) * max(1, baseline_weeks))
    data = dataset_for(None, store=store, tenant=tenant, period=period, baseline=blocks, words=False)
    return [
        cell
        for cell in _cells(store, data, period, baseline_weeks, by_agent=False)
        if all(cell[1][k] == v for k, v in fixed.items() if k != "weekday")
        and ("weekday" not in fixed or int(cell[1]["weekday"]) == int(fixed["weekday"]))
    ]


def neighbour_hours(
    *,
    store: Store,
    tenant: str,
    period: Period,
    segment: dict[str, Any],
    metrics: list[str],
    baseline_weeks: int = 4,
    alpha: float = 0.05,
) -> list[int]:
    """A segment friction's hours, widened to the adjacent hours that show the same degradation.

    `segment` is a queue segment with its hours (queue, and weekday or channel, and `hour`: a list). Starting
    from its hours, the hours just before and after are tested, one step outward at a time, with the
    detection's own test (each hour against its own weeks before, blocks already degraded left out,
    one-sided in the worse direction) on the friction's anomaly `metrics`; an hour joins when that test is
    significant at `alpha` after Benjamini–Hochberg over the hours tested in that step. The ranking's size
    floors (`min_volume`, `min_score`) are not asked of a neighbour, which is not ranked on its own; it needs
    NEIGHBOUR_MIN_VOLUME contacts. The hours of a segment without hours, or of an agent, are returned as
    they are.
    """
    hours = sorted({int(h) for h in (segment.get("hour") or [])})
    queue_segment = _queue_segment(segment, metrics)
    if not hours or queue_segment is None:
        return hours
    fixed, specs = queue_segment
    by_hour = _pooled(_segment_cells(store, tenant, period, fixed, baseline_weeks), lambda a: int(a["hour"]))
    tested: set[int] = set(hours)
    while True:
        step = [h for h in (min(hours) - 1, max(hours) + 1) if 0 <= h <= 23 and h not in tested]
        tested.update(step)
        found = [
            _test(spec, {"hour": hour}, by_hour.get(hour, {}), NEIGHBOUR_MIN_VOLUME)
            for hour in step
            for spec in specs
        ]
        joined = {c.segment["hour"] for c, _ in _significant(found, alpha)}
        if not joined:
            return hours
        hours = sorted(set(hours) | joined)


def segment_degraded(
    *,
    store: Store,
    tenant: str,
    period: Period,
    segment: dict[str, Any],
    metrics: list[str],
    baseline_weeks: int = 4,
    min_volume: int = 10,
    alpha: float = 0.05,
    min_score: float = 3.0,
) -> bool:
    """Whether a queue segment (its hours pooled) shows a degradation of `metrics` in `period`.

    The detection's rule, on the segment as a whole: its value against the same segment in the blocks
    before (degraded blocks left out), one-sided, with `min_volume` contacts, a score of `min_score`
    spreads and p ≤ `alpha` after Benjamini–Hochberg over the metrics tested. False for a segment that is
    not a queue segment (a theme, an agent).
    """
    queue_segment = _queue_segment(segment, metrics)
    if queue_segment is None:
        return False
    fixed, specs = queue_segment
    hours = {int(h) for h in (segment.get("hour") or [])}
    cells = _segment_cells(store, tenant, period, fixed, baseline_weeks)
    pooled = _pooled((c for c in cells if not hours or int(c[1]["hour"]) in hours), lambda _: 0)[0]
    return bool(_significant([_test(spec, fixed, pooled, min_volume) for spec in specs], alpha, min_score))
