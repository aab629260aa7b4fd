"""`parcours worker`: run analyses, deliveries and the weekly schedule from the task queue."""

from __future__ import annotations

import asyncio
import logging
from types import SimpleNamespace
from typing import Annotated

import typer

from cli.common import err_console, fail, open_store


def worker(
    concurrency: Annotated[
        int | None, typer.Option(help="Analyses run at once (default PARCOURS_WORKER_CONCURRENCY).")
    ] = None,
) -> None:
    """Run queued analyses (any number of workers may run, on any host), until SIGTERM or Ctrl-C.

    Needs PARCOURS_QUEUE_URL (the PostgreSQL database of the queue). A worker killed in the middle of an
    analysis is noticed by the others (no heartbeat), and one of them resumes it from its checkpoint.
    """
    from core.settings import get_settings

    settings = get_settings()
    queue_url = settings.queue_url
    if not queue_url:
        raise fail(
            "no task queue configured: set PARCOURS_QUEUE_URL to a PostgreSQL URL (e.g. the database's). "
            "Without a queue, analyses run inside `parcours serve`."
        )
    if concurrency is not None:
        settings = settings.model_copy(update={"worker_concurrency": concurrency})
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    from api.deps import load_embedder, load_index
    from api.taskqueue.heartbeat import Ticker
    from api.taskqueue.procrastinate_queue import build_app, recover, run_workers, worker_context
    from api.taskqueue.queue_schema import ensure_queue_schema
    from store import analysis_queue

    store = open_store(settings)
    ensure_queue_schema(queue_url)
    state = SimpleNamespace(settings=settings, embedder=None, index=None)
    load_embedder(state)  # the model loads now, not with the first analysis
    context = worker_context(store, settings, resources=lambda: (load_index(state), load_embedder(state)))
    app = build_app(queue_url, context=context)

    def renew() -> None:
        analysis_queue.heartbeat(store=store, worker_id=context.worker_id)

    beat = Ticker("lease", settings.lease_seconds / 4, renew).start()
    err_console.print(
        f"Parcours worker {context.worker_id}: {settings.worker_concurrency} analysis at a time."
    )

    async def main() -> None:
        async with app.open_async():
            resumed = await recover(app, context)
            if resumed:
                err_console.print(
                    f"Resumed {len(resumed)} analyses whose worker had stopped: {', '.join(resumed)}"
                )
        await run_workers(app, settings, name=context.worker_id)

    try:
        asyncio.run(main())
    finally:
        beat.stop()
        store.close()


def register(app: typer.Typer) -> None:
    """Add `worker`."""
    app.command("worker")(worker)
