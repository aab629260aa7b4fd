"""Patient-journey facts of each inbound contact, kept in `kpi_contacts` for the KPI rollups.

Each fact is the raw definition of `analytics.kpis_journeys` applied to one contact and the patient's other
inbound contacts, so summing them per segment gives the raw figures:

- `fcr_repeat`: how the first same-request inbound return within the FCR window matched ('theme', 'reason',
  'any'), or null when there is none (FCR counts the contact as resolved);
- `repeat_before`: a same-request inbound contact in the FCR window before it (repeat rate);
- `att_return`: any inbound contact after it, up to its end (else start) + the attrition days (attrition);
- `multi_day/week/month`: another inbound contact of the patient the same local day / ISO week / month;
- `later_day/week/month`: for each subset S of the cell dimensions (queue, channel, direction, language,
  weekday: bit i of S for `LATER_DIMENSIONS[i]`), bit S is set when a later inbound contact of the patient
  in the same day / ISO week / month has the same values on every dimension of S. The contact is then its
  patient's last of a segment grouped (or filtered to one value) by S exactly when bit S is clear.

The facts depend on the windows (settings) and on theme and reason, so a change to any contact of a patient
recomputes that patient's facts (store.kpi_rollup).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from datetime import date, datetime, timedelta
from typing import Any, NamedTuple

from sqlalchemy import Connection, select

from analytics.kpis_journeys import Contact, journey_flags, norm_reason
from store.schema import InteractionRow

T = InteractionRow.__table__.c
CHUNK = 500


class Facts(NamedTuple):
    """The journey facts of one contact (a `kpi_contacts` row without its keys)."""

    fcr_repeat: str | None
    repeat_before: bool
    att_return: bool
    multi_day: bool
    multi_week: bool
    multi_month: bool
    later_day: int
    later_week: int
    later_month: int


LATER_DIMENSIONS = ("queue", "channel", "direction", "language", "weekday")
"""Dimensions of the `later_*` masks, bit i of a subset for LATER_DIMENSIONS[i]."""
_SUBSETS = [sum(1 << s for s in range(32) if s & ~agree == 0) for agree in range(32)]
"""For a set of agreeing dimensions, the mask of all its subsets."""


class _Row(NamedTuple):
    pk: int
    patient: str
    started: datetime
    ended: datetime | None
    theme: str | None
    reason: str | None
    local_date: date
    iso_week: str
    queue: str | None
    channel: str
    direction: str
    language: str | None
    weekday: int


_COLUMNS = (
    T.pk,
    T.patient_ref,
    T.started_at,
    T.ended_at,
    T.theme_id,
    T.reason,
    T.local_date,
    T.iso_week,
    T.queue,
    T.channel,
    T.direction,
    T.language,
    T.local_weekday,
)


def _agreement(a: _Row, b: _Row) -> int:
    return (
        (a.queue == b.queue)
        | (a.channel == b.channel) << 1
        | (a.direction == b.direction) << 2
        | (a.language == b.language) << 3
        | (a.weekday == b.weekday) << 4
    )


def _later(rows: list[_Row], i: int, bucket: Any) -> int:
    """The later_* mask of contact i for a bucket function (same bucket as rows[i])."""
    mask = 0
    own = bucket(rows[i])
    for other in rows[i + 1 :]:
        if bucket(other) == own:
            mask |= _SUBSETS[_agreement(rows[i], other)]
    return mask


def _DAY(row: _Row) -> Any:
    return row.local_date


def _WEEK(row: _Row) -> Any:
    return row.iso_week


def _MONTH(row: _Row) -> Any:
    return (row.local_date.year, row.local_date.month)


def patient_facts(rows: list[_Row], *, window: timedelta, attrition: timedelta) -> dict[int, Facts]:
    """The facts of one patient's inbound contacts, given them all in (started, pk) order."""
    contacts = [Contact(r.pk, r.started, r.theme, norm_reason(r.reason)) for r in rows]
    timeline = [(r.started, c, r.ended or r.started) for r, c in zip(rows, contacts, strict=True)]
    days = Counter(r.local_date for r in rows)
    weeks = Counter(r.iso_week for r in rows)
    months = Counter((r.local_date.year, r.local_date.month) for r in rows)
    out: dict[int, Facts] = {}
    flags = journey_flags(timeline, window, attrition)
    for i, (row, (repeat, before, returned)) in enumerate(zip(rows, flags, strict=True)):
        multi = (
            days[row.local_date] > 1,
            weeks[row.iso_week] > 1,
            months[(row.local_date.year, row.local_date.month)] > 1,
        )
        out[row.pk] = Facts(
            repeat,
            before,
            returned,
            *multi,
            _later(rows, i, _DAY) if multi[0] else 0,
            _later(rows, i, _WEEK) if multi[1] else 0,
            _later(rows, i, _MONTH) if multi[2] else 0,
        )
    return out


def _by_patient(rows: Iterable[Any]) -> Iterator[list[_Row]]:
    current: list[_Row] = []
    for raw in rows:
        row = _Row(*raw)
        if current and current[0].patient != row.patient:
            yield current
            current = []
        current.append(row)
    if current:
        yield current


def _query(tenant: str) -> Any:
    return (
        select(*_COLUMNS)
        .where(T.tenant == tenant, T.direction == "inbound", T.patient_ref.is_not(None))
        .order_by(T.patient_ref, T.started_at, T.pk)
    )


def facts_for(
    conn: Connection,
    tenant: str,
    patients: list[str] | None,
    *,
    window: timedelta,
    attrition: timedelta,
) -> Iterator[tuple[_Row, Facts]]:
    """(contact, facts) for every inbound contact of these patients (every patient when None)."""
    chunks = [None] if patients is None else [patients[i : i + CHUNK] for i in range(0, len(patients), CHUNK)]
    for chunk in chunks:
        query = _query(tenant)
        if chunk is not None:
            query = query.where(T.patient_ref.in_(chunk))
        result = conn.execute(query.execution_options(yield_per=20_000))
        for rows in _by_patient(result):
            facts = patient_facts(rows, window=window, attrition=attrition)
            for row in rows:
                yield row, facts[row.pk]
