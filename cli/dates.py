"""Dates on the command line: `--start`/`--end` as a day (YYYY-MM-DD) or an ISO week (2026-W47).

A wrong value is refused with the option's name and the expected format (exit 2), and so is a period that
ends before it starts, instead of an empty table.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

from cli.common import fail

_WEEK = re.compile(r"^(\d{4})-?W(\d{1,2})$", re.IGNORECASE)
FIRST_DAY = date(1900, 1, 1)
LAST_DAY = date(2199, 12, 31)
FORMAT = "a day as YYYY-MM-DD (e.g. 2026-11-16) or an ISO week as YYYY-Www (e.g. 2026-W47)"


def parse_day(value: str | None, option: str, *, last: bool = False) -> date | None:
    """The day an option names; an ISO week stands for its Monday, or its Sunday when `last`."""
    if value is None:
        return None
    text = value.strip()
    day: date | None = None
    if match := _WEEK.match(text):
        try:
            monday = date.fromisocalendar(int(match.group(1)), int(match.group(2)), 1)
        except ValueError:
            raise fail(
                f"{option} {value!r}: week {match.group(2)} does not exist in {match.group(1)}"
            ) from None
        day = monday + timedelta(days=6) if last else monday
    elif re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        try:
            day = date.fromisoformat(text)
        except ValueError:
            raise fail(f"{option} {value!r} is not a calendar day; expected {FORMAT}") from None
    if day is None:
        raise fail(f"{option} {value!r} is not a date; expected {FORMAT}")
    if not FIRST_DAY <= day <= LAST_DAY:
        raise fail(f"{option} {value!r} must lie between {FIRST_DAY} and {LAST_DAY}")
    return day


def parse_period(
    start: str | None, end: str | None, *, start_option: str = "--start", end_option: str = "--end"
) -> tuple[date | None, date | None]:
    """`--start` and `--end` read and checked together: the end may not come before the start."""
    first = parse_day(start, start_option)
    final = parse_day(end, end_option, last=True)
    if first is not None and final is not None and final < first:
        raise fail(f"{end_option} {end} is before {start_option} {start}: the period is reversed")
    return first, final
