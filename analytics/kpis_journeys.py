"""Patient-journey KPIs: first-contact resolution, repeat-contact rate and attrition.

These follow one patient (`patient_ref`) across contacts and channels, so they read a bounded slice of
rows (the period plus the look-ahead or look-back window, a few columns) and walk each patient's contacts in
Python; the same code runs on SQLite and PostgreSQL.

Topic rule for "the same request": when both contacts carry a theme (`theme_id`), same theme; otherwise, when
both carry a `reason`, same reason (case and surrounding spaces ignored); otherwise any contact of the same
patient counts (we cannot tell the topics apart, so a return within the window is taken as a repeat).
Only inbound contacts count as the patient coming back; callbacks made by the centre do not.
"""

from __future__ import annotations

import bisect
from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any, NamedTuple

import numpy as np
from sqlalchemy import select

from analytics.kpi_defs import T
from analytics.kpi_queries import Key, Sample, Scope, latest_data


class Contact(NamedTuple):
    """The few fields a journey needs."""

    pk: int
    started: datetime
    theme: str | None
    reason: str | None


def same_topic(a: Contact, b: Contact) -> str | None:
    """How two contacts of one patient are judged the same request ('theme', 'reason', 'any') or None."""
    if a.theme and b.theme:
        return "theme" if a.theme == b.theme else None
    if a.reason and b.reason:
        return "reason" if a.reason == b.reason else None
    return "any"


class Flags(NamedTuple):
    """A contact's journey flags (`journey_flags`)."""

    outcome: str | None
    repeat: bool
    returned: bool


def journey_flags(timeline: Sequence[tuple[Any, Contact, Any]], window: Any, attrition: Any) -> list[Flags]:
    """The journey flags of each contact of one patient's timeline, in its (time, pk) order.

    `timeline` holds (moment, contact, finished) with moments and ends of one kind (datetimes, or integer
    microseconds) and `window` / `attrition` of the matching kind. Per contact: the kind of the first
    same-request return within `window` after it (the FCR outcome; None when there is none), whether a
    same-request contact came within `window` before it (a repeat), and whether any contact followed up to its
    end + `attrition` (a return after it). Used by the KPI rollups' patient facts and the period dataset's
    contact flags; `fcr_samples` and `repeat_samples` still walk their own store timeline with the same rules
    (`tests/unit/analytics/test_dataset.py` checks the two agree).
    """
    out: list[Flags] = []
    for n, (moment, contact, finished) in enumerate(timeline):
        outcome: str | None = None
        for later, other, _ in timeline[n + 1 :]:
            if later > moment + window:
                break
            if kind := same_topic(contact, other):
                outcome = kind
                break
        repeat = False
        for earlier, other, _ in reversed(timeline[:n]):
            if earlier < moment - window:
                break
            if same_topic(contact, other):
                repeat = True
                break
        returned = n + 1 < len(timeline) and timeline[n + 1][0] <= finished + attrition
        out.append(Flags(outcome, repeat, returned))
    return out


def norm_reason(reason: str | None) -> str | None:
    """A contact reason as journeys compare it: trimmed, lower-cased, None when empty."""
    return reason.strip().lower() or None if reason else None


