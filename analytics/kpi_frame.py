"""KPI samples computed from a period dataset (`analytics.dataset`): the definition of every metric.

Each metric is defined on the dataset's columns with numpy: an analysis computes from the dataset it loaded,
a journey query the rollups cannot answer from one read for its dates (`scope_dataset`). The journey metrics
read the flags the dataset computes once (`analytics.kpis_journeys`). The store's SQL reads
(`analytics.kpi_queries`) give the same samples for the other metrics (`tests/unit/analytics/test_dataset`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import numpy as np

from analytics.dataset import NA, PeriodDataset, read_dataset
from analytics.kpi_defs import VALUE_METRICS, coerce_value
from analytics.kpi_queries import Key, Sample, Scope
from analytics.kpis_journeys import OUTCOMES
from core.results import Period
from store.kpi_cells import duration_micros

COUNTED = ("volume", "csat", "abandonment", "service_level", "aht", "response_time", "first_response")


def scope_dataset(scope: Scope) -> PeriodDataset:
    """The interactions a journey query reads from the store: the scope's dates and the windows around."""
    return read_dataset(store=scope.store, tenant=scope.tenant, core=Period(start=scope.start, end=scope.end))


def scope_mask(data: PeriodDataset, scope: Scope) -> np.ndarray:
    """The interactions of the scope: its dates and its dimension filters (as `Scope.where`)."""
    mask = data.between(scope.start, scope.end)
    for dim, value in (scope.filters or {}).items():
        codes, _values, index = data.codes(dim)
        if isinstance(value, list | tuple | set):  # SQL IN: a null in the list matches nothing
            wanted = [index[v] for v in {coerce_value(dim, x) for x in value} if v is not None and v in index]
            mask &= np.isin(codes, wanted)
        else:
            mask &= codes == index.get(coerce_value(dim, value), -1)
    return mask


class Groups:
    """The chosen interactions of a scope, grouped: counts and sums per segment."""

    def __init__(self, data: PeriodDataset, scope: Scope, mask: np.ndarray) -> None:
        self.index = np.flatnonzero(mask)
        parts: list[np.ndarray] = []  # the bucket's codes, then each dimension's, with their decoders
        decoders: list[Callable[[int], Any]] = []
        if scope.interval == "day":
            parts.append(data.cols["day"])
            decoders.append(lambda c: date.fromordinal(c).isoformat())
        elif scope.interval == "week":
            codes, weeks, _ = data.codes("iso_week")
            parts.append(codes)
            decoders.append(lambda c: str(weeks[c]))
        elif scope.interval == "month":
            parts.append(data.cols["month"])
            decoders.append(lambda c: f"{c // 12:04d}-{c % 12 + 1:02d}")
        for dim in scope.dims:
            codes, values, _ = data.codes(dim)
            parts.append(codes)
            decoders.append(values.__getitem__)
        self.inverse = np.zeros(len(self.index), dtype=np.int64)
        self.keys: list[Key] = [(None, ())] if len(self.index) else []
        if parts and len(self.index):
            stacked = np.stack([part[self.index] for part in parts], axis=1)
            unique, inverse = np.unique(stacked, axis=0, return_inverse=True)
            self.inverse = inverse.reshape(-1)
            bucketed = scope.interval is not None
            self.keys = []
            for row in unique.tolist():  # as `Scope.key` reads a row of the store
                decoded = [decode(code) for decode, code in zip(decoders, row, strict=True)]
                self.keys.append((decoded[0], tuple(decoded[1:])) if bucketed else (None, tuple(decoded)))
        self.samples = [Sample() for _ in self.keys]

    def count(self, cond: np.ndarray | None = None) -> list[int]:
        """How many chosen interactions of each segment meet the condition (all when None)."""
        weights = None if cond is None else cond[self.index].astype(float)
        return [int(v) for v in np.bincount(self.inverse, weights, minlength=len(self.keys)).tolist()]

    def total(self, values: np.ndarray) -> list[float]:
        """The sum of a column per segment."""
        return np.bincount(self.inverse, values[self.index], minlength=len(self.keys)).tolist()  # type: ignore[no-any-return]

    def tally(self, attribute: str, name: str, cond: np.ndarray | None = None) -> None:
        """Add the per-segment count of a condition to a Counter of each sample (positive counts only)."""
        for sample, n in zip(self.samples, self.count(cond), strict=True):
            if n:
                getattr(sample, attribute)[name] += n

    def result(self, among: np.ndarray | None, hits: np.ndarray | None) -> dict[Key, Sample]:
        """The samples by key; n: how many meet `among` (all when None), hits: how many meet `hits`."""
        counted = [0] * len(self.keys) if hits is None else self.count(hits)
        for sample, n, h in zip(self.samples, self.count(among), counted, strict=True):
            sample.n, sample.hits = n, h
        return dict(zip(self.keys, self.samples, strict=True))


def _values(g: Groups, values: np.ndarray) -> dict[Key, Sample]:
    chosen = values[g.index]
    order = np.argsort(g.inverse, kind="stable")
    bounds = np.searchsorted(g.inverse[order], np.arange(len(g.keys) + 1))
    return {key: Sample.of(chosen[order[bounds[n] : bounds[n + 1]]]) for n, key in enumerate(g.keys)}


