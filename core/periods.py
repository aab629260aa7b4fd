"""Periods, read and named one way everywhere: the command line, the API, the tools and the agent.

A period is named by a day (`2026-11-16`: that day alone), an ISO week (`2026-W47`: Monday to Sunday) or a
range (`2026-11-16..2026-11-22`, also with `/` or ` to `; a week starts a range on its Monday and ends it on
its Sunday). Its label is its ISO week (`week_label`). Baselines are the weeks right before a period;
look-ahead and look-back windows extend it by a number of days.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

from core.results import Period

FIRST_DAY = date(1900, 1, 1)
"""The earliest day a period may name (look-backs and baselines must stay inside the calendar)."""
LAST_DAY = date(2199, 12, 31)
"""The latest day a period may name (look-ahead windows must stay inside the calendar)."""
MAX_DAYS = 3660
"""The longest period a request to the API may name (ten years)."""
FORMAT = "a day as YYYY-MM-DD (e.g. 2026-11-16) or an ISO week as YYYY-Www (e.g. 2026-W47)"
"""What a day or week is expected to look like, for error messages."""

_WEEK = re.compile(r"^(\d{4})-?W(\d{1,2})$", re.IGNORECASE)
_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_SEPARATORS = ("..", "/", " to ")


class PeriodError(ValueError):
    """A day, week or period that cannot be read, or a reversed one; the message says what is expected."""


def week_label(day: date) -> str:
    """The ISO week a day falls in, e.g. 2026-W47 (the year is the ISO year: 2027-01-01 is in 2026-W53)."""
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def week_of(day: date) -> Period:
    """The Monday-Sunday ISO week that contains a day."""
    monday = day - timedelta(days=day.isoweekday() - 1)
    return Period(start=monday, end=monday + timedelta(days=6))


def is_week(text: str) -> bool:
    """Whether a text names an ISO week (2026-W47, 2026W47, 2026-w47)."""
    return _WEEK.match(text.strip()) is not None


def week_period(text: str, *, name: str = "week") -> Period:
    """The Monday-Sunday period of an ISO week such as 2026-W47; PeriodError for anything else."""
    match = _WEEK.match(text.strip())
    if not match:
        raise PeriodError(f"{name} {text!r} is not an ISO week; expected YYYY-Www (e.g. 2026-W47)")
    year, number = int(match.group(1)), int(match.group(2))
    try:
        monday = date.fromisocalendar(year, number, 1)
    except ValueError:
        raise PeriodError(f"{name} {text!r}: week {number} does not exist in {year}") from None
    check_day(monday, name)
    return Period(start=monday, end=monday + timedelta(days=6))


def check_day(day: date | None, name: str = "day") -> date | None:
    """The day itself, or PeriodError when it lies outside FIRST_DAY..LAST_DAY."""
    if day is not None and not FIRST_DAY <= day <= LAST_DAY:
        raise PeriodError(f"{name} {day} must lie between {FIRST_DAY} and {LAST_DAY}")
    return day


def parse_day(text: str, *, name: str = "day", last: bool = False) -> date:
    """The day a text names: a day itself, an ISO week its Monday (its Sunday when `last`)."""
    value = text.strip()
    if is_week(value):
        week = week_period(value, name=name)
        return week.end if last else week.start
    if not _DAY.match(value):
        raise PeriodError(f"{name} {text!r} is not a date; expected {FORMAT}")
    try:
        day = date.fromisoformat(value)
    except ValueError:
        raise PeriodError(f"{name} {text!r} is not a calendar day; expected {FORMAT}") from None
    check_day(day, name)
    return day


def period_between(start: date, end: date, *, start_name: str = "start", end_name: str = "end") -> Period:
    """The period from start to end, both inclusive; PeriodError when it is reversed or off the calendar."""
    check_day(start, start_name)
    check_day(end, end_name)
    if end < start:
        raise PeriodError(f"{end_name} {end} is before {start_name} {start}: the period is reversed")
    return Period(start=start, end=end)


def parse_period(text: str) -> Period:
    """A period from its name: a day (that day), an ISO week, or a range 'A..B' (also 'A/B', 'A to B')."""
    value = text.strip()
    for separator in _SEPARATORS:
        if separator in value:
            first, final = value.split(separator, 1)
            return period_between(parse_day(first, name="start"), parse_day(final, name="end", last=True))
    if is_week(value):
        return week_period(value, name="period")
    day = parse_day(value, name="period")
    return Period(start=day, end=day)


def resolve_period(
    *, week: str | None = None, start: date | None = None, end: date | None = None
) -> Period | None:
    """The period a request names by week or by start and end, or None when it names none."""
    if week:
        if start or end:
            raise PeriodError("give either week or start/end, not both")
        return week_period(week)
    if start is None and end is None:
        return None
    if start is None or end is None:
        raise PeriodError("give both start and end")
    period = period_between(start, end)
    if (end - start).days > MAX_DAYS:
        raise PeriodError(f"a period may span at most {MAX_DAYS} days (10 years)")
    return period


def days(period: Period) -> int:
    """How many days a period covers (both ends included)."""
    return (period.end - period.start).days + 1


def before(period: Period, count: int) -> Period:
    """The `count` days right before a period."""
    return Period(start=period.start - timedelta(days=count), end=period.start - timedelta(days=1))


def baseline_for(period: Period, weeks: int) -> Period:
    """The `weeks` weeks right before a period (at least one): the baseline it is compared with."""
    return before(period, 7 * max(1, weeks))


def look_ahead(period: Period, count: int) -> Period:
    """The period extended by `count` days after its end: who came back, which follow-up was done."""
    return Period(start=period.start, end=period.end + timedelta(days=count))


def look_back(period: Period, count: int) -> Period:
    """The period extended by `count` days before its start (to see who had contacted the centre before)."""
    return Period(start=period.start - timedelta(days=count), end=period.end)


def last_weeks(day: date, weeks: int) -> Period:
    """The `weeks` full ISO weeks ending with the week that contains `day`."""
    sunday = week_of(day).end
    return Period(start=sunday - timedelta(days=7 * weeks - 1), end=sunday)


def last_complete_week(latest: date) -> Period:
    """The last complete ISO week when data ends on `latest` (its own week when it is a Sunday)."""
    week = week_of(latest)
    return week if latest == week.end else before(week, 7)


def span_label(period: Period) -> str:
    """A period as a tool argument: its ISO week when it is exactly one, else 'start..end'."""
    if period == week_of(period.start):
        return week_label(period.start)
    return f"{period.start}..{period.end}"