class _Timeline:
    """Each patient's inbound contacts in time order."""

    def __init__(self, scope: Scope, first: Any, last: Any) -> None:
        self.by_patient: dict[str, list[tuple[datetime, int, Contact]]] = defaultdict(list)
        stmt = select(T.pk, T.patient_ref, T.started_at, T.theme_id, T.reason).where(
            T.tenant == scope.tenant,
            T.local_date >= first,
            T.local_date <= last,
            T.direction == "inbound",
            T.patient_ref.is_not(None),
        )
        with scope.store.session() as session:
            for pk, patient, started, theme, reason in session.execute(stmt).tuples():
                contact = Contact(pk, started, theme, norm_reason(reason))
                self.by_patient[patient].append((started, pk, contact))
        for contacts in self.by_patient.values():
            contacts.sort(key=lambda item: (item[0], item[1]))

    def after(self, patient: str, contact: Contact, until: datetime) -> list[Contact]:
        """The patient's contacts after this one, up to `until` inclusive."""
        items = self.by_patient.get(patient, [])
        i = bisect.bisect_right(items, (contact.started, contact.pk), key=lambda item: (item[0], item[1]))
        out = []
        for started, _pk, other in items[i:]:
            if started > until:
                break
            out.append(other)
        return out

    def before(self, patient: str, contact: Contact, since: datetime) -> list[Contact]:
        """The patient's contacts before this one, from `since` inclusive."""
        items = self.by_patient.get(patient, [])
        i = bisect.bisect_left(items, (contact.started, contact.pk), key=lambda item: (item[0], item[1]))
        return [other for started, _pk, other in items[:i] if started >= since]


def _sample(out: dict[Key, Sample], key: Key) -> Sample:
    sample = out.get(key)
    if sample is None:
        sample = out[key] = Sample()
    return sample


def _period_contacts(scope: Scope, *conds: Any, extra: tuple[Any, ...] = ()) -> list[tuple[Key, Any]]:
    cols = [T.pk, T.patient_ref, T.started_at, T.theme_id, T.reason, *extra]
    stmt = select(*scope.groups(), *cols).where(*scope.where(), *conds)
    width = scope.width
    keys: dict[tuple[Any, ...], Key] = {}
    out = []
    with scope.store.session() as session:
        for row in session.execute(stmt).tuples():
            head = row[:width]
            key = keys.get(head)
            if key is None:
                key = keys[head] = scope.key(head)
            out.append((key, row[width:]))
    return out


def fcr_samples(scope: Scope) -> dict[Key, Sample]:
    """First-contact resolution of answered inbound contacts: no same-topic inbound return within the window.

    Contacts without patient_ref use `resolved` instead (rule 'resolved'; unknown when null). A contact whose
    window reaches past the latest data is still counted, and reported in extra `provisional_contacts`.
    """
    window = timedelta(days=scope.store.settings.fcr_window_days)
    latest = latest_data(scope.store, scope.tenant)
    rows = _period_contacts(scope, T.direction == "inbound", T.abandoned.is_(False), extra=(T.resolved,))
    timeline = _Timeline(scope, scope.start, scope.end + window + timedelta(days=1))
    out: dict[Key, Sample] = {}
    for key, (pk, patient, started, theme, reason, resolved) in rows:
        sample = _sample(out, key)
        if patient is None:
            if resolved is None:
                sample.counts["unknown"] += 1
                continue
            sample.rules["resolved"] += 1
            sample.n += 1
            sample.hits += int(bool(resolved))
            continue
        contact = Contact(pk, started, theme, norm_reason(reason))
        sample.rules["repeat"] += 1
        sample.n += 1
        if latest is not None and started + window > latest:
            sample.counts["provisional_contacts"] += 1
        matches = [
            m
            for other in timeline.after(patient, contact, started + window)
            if (m := same_topic(contact, other))
        ]
        if matches:
            sample.counts[f"repeat_by_{matches[0]}"] += 1
        else:
            sample.hits += 1
    return out


def repeat_samples(scope: Scope) -> dict[Key, Sample]:
    """Repeat-contact rate: inbound contacts preceded by a same-topic inbound contact within the window."""
    window = timedelta(days=scope.store.settings.fcr_window_days)
    rows = _period_contacts(scope, T.direction == "inbound")
    timeline = _Timeline(scope, scope.start - window - timedelta(days=1), scope.end)
    out: dict[Key, Sample] = {}
    for key, (pk, patient, started, theme, reason) in rows:
        sample = _sample(out, key)
        if patient is None:
            sample.counts["without_patient_ref"] += 1
            continue
        contact = Contact(pk, started, theme, norm_reason(reason))
        sample.n += 1
        earlier = timeline.before(patient, contact, started - window)
        if any(same_topic(contact, other) for other in earlier):
            sample.hits += 1
    return out


