"""Which week an analysis covers by default, and its baseline.

Default period: the last *complete* ISO week of the tenant's data. If the latest interaction falls on a
Sunday its week is complete and is analysed; otherwise the week before it is. When that earlier week holds no
data at all (a fresh deployment with a few days of data), the latest, incomplete week is analysed and a
note says so. The baseline is the `baseline_weeks` weeks (default 4) immediately before the period.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

from sqlalchemy import func, select

from core.results import Period
from store.db import Store
from store.schema import InteractionRow

_WEEK = re.compile(r"^(\d{4})-W(\d{1,2})$")


def week_period(week: str) -> Period:
    """The Monday-Sunday period of an ISO week such as 2026-W47."""
    match = _WEEK.match(week.strip())
    if not match:
        raise ValueError(f"a week looks like 2026-W47, not {week!r}")
    start = date.fromisocalendar(int(match.group(1)), int(match.group(2)), 1)
    return Period(start=start, end=start + timedelta(days=6))


def week_label(day: date) -> str:
    """The ISO week label of a day, e.g. 2026-W47."""
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def latest_day(store: Store, tenant: str) -> date | None:
    """The latest local date with an interaction for the tenant."""
    with store.session() as session:
        return session.scalar(
            select(func.max(InteractionRow.local_date)).where(InteractionRow.tenant == tenant)
        )


def _count(store: Store, tenant: str, period: Period) -> int:
    with store.session() as session:
        return int(
            session.scalar(
                select(func.count())
                .select_from(InteractionRow)
                .where(InteractionRow.tenant == tenant)
                .where(InteractionRow.local_date.between(period.start, period.end))
            )
            or 0
        )


def default_period(store: Store, tenant: str) -> tuple[Period, list[str]]:
    """The last complete ISO week of the data (see the module docstring), with notes."""
    last = latest_day(store, tenant)
    if last is None:
        raise ValueError(f"tenant {tenant!r} has no interactions to analyse")
    monday = last - timedelta(days=last.isoweekday() - 1)
    current = Period(start=monday, end=monday + timedelta(days=6))
    if last.isoweekday() == 7:
        return current, []
    previous = Period(start=monday - timedelta(days=7), end=monday - timedelta(days=1))
    if _count(store, tenant, previous) > 0:
        return previous, []
    return current, [f"week {week_label(monday)} is incomplete (data ends {last}); analysed anyway"]


def baseline_for(period: Period, weeks: int) -> Period:
    """The `weeks` weeks immediately before the period."""
    end = period.start - timedelta(days=1)
    return Period(start=period.start - timedelta(days=7 * max(1, weeks)), end=end)
