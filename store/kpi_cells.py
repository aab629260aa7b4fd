"""One `kpi_days` row: what a day's contacts of one segment contribute to each KPI (raw definitions).

A cell is a tenant × local day × queue × channel × direction × language (the ISO week and weekday follow the
day). Each contact is added exactly as the raw queries of `analytics.kpi_queries` and
`analytics.kpis_journeys` would count it; what depends on the latest data or on a setting read at query time
(service-level seconds, follow-up default hours) is kept as arrays so the query applies it the same way.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

import numpy as np

from analytics.kpi_defs import ASYNC, SYNC
from store.kpi_flags import Facts

EPOCH = datetime(1970, 1, 1)
_SYNC = frozenset(SYNC)
_ASYNC = frozenset(ASYNC)
ALONE_DAY, ALONE_WEEK, ALONE_MONTH = 1, 2, 4
"""Bits of att_code: the patient's only inbound contact that day / ISO week / month."""
POSITIVE, NEGATIVE_RETURNED, LOST = 0, 1, 2
"""att_code // 8: not negative; negative but came back; negative and lost."""
COUNTS = (
    "n_all csat_n csat_top2 csat_sum csat_sumsq queued_n queued_abandoned aht_n "
    "eng_due eng_due_ok eng_due_late eng_default "
    "fcr_unknown fcr_resolved_n fcr_resolved_hits fcr_repeat_n fcr_by_theme fcr_by_reason fcr_by_any "
    "rep_n rep_hits rep_without"
).split()
"""Integer columns of a cell, summed in SQL when cells are pooled."""
ARRAYS = {
    "rt": np.float64,
    "fr": np.float64,
    "fcr_started": np.int64,
    "eng_due_open": np.int64,
    "eng_def_done": np.int64,
    "eng_def_open": np.int64,
    "att_fin": np.int64,
    "att_code": np.int8,
    "att_later": np.uint32,
}


def micros(moment: datetime) -> int:
    """Naive UTC datetime → integer microseconds since 1970 (exact comparisons with the latest data)."""
    return duration_micros(moment - EPOCH)


def duration_micros(delta: timedelta) -> int:
    """A duration in integer microseconds."""
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


@dataclass
class Cell:
    """The running contributions of one segment-day."""

    key: tuple[Any, ...]
    counts: Counter[str] = field(default_factory=Counter)
    aht_total: float = 0.0
    aht_sumsq: float = 0.0
    arrays: dict[str, list[float | int]] = field(default_factory=lambda: {name: [] for name in ARRAYS})

    def add(self, row: Any, facts: Facts | None) -> None:  # noqa: C901 - one branch per metric, as raw
        """Count one contact (a row of CELL_COLUMNS) with its journey facts (None without patient_ref)."""
        c = self.counts
        c["n_all"] += 1
        inbound = row.direction == "inbound"
        if row.csat is not None:
            c["csat_n"] += 1
            c["csat_top2"] += int(row.csat >= 4)
            c["csat_sum"] += row.csat
            c["csat_sumsq"] += row.csat * row.csat
        if inbound and row.channel in _SYNC:
            c["queued_n"] += 1
            if row.abandoned:
                c["queued_abandoned"] += 1
            elif row.wait_seconds is not None:
                self.arrays["rt"].append(row.wait_seconds)
        if not row.abandoned and row.handle_seconds is not None:
            c["aht_n"] += 1
            self.aht_total += row.handle_seconds
            self.aht_sumsq += row.handle_seconds * row.handle_seconds
        if inbound and row.channel in _ASYNC and row.first_response_seconds is not None:
            self.arrays["fr"].append(row.first_response_seconds)
        if row.follow_up_required:
            self._follow_up(row)
        if inbound:
            self._journeys(row, facts)

    def _follow_up(self, row: Any) -> None:
        due, done = row.follow_up_due_at, row.follow_up_done_at
        if due:
            self.counts["eng_due"] += 1
            if done is None:
                self.arrays["eng_due_open"].append(micros(due))
            elif done <= due:
                self.counts["eng_due_ok"] += 1
            else:
                self.counts["eng_due_late"] += 1
            return
        self.counts["eng_default"] += 1
        base = micros(row.ended_at or row.started_at)
        if done is None:
            self.arrays["eng_def_open"].append(base)
        else:
            self.arrays["eng_def_done"].append(micros(done) - base)

    def _journeys(self, row: Any, facts: Facts | None) -> None:
        c = self.counts
        if row.patient_ref is None:
            c["rep_without"] += 1
            if not row.abandoned:
                if row.resolved is None:
                    c["fcr_unknown"] += 1
                else:
                    c["fcr_resolved_n"] += 1
                    c["fcr_resolved_hits"] += int(bool(row.resolved))
            return
        if facts is None:
            raise ValueError(f"journey facts missing for interaction {row.pk}")
        c["rep_n"] += 1
        c["rep_hits"] += int(facts.repeat_before)
        if not row.abandoned:
            c["fcr_repeat_n"] += 1
            self.arrays["fcr_started"].append(micros(row.started_at))
            if facts.fcr_repeat:
                c[f"fcr_by_{facts.fcr_repeat}"] += 1
        negative = bool(row.abandoned) or (row.csat is not None and row.csat <= 2)
        category = (LOST if not facts.att_return else NEGATIVE_RETURNED) if negative else POSITIVE
        alone = (
            (0 if facts.multi_day else ALONE_DAY)
            | (0 if facts.multi_week else ALONE_WEEK)
            | (0 if facts.multi_month else ALONE_MONTH)
        )
        self.arrays["att_fin"].append(micros(row.ended_at or row.started_at))
        self.arrays["att_code"].append(category * 8 + alone)
        self.arrays["att_later"].extend((facts.later_day, facts.later_week, facts.later_month))

    def values(self, tenant: str) -> dict[str, Any]:
        """The `kpi_days` row of this cell."""
        local_date, iso_week, weekday, queue, channel, direction, language = self.key
        row: dict[str, Any] = {
            "tenant": tenant,
            "local_date": local_date,
            "iso_week": iso_week,
            "local_weekday": weekday,
            "queue": queue,
            "channel": channel,
            "direction": direction,
            "language": language,
            **{name: self.counts[name] for name in COUNTS},
            "aht_total": self.aht_total,
            "aht_sumsq": self.aht_sumsq,
        }
        for name, dtype in ARRAYS.items():
            values = self.arrays[name]
            row[name] = np.asarray(values, dtype=dtype).tobytes() if values else None
        return row


def cell_key(row: Any) -> tuple[date, str, int, str | None, str, str, str | None]:
    """The segment-day of a contact."""
    return (
        row.local_date,
        row.iso_week,
        row.local_weekday,
        row.queue,
        row.channel,
        row.direction,
        row.language,
    )
