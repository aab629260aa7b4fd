"""Where analyses run: in the API process (embedded default) or on the task queue (`PARCOURS_QUEUE_URL`).

`make_jobs` returns the object the API enqueues through (`submit`), the same interface in both modes.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from api.taskqueue.runner import Resources, Runner
from core.settings import Settings
from store.db import Store


def make_jobs(
    store: Store,
    settings: Settings,
    *,
    resources: Resources | None = None,
    runner: Runner | None = None,
    on_finish: Callable[[str], None] | None = None,
) -> Any:
    """In-process `AnalysisJobs` (with in-process deliveries), or `QueueJobs` when a queue is configured."""
    if settings.queue_url:
        from api.taskqueue.procrastinate_queue import QueueJobs

        return QueueJobs(store, settings)
    from api.delivery import ThreadDeliverer
    from api.jobs import AnalysisJobs

    deliverer = ThreadDeliverer(store, settings)
    jobs = AnalysisJobs(
        store, settings, resources=resources, runner=runner, on_finish=on_finish, announce=deliverer
    )
    jobs.deliverer = deliverer  # type: ignore[attr-defined]
    return jobs
