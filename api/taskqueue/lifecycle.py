"""What an API process does when it starts and stops: recovery, model warm-up, the in-process schedule."""

from __future__ import annotations

import logging
from typing import Any

from api.taskqueue.heartbeat import Ticker

log = logging.getLogger("parcours.api")
SCHEDULE_INTERVAL = 60.0
"""Seconds between checks of the weekly schedule (in-process mode)."""


def on_startup(app: Any, *, serve: bool) -> None:
    """Resume orphaned analyses; when serving: load the model now and run the weekly schedule in-process."""
    state = app.state
    state.jobs.start_recovery()
    if not serve:
        return
    from api.readiness import warm_up

    warm_up(state)
    from api.deps import load_embedder
    from api.theme_vectors import ThemeVectorJobs

    # Ingestions start the theme-vector job (a worker's, or a thread here); `serve` only: tests stay quiet.
    state.theme_vectors = ThemeVectorJobs(state.store, state.settings, embedder=lambda: load_embedder(state))
    if state.settings.queue_url:
        return  # the queue's periodic task runs the schedule in `parcours worker`
    from api.taskqueue.schedule import InProcessSchedule, parse_weekly_at

    if parse_weekly_at(state.settings.weekly_at) is None:
        return
    schedule = InProcessSchedule(store=state.store, settings=state.settings, submit=state.jobs.submit)
    state.schedule = Ticker("schedule", SCHEDULE_INTERVAL, schedule.tick, immediately=True).start()


def on_shutdown(app: Any) -> None:
    """Stop the schedule, the analysis threads and the deliveries."""
    schedule = getattr(app.state, "schedule", None)
    if schedule is not None:
        schedule.stop()
    app.state.jobs.shutdown()
    theme_vectors = getattr(app.state, "theme_vectors", None)
    if theme_vectors is not None:
        theme_vectors.shutdown()
    deliverer = getattr(app.state.jobs, "deliverer", None)
    if deliverer is not None:
        deliverer.shutdown()