def attrition_samples(scope: Scope) -> dict[Key, Sample]:
    """Attrition over matured patients: last contact in the segment negative and no inbound return in time.

    A patient is counted in each segment (bucket × dimensions) where they had an inbound contact; their last
    contact there decides. Negative = abandoned, or csat <= 2. Lost = no inbound contact of any queue or
    channel within attrition_days after it. Matured = that last contact ended at least attrition_days before
    the latest data; others are left out (extra `not_matured`).
    """
    days = timedelta(days=scope.store.settings.attrition_days)
    latest = latest_data(scope.store, scope.tenant)
    rows = _period_contacts(
        scope, T.direction == "inbound", T.patient_ref.is_not(None), extra=(T.ended_at, T.abandoned, T.csat)
    )
    last: dict[tuple[Key, str], tuple[Any, ...]] = {}
    for key, row in rows:
        current = last.get((key, row[1]))
        if current is None or (row[2], row[0]) > (current[2], current[0]):
            last[(key, row[1])] = row
    # returns are looked for up to the latest end among the last contacts (an e-mail may end days later)
    ends = [(row[5] or row[2]).date() for row in last.values()]
    horizon = max([scope.end, *ends]) + days + timedelta(days=1)
    timeline = _Timeline(scope, scope.start, horizon)
    out: dict[Key, Sample] = {}
    for (key, patient), (pk, _p, started, theme, reason, ended, abandoned, csat) in last.items():
        sample = _sample(out, key)
        finished = ended or started
        if latest is None or finished + days > latest:
            sample.counts["not_matured"] += 1
            continue
        sample.n += 1
        negative = bool(abandoned) or (csat is not None and csat <= 2)
        if not negative:
            continue
        sample.counts["negative"] += 1
        contact = Contact(pk, started, theme, norm_reason(reason))
        if not timeline.after(patient, contact, finished + days):
            sample.hits += 1
    return out


def contact_flags(
    *,
    contacts: np.ndarray,
    patient: np.ndarray,
    started: np.ndarray,
    ended: np.ndarray,
    pk: np.ndarray,
    theme: np.ndarray,
    reason: np.ndarray,
    window: int,
    attrition: int,
    missing: int = np.iinfo(np.int64).min,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The journey flags of each contact, from columns (times in microseconds, reasons normalised).

    `contacts` are the positions of the inbound contacts with a patient: the timeline every flag reads. Per
    position: the kind of the first same-request return within `window` after it (0 none, 1 theme, 2 reason,
    3 any: the FCR outcome), a same-request contact within `window` before it (repeat), and any contact after
    it up to its end (else start) + `attrition` (a return after a negative contact). The same rules as
    `fcr_samples`, `repeat_samples` and `attrition_samples`, applied once to every contact.
    """
    size = len(patient)
    kinds = np.zeros(size, dtype=np.int8)
    repeat = np.zeros(size, dtype=bool)
    returned = np.zeros(size, dtype=bool)
    order = contacts[np.lexsort((pk[contacts], started[contacts]))]
    by_patient: dict[Any, list[int]] = defaultdict(list)
    for i in order.tolist():
        by_patient[patient[i]].append(i)
    code = {"theme": 1, "reason": 2, "any": 3}
    for timeline in by_patient.values():
        items = []
        for i in timeline:
            moment = int(started[i])
            finished = int(ended[i]) if ended[i] != missing else moment
            items.append((moment, Contact(i, started[i], theme[i], reason[i]), finished))
        for (_, contact, _), flags in zip(items, journey_flags(items, window, attrition), strict=True):
            kinds[contact.pk] = code[flags.outcome] if flags.outcome else 0
            repeat[contact.pk] = flags.repeat
            returned[contact.pk] = flags.returned
    return kinds, repeat, returned
