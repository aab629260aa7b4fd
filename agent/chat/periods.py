"""Periods a manager names ("cette semaine", "last month", "S47") and what they mean in the data.

Canonical tokens first, then the tool argument of each (an ISO week or 'D..D').

"This week" is the ISO week of the latest data; "last week" the last complete week (the conversation's
default period); "the previous week" the week before the period it is compared with.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

from core.periods import is_week, last_complete_week, parse_period, span_label, week_of
from core.results import Period


def _week_number(text: str) -> list[int]:
    found = re.findall(r"\b(?:\d{4} ?)?(?:w|s|sem|semaine|week|wk) ?(\d{1,2})\b", text)
    return [int(n) for n in found if 1 <= int(n) <= 53]


PERIODS: list[tuple[str, str]] = [
    (
        "previous_week",
        r"semaine (precedente|d avant)|(previous|prior) week|week before|avant derniere semaine",
    ),
    ("last_week", r"semaine derniere|derniere semaine|last week|past week|semaine passee"),
    ("this_week", r"cette semaine|this week|semaine en cours|current week|this week s"),
    ("last_month", r"mois dernier|mois precedent|last month|previous month|mois passe"),
    ("this_month", r"ce mois|this month|mois en cours|current month"),
    ("yesterday", r"\bhier\b|yesterday"),
    ("today", r"aujourd hui|today"),
]


def periods_of(text: str) -> list[str]:
    """Every period the question names, in canonical tokens, in the order they appear."""
    found: list[tuple[int, str]] = []
    for number in _week_number(text):
        match = re.search(rf"(?:w|s|sem|semaine|week|wk) ?{number}\b", text)
        found.append((match.start() if match else 0, f"week:{number}"))
    if match := re.search(r"\b(\d{1,2}) (dernieres semaines|last weeks|weeks|semaines)\b", text):
        found.append((match.start(), f"weeks:{int(match.group(1))}"))
    elif match := re.search(r"\b(past|last|dernier) (month|mois)\b(?! (and|et))", text):
        if re.search(
            r"\b(weekly|par semaine|semaine par semaine|for the past month|sur le dernier mois)\b", text
        ):
            found.append((match.start(), "weeks:4"))
    taken = " ".join(t for _, t in found)
    for token, pattern in PERIODS:
        for match in re.finditer(pattern, text):
            if token == "last_month" and "weeks:4" in taken:
                continue
            found.append((match.start(), token))
    ordered = [token for _, token in sorted(found)]
    return list(dict.fromkeys(ordered))


def resolve_period(token: str | None, latest: date | None, *, before: str | None = None) -> str | None:
    """The tool argument for a period token ('2026-W47' or 'D..D'); None keeps the conversation's period."""
    if token is None or latest is None:
        return None
    last = last_complete_week(latest)
    if token == "this_week":
        return _span(week_of(latest).start, latest)
    if token == "last_week":
        return span_label(last)
    if token == "previous_week":
        start = parse_period(before).start if before and (".." in before or is_week(before)) else last.start
        return _span(start - timedelta(days=7), start - timedelta(days=1))
    if token == "this_month":
        return _span(latest.replace(day=1), latest)
    if token == "last_month":
        end = latest.replace(day=1) - timedelta(days=1)
        return _span(end.replace(day=1), end)
    if token == "yesterday":
        return _span(latest - timedelta(days=1), latest - timedelta(days=1))
    if token == "today":
        return _span(latest, latest)
    if token.startswith("weeks:"):
        count = max(1, int(token.split(":")[1]))
        return _span(last.start - timedelta(days=7 * (count - 1)), last.end)
    if token.startswith("week:"):
        number = int(token.split(":")[1])
        year, current, _ = latest.isocalendar()
        return f"{year - (1 if number > current else 0)}-W{number:02d}"
    return None


def _span(start: date, end: date) -> str:
    return span_label(Period(start=start, end=end))


def compare_periods(found: list[str]) -> tuple[str | None, str]:
    """(period, reference) of a comparison: the later period first; by default the week before it."""
    if len(found) >= 2:
        first, second = found[0], found[1]
        if first.startswith("week:") and second.startswith("week:"):
            early, late = sorted((first, second), key=lambda t: int(t.split(":")[1]))
            return late, early
        if first in ("last_week", "previous_week", "last_month") and second in ("this_week", "this_month"):
            return second, first
        return first, second
    if len(found) == 1 and found[0] in ("previous_week", "last_month"):
        return None, found[0]
    return (found[0] if found else None), "previous_week"
