"""Periods named by ISO week (`2026-W47`) or by start/end dates, as the API accepts them."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

from core.results import Period

_WEEK = re.compile(r"^(\d{4})-W(\d{1,2})$")

FIRST_DAY = date(1900, 1, 1)
"""The earliest day a request may name (KPI look-backs and baselines must stay inside the calendar)."""
LAST_DAY = date(2199, 12, 31)
"""The latest day a request may name (look-ahead windows must stay inside the calendar)."""


def check_day(day: date | None, name: str) -> date | None:
    """The day itself, or ValueError when it lies outside FIRST_DAY..LAST_DAY."""
    if day is not None and not FIRST_DAY <= day <= LAST_DAY:
        raise ValueError(f"{name} must be between {FIRST_DAY} and {LAST_DAY}, got {day}")
    return day


def week_period(week: str) -> Period:
    """The Monday–Sunday period of an ISO week like 2026-W47."""
    match = _WEEK.match(week.strip())
    if not match:
        raise ValueError(f"week must look like 2026-W47, got {week!r}")
    year, number = int(match.group(1)), int(match.group(2))
    try:
        start = date.fromisocalendar(year, number, 1)
    except ValueError as exc:
        raise ValueError(f"{week!r} is not an ISO week of {year}") from exc
    check_day(start, "week")
    return Period(start=start, end=start + timedelta(days=6))


def iso_week(day: date) -> str:
    """The ISO week label of a day."""
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def resolve_period(
    *, week: str | None = None, start: date | None = None, end: date | None = None
) -> Period | None:
    """The period a request names, or None when it names none; raises ValueError on contradictions."""
    if week:
        if start or end:
            raise ValueError("give either week or start/end, not both")
        return week_period(week)
    if start or end:
        check_day(start, "start")
        check_day(end, "end")
        if not (start and end):
            raise ValueError("give both start and end")
        if end < start:
            raise ValueError("end is before start")
        if (end - start).days > 3660:
            raise ValueError("a period may span at most 10 years")
        return Period(start=start, end=end)
    return None


def last_weeks(end: date, weeks: int) -> Period:
    """The `weeks` full ISO weeks ending with the week that contains `end`."""
    sunday = end + timedelta(days=6 - end.weekday())
    return Period(start=sunday - timedelta(days=7 * weeks - 1), end=sunday)


def data_week(store: Any, tenant: str) -> Period | None:
    """The last complete ISO week of the tenant's data (the analysis's default), or None without data."""
    try:
        from agent.analysis.periods import default_period
    except ImportError:  # the agent is not installed: callers fall back on the calendar
        return None
    try:
        period, _notes = default_period(store, tenant)
    except ValueError:
        return None
    return period
