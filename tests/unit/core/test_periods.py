"""One reading of a period everywhere: a day is that day, a week is Monday to Sunday, a range is inclusive."""

from __future__ import annotations

from datetime import date

import pytest

from core.periods import (
    PeriodError,
    baseline_for,
    last_complete_week,
    last_weeks,
    look_ahead,
    look_back,
    parse_day,
    parse_period,
    resolve_period,
    span_label,
    week_label,
    week_of,
    week_period,
)
from core.results import Period


def P(start: str, end: str) -> Period:
    return Period(start=date.fromisoformat(start), end=date.fromisoformat(end))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-11-18", P("2026-11-18", "2026-11-18")),  # a bare day is that day, never its week
        (" 2026-11-16 ", P("2026-11-16", "2026-11-16")),
        ("2026-W47", P("2026-11-16", "2026-11-22")),
        ("2026w47", P("2026-11-16", "2026-11-22")),
        ("2026-W01", P("2025-12-29", "2026-01-04")),  # week 1 starts in the previous calendar year
        ("2026-W53", P("2026-12-28", "2027-01-03")),  # 2026 has 53 ISO weeks
        ("2020-W53", P("2020-12-28", "2021-01-03")),
        ("2026-11-16..2026-11-18", P("2026-11-16", "2026-11-18")),
        ("2026-11-16/2026-11-18", P("2026-11-16", "2026-11-18")),
        ("2026-11-16 to 2026-11-18", P("2026-11-16", "2026-11-18")),
        ("2026-W46..2026-W47", P("2026-11-09", "2026-11-22")),  # a week ends a range on its Sunday
        ("2026-W46/2026-11-18", P("2026-11-09", "2026-11-18")),
        ("2026-11-18..2026-11-18", P("2026-11-18", "2026-11-18")),
    ],
)
def test_a_period_is_read_the_same_way_everywhere(text: str, expected: Period) -> None:
    assert parse_period(text) == expected


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("2026-11-20..2026-11-16", ["2026-11-16 is before start 2026-11-20", "reversed"]),
        ("2026-W48..2026-W47", ["reversed"]),
        ("2025-W53", ["week 53 does not exist in 2025"]),
        ("2026-W00", ["week 0 does not exist in 2026"]),
        ("2026-02-30", ["not a calendar day", "YYYY-MM-DD"]),
        ("22/11/2026", ["YYYY-MM-DD", "2026-W47"]),
        ("last week", ["not a date"]),
        ("", ["not a date"]),
        ("1899-12-31", ["must lie between 1900-01-01 and 2199-12-31"]),
    ],
)
def test_a_bad_period_is_a_clear_error(text: str, words: list[str]) -> None:
    with pytest.raises(PeriodError) as caught:
        parse_period(text)
    for word in words:
        assert word in str(caught.value)


@pytest.mark.parametrize(
    ("day", "label"),
    [
        (date(2026, 11, 16), "2026-W47"),
        (date(2026, 11, 22), "2026-W47"),
        (date(2027, 1, 1), "2026-W53"),  # a Friday of the ISO year 2026
        (date(2027, 1, 4), "2027-W01"),
        (date(2025, 12, 29), "2026-W01"),  # a Monday of the ISO year 2026
        (date(2021, 1, 3), "2020-W53"),
        (date(2024, 12, 31), "2025-W01"),
    ],
)
def test_labels_are_iso_weeks_across_year_boundaries(day: date, label: str) -> None:
    assert week_label(day) == label
    week = week_of(day)
    assert week == week_period(label) and week.start <= day <= week.end
    assert week_label(week.start) == week_label(week.end) == label


def test_a_day_option_reads_a_week_as_its_monday_or_its_sunday() -> None:
    assert parse_day("2026-W47") == date(2026, 11, 16)
    assert parse_day("2026-W47", last=True) == date(2026, 11, 22)
    assert parse_day("2026-11-18", last=True) == date(2026, 11, 18)
    with pytest.raises(PeriodError, match="--end '2026-W54': week 54 does not exist"):
        parse_day("2026-W54", name="--end")


def test_a_request_names_a_week_or_both_ends() -> None:
    assert resolve_period() is None
    assert resolve_period(week="2026-W47") == P("2026-11-16", "2026-11-22")
    assert resolve_period(start=date(2026, 11, 1), end=date(2026, 11, 30)) == P("2026-11-01", "2026-11-30")
    for kwargs, words in [
        ({"week": "2026-W47", "start": date(2026, 11, 1)}, "either week or start/end"),
        ({"start": date(2026, 11, 1)}, "both start and end"),
        ({"start": date(2026, 11, 30), "end": date(2026, 11, 1)}, "reversed"),
        ({"start": date(2000, 1, 1), "end": date(2026, 1, 1)}, "at most"),
        ({"week": "2026-47"}, "YYYY-Www"),
    ]:
        with pytest.raises(PeriodError, match=words):
            resolve_period(**kwargs)  # type: ignore[arg-type]


def test_windows_around_a_period() -> None:
    w47 = week_period("2026-W47")
    assert baseline_for(w47, 4) == P("2026-10-19", "2026-11-15")
    assert baseline_for(w47, 0) == P("2026-11-09", "2026-11-15")  # at least one week
    assert baseline_for(week_period("2026-W01"), 1) == P("2025-12-22", "2025-12-28")
    assert look_ahead(w47, 7) == P("2026-11-16", "2026-11-29")
    assert look_back(w47, 7) == P("2026-11-09", "2026-11-22")
    assert last_weeks(date(2026, 11, 18), 2) == P("2026-11-09", "2026-11-22")


@pytest.mark.parametrize(
    ("latest", "week"),
    [
        (date(2026, 11, 22), "2026-W47"),  # a Sunday completes its week
        (date(2026, 11, 23), "2026-W47"),  # a Monday: the week before is the last complete one
        (date(2027, 1, 2), "2026-W52"),
        (date(2027, 1, 3), "2026-W53"),
    ],
)
def test_the_last_complete_week(latest: date, week: str) -> None:
    assert last_complete_week(latest) == week_period(week)


def test_a_period_as_a_tool_argument() -> None:
    assert span_label(week_period("2026-W53")) == "2026-W53"
    assert span_label(P("2026-11-17", "2026-11-23")) == "2026-11-17..2026-11-23"
    assert parse_period(span_label(P("2026-11-17", "2026-11-23"))) == P("2026-11-17", "2026-11-23")
