"""The weekly report runs itself, and the daily retention purge.

At `PARCOURS_WEEKLY_AT` (e.g. `MON 06:00`, tenant time zone) each tenant's ISO week that just ended is
analysed.

`run_weekly` is idempotent: it asks for a tenant's week once (rows with trigger `schedule`), so it can be
called every minute by the queue's periodic task (`parcours worker`) or by the scheduler thread of
`parcours serve` (in-process mode), by several processes at once, and after a restart it catches up on the
most recent due week.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from core.periods import week_of
from core.results import Period
from core.settings import Settings
from store import analysis_queue
from store.analysis_queue import Submitted
from store.db import Store
from store.schema import InteractionRow

log = logging.getLogger("parcours.schedule")

DAYS = {"MON": 1, "TUE": 2, "WED": 3, "THU": 4, "FRI": 5, "SAT": 6, "SUN": 7}
_WHEN = re.compile(r"^\s*([A-Za-z]{3})[A-Za-z]*\s+(\d{1,2}):(\d{2})\s*$")

Submit = Callable[..., Submitted]


@dataclass(frozen=True)
class WeeklyAt:
    """A weekday (1 = Monday) and a local time."""

    weekday: int
    at: time


def parse_weekly_at(text: str | None) -> WeeklyAt | None:
    """`MON 06:00` (also `monday 6:00`); None for `off` or empty; ValueError otherwise."""
    if text is None or text.strip().lower() in ("", "off", "none", "never"):
        return None
    match = _WHEN.match(text)
    day = DAYS.get(match.group(1).upper()) if match else None
    if match is None or day is None:
        raise ValueError(f"PARCOURS_WEEKLY_AT must look like 'MON 06:00' (or 'off'), not {text!r}")
    hour, minute = int(match.group(2)), int(match.group(3))
    if hour > 23 or minute > 59:
        raise ValueError(f"PARCOURS_WEEKLY_AT has no such time: {text!r}")
    return WeeklyAt(day, time(hour, minute))


def last_due(now: datetime, when: WeeklyAt, tz: ZoneInfo) -> datetime:
    """The latest local moment `when` at or before `now` (aware)."""
    local = now.astimezone(tz)
    day = local.date() - timedelta(days=(local.isoweekday() - when.weekday) % 7)
    due = datetime.combine(day, when.at, tzinfo=tz)
    return due if due <= local else due - timedelta(days=7)


def week_before(day: date) -> Period:
    """The ISO week (Monday–Sunday) before the one containing `day`: the week that just ended."""
    return week_of(day - timedelta(days=7))


def tenants_with_data(*, store: Store, period: Period) -> list[str]:
    """Tenants with at least one interaction in the period."""
    with store.session() as session:
        return sorted(
            session.scalars(
                select(InteractionRow.tenant)
                .where(InteractionRow.local_date.between(period.start, period.end))
                .distinct()
            )
        )


def run_weekly(
    *, store: Store, settings: Settings, submit: Submit, now: datetime | None = None
) -> list[Submitted]:
    """Ask, once per tenant, for the analysis of the week that ended at the latest due time."""
    when = parse_weekly_at(settings.weekly_at)
    if when is None:
        return []
    due = last_due(now or datetime.now(UTC), when, ZoneInfo(settings.timezone))
    period = week_before(due.date())
    started = []
    for tenant in tenants_with_data(store=store, period=period):
        if analysis_queue.scheduled(store=store, tenant=tenant, period=period):
            continue
        submitted = submit(tenant=tenant, period=period, trigger="schedule")
        log.info("weekly analysis of %s for %s: %s", period.start, tenant, submitted.analysis_id)
        started.append(submitted)
    return started


def retention_purge(*, store: Store, settings: Settings, now: datetime) -> None:
    """The daily retention purge (`store.retention.purge`: what the retention settings no longer keep)."""
    from analytics.erasure_texts import embedded_texts
    from store.retention import purge

    # The cached vectors of the purged interactions' theme texts and glosses go with them (keyed by text).
    purge(store=store, settings=settings, now=now, derived_texts=embedded_texts)


class InProcessSchedule:
    """The scheduler of `parcours serve` without a task queue: checked every minute."""

    def __init__(self, *, store: Store, settings: Settings, submit: Submit) -> None:
        self.store = store
        self.settings = settings
        self.submit = submit
        self._purged_on: date | None = None

    def tick(self, now: datetime | None = None) -> None:
        """Start due weekly analyses; purge once a local day."""
        now = now or datetime.now(UTC)
        run_weekly(store=self.store, settings=self.settings, submit=self.submit, now=now)
        today = now.astimezone(ZoneInfo(self.settings.timezone)).date()
        if self._purged_on != today:
            self._purged_on = today
            retention_purge(store=self.store, settings=self.settings, now=now)
