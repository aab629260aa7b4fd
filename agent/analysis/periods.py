"""Which week an analysis covers by default.

Default period: the last *complete* ISO week of the tenant's data. If the latest interaction falls on a
Sunday its week is complete and is analysed; otherwise the week before it is. When that earlier week holds no
data at all (a fresh deployment with a few days of data), the latest, incomplete week is analysed and a
note says so. The baseline is `core.periods.baseline_for` (the `baseline_weeks` weeks before the period).
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from core.periods import last_complete_week, week_label, week_of
from core.results import Period
from store.db import Store
from store.schema import InteractionRow


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
    complete = last_complete_week(last)
    if complete.end == last or _count(store, tenant, complete) > 0:
        return complete, []
    current = week_of(last)
    return current, [f"week {week_label(current.start)} is incomplete (data ends {last}); analysed anyway"]


def data_week(store: Store, tenant: str) -> Period | None:
    """The default period of the tenant's data, or None when it has no interactions."""
    try:
        return default_period(store, tenant)[0]
    except ValueError:
        return None