def counted(data: PeriodDataset, metric: str) -> tuple[np.ndarray, np.ndarray | None, np.ndarray | None]:
    """A counted metric's contacts, hits (a share's numerator) and values, one entry per interaction.

    The metrics counted or summed contact by contact: volume, csat, abandonment, service_level, aht,
    response_time and first_response (the anomaly detection reads them too).
    """
    c = data.cols
    if metric == "csat":
        return ~np.isnan(c["csat"]), c["csat"] >= 4, c["csat"]
    if metric == "abandonment":
        return c["queued"], c["abandoned"], None
    if metric == "service_level":
        waited = ~np.isnan(c["wait"])
        fast = np.nan_to_num(c["wait"], nan=np.inf) <= data.settings.service_level_seconds
        return c["queued"] & (c["abandoned"] | waited), c["answered"] & waited & fast, None
    if metric == "aht":
        return c["answered"] & ~np.isnan(c["handle"]), None, c["handle"]
    if metric == "response_time":
        return c["queued"] & c["answered"] & ~np.isnan(c["wait"]), None, c["wait"]
    if metric == "first_response":
        return c["async_in"] & ~np.isnan(c["first_response"]), None, c["first_response"]
    return np.ones(len(data), dtype=bool), None, None  # volume


def frame_samples(data: PeriodDataset, scope: Scope, metric: str) -> dict[Key, Sample]:
    """The samples of a metric per segment of the scope, from the dataset (`data.answers` must be true)."""
    c = data.cols
    base = scope_mask(data, scope)
    if metric in COUNTED:
        mask, hits, values = counted(data, metric)
        g = Groups(data, scope, base & mask)
        if values is not None and metric in VALUE_METRICS:
            return _values(g, values)
        if values is not None:  # sums and sums of squares: the mean handle time, the mean CSAT score
            clean = np.nan_to_num(values)
            for sample, t, q in zip(g.samples, g.total(clean), g.total(clean * clean), strict=True):
                sample.total, sample.sumsq = float(t), float(q)
        return g.result(None, hits)
    if metric == "engagement":
        return _engagement(data, Groups(data, scope, base & c["follow_up"]))
    if metric == "fcr":
        return _fcr(data, Groups(data, scope, base & c["inbound"] & c["answered"]))
    if metric == "repeat_rate":
        g = Groups(data, scope, base & c["inbound"])
        g.tally("counts", "without_patient_ref", ~c["has_patient"])
        return g.result(c["has_patient"], c["has_patient"] & data.flags.repeat_before)
    return _attrition(data, scope, base & c["inbound"] & c["has_patient"])


def _engagement(data: PeriodDataset, g: Groups) -> dict[Key, Sample]:
    c = data.cols
    has_due = c["due"] != NA
    default = duration_micros(timedelta(hours=data.settings.follow_up_default_hours))
    deadline = np.where(has_due, c["due"], c["finished"] + default)
    done = c["done"] != NA
    waiting = ~done & (deadline > data.latest) if data.latest is not None else np.zeros(len(done), bool)
    on_time = done & (c["done"] <= deadline)
    g.tally("rules", "due_at", has_due)
    g.tally("rules", "default_hours", ~has_due)
    g.tally("counts", "not_due_yet", waiting)
    g.tally("counts", "done_late", done & ~on_time)
    g.tally("counts", "not_done", ~done & ~waiting)
    return g.result(~waiting, on_time)


def _fcr(data: PeriodDataset, g: Groups) -> dict[Key, Sample]:
    c = data.cols
    known = c["has_patient"]
    resolved = c["resolved"]
    unknown = ~known & np.asarray([r is None for r in resolved.tolist()], dtype=bool)
    by_rule = ~known & ~unknown
    kinds = data.flags.fcr_repeat
    window = duration_micros(timedelta(days=data.settings.fcr_window_days))
    g.tally("counts", "unknown", unknown)
    g.tally("rules", "resolved", by_rule)
    g.tally("rules", "repeat", known)
    if data.latest is not None:
        g.tally("counts", "provisional_contacts", known & (c["started"] + window > data.latest))
    for code, kind in enumerate(OUTCOMES, start=1):
        g.tally("counts", f"repeat_by_{kind}", known & (kinds == code))
    solved = np.asarray([r is True or r == 1 for r in resolved.tolist()], dtype=bool)
    hits = (by_rule & solved) | (known & (kinds == 0))
    return g.result(known | by_rule, hits)


def _attrition(data: PeriodDataset, scope: Scope, mask: np.ndarray) -> dict[Key, Sample]:
    """Each patient's last contact per segment decides: matured, negative, and no return in time."""
    c = data.cols
    g = Groups(data, scope, mask)
    patients = data.codes("patient")[0][g.index]
    order = np.lexsort((c["pk"][g.index], c["started"][g.index], patients, g.inverse))
    segment, patient = g.inverse[order], patients[order]
    last = np.ones(len(order), dtype=bool)  # the last contact of its segment and patient
    last[:-1] = (segment[1:] != segment[:-1]) | (patient[1:] != patient[:-1])
    chosen = np.zeros(len(data), dtype=bool)
    chosen[g.index[order[last]]] = True
    g = Groups(data, scope, chosen)  # the same segments: each holds its patients' last contacts
    days = duration_micros(timedelta(days=data.settings.attrition_days))
    matured = c["finished"] + days <= data.latest if data.latest is not None else np.zeros(len(data), bool)
    negative = matured & (c["abandoned"] | (np.nan_to_num(c["csat"], nan=9) <= 2))
    g.tally("counts", "not_matured", ~matured)
    g.tally("counts", "negative", negative)
    return g.result(matured, negative & ~data.flags.returned)


def theme_counts(data: PeriodDataset, start: date, end: date) -> dict[str, int]:
    """Interactions per theme over these dates (`theme_trend.baseline_counts` from the dataset)."""
    themes = data.cols["theme"][data.between(start, end)]
    return dict(Counter(str(t) for t in themes.tolist() if t is not None))
