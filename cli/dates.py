"""Dates on the command line: `--start`/`--end` as a day (YYYY-MM-DD) or an ISO week (2026-W47).

`core.periods` reads them; here a wrong value is refused with the option's name and the expected format
(exit 2), and so is a period that ends before it starts, instead of an empty table.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from cli.common import fail

if TYPE_CHECKING:
    from core.results import Period
# core.periods is imported by each function: it brings pydantic, which `parcours --help` does not need


def parse_day(value: str | None, option: str, *, last: bool = False) -> date | None:
    """The day an option names; an ISO week stands for its Monday, or its Sunday when `last`."""
    from core import periods

    if value is None:
        return None
    try:
        return periods.parse_day(value, name=option, last=last)
    except periods.PeriodError as exc:
        raise fail(str(exc)) from None


def parse_period(
    start: str | None, end: str | None, *, start_option: str = "--start", end_option: str = "--end"
) -> tuple[date | None, date | None]:
    """`--start` and `--end` read and checked together: the end may not come before the start."""
    from core import periods

    first = parse_day(start, start_option)
    final = parse_day(end, end_option, last=True)
    if first is not None and final is not None:
        try:
            periods.period_between(first, final, start_name=start_option, end_name=end_option)
        except periods.PeriodError as exc:
            raise fail(str(exc)) from None
    return first, final


def parse_week(value: str, option: str = "--week") -> Period:
    """The ISO week an option names (Monday to Sunday)."""
    from core import periods

    try:
        return periods.week_period(value, name=option)
    except periods.PeriodError as exc:
        raise fail(str(exc)) from None
