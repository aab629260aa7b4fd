"""Patient journeys: the flags behind first-contact resolution, repeat-contact rate and attrition.

These follow one patient (`patient_ref`) across contacts and channels: each contact's flags (FCR outcome,
repeat, return after it) are decided here once (`journey_flags`), for the period dataset's contacts
(`contact_flags`, read by `analytics.kpi_frame`) and for the rollups' patient facts (`store.kpi_flags`).

Topic rule for "the same request": when both contacts carry a theme (`theme_id`), same theme; otherwise, when
both carry a `reason`, same reason (case and surrounding spaces ignored); otherwise any contact of the same
patient counts (we cannot tell the topics apart, so a return within the window is taken as a repeat).
Only inbound contacts count as the patient coming back; callbacks made by the centre do not.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple

import numpy as np


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
    contact flags.
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


OUTCOMES = ("theme", "reason", "any")
"""How a same-request return matched (`same_topic`): coded 1, 2, 3 in `ContactFlags.fcr_repeat` (0: none)."""


@dataclass
class ContactFlags:
    """The journey flags of every contact (computed once; meaningful for inbound contacts with a patient)."""

    fcr_repeat: np.ndarray
    """How the first same-request inbound return within the FCR window matched: 0 none, else the code of
    its `OUTCOMES` kind."""
    repeat_before: np.ndarray
    """A same-request inbound contact within the FCR window before it (repeat rate)."""
    returned: np.ndarray
    """An inbound contact after it, up to its end (else start) + the attrition days (attrition)."""


def norm_reason(reason: str | None) -> str | None:
    """A contact reason as journeys compare it: trimmed, lower-cased, None when empty."""
    return reason.strip().lower() or None if reason else None


def contact_flags(cols: dict[str, np.ndarray], window: int, attrition: int) -> ContactFlags:
    """The journey flags of each contact, from a period dataset's columns (`analytics.dataset`).

    Times are in microseconds (`finished`: the end, else the start), reasons normalised; the timeline every
    flag reads holds the inbound contacts with a patient. Per position: the kind of the first same-request
    return within `window` after it (0 none, 1 theme, 2 reason, 3 any: the FCR outcome), a same-request
    contact within `window` before it (repeat), and any contact after it up to its end (else start) +
    `attrition` (a return after a negative contact).
    """
    size = len(cols["pk"])
    kinds = np.zeros(size, dtype=np.int8)
    repeat = np.zeros(size, dtype=bool)
    returned = np.zeros(size, dtype=bool)
    started, finished, patient = cols["started"], cols["finished"], cols["patient"]
    contacts = np.flatnonzero(cols["inbound"] & cols["has_patient"])
    by_patient: dict[Any, list[int]] = defaultdict(list)
    for i in contacts[np.lexsort((cols["pk"][contacts], started[contacts]))].tolist():
        by_patient[patient[i]].append(i)
    for timeline in by_patient.values():
        items = [
            (int(started[i]), Contact(i, started[i], cols["theme"][i], cols["reason"][i]), int(finished[i]))
            for i in timeline
        ]
        for (_, contact, _), flags in zip(items, journey_flags(items, window, attrition), strict=True):
            kinds[contact.pk] = OUTCOMES.index(flags.outcome) + 1 if flags.outcome else 0
            repeat[contact.pk] = flags.repeat
            returned[contact.pk] = flags.returned
    return ContactFlags(kinds, repeat, returned)
