"""After an ingestion through the API: the theme vectors of the new interactions, computed off the request.

With a task queue (`PARCOURS_QUEUE_URL`) the job is queued for `parcours worker` (one queued at a time);
otherwise `parcours serve` runs it on one background thread. A job that never runs only makes the next
analysis slower: it computes what the cache lacks itself (`analytics.theme_vectors`).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from core.settings import Settings
from store.db import Store
from store.embedder import Embedder

log = logging.getLogger("parcours.theme_vectors")


class ThemeVectorJobs:
    """Starts the theme-vector job after ingestions (`kick`), in a worker or on a thread of this process."""

    def __init__(self, store: Store, settings: Settings, *, embedder: Callable[[], Embedder | None]) -> None:
        self.store = store
        self.settings = settings
        self.embedder = embedder
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._again = False
        self._stop = threading.Event()
        self._app: Any = None

    def kick(self) -> None:
        """New interactions were stored: compute their theme vectors soon (never raises)."""
        try:
            if self.settings.queue_url:
                self._defer()
                return
            with self._lock:
                if self._thread is not None and self._thread.is_alive():
                    self._again = True  # the running pass may have read past them: one more
                    return
                self._again = False
                self._thread = threading.Thread(target=self._run, name="theme-vectors", daemon=True)
                self._thread.start()
        except Exception:  # the analysis computes what is missing
            log.warning("theme vectors not started", exc_info=True)

    def _defer(self) -> None:
        from api.taskqueue.procrastinate_queue import build_app, defer_theme_vectors

        with self._lock:
            if self._app is None:
                self._app = build_app(self.settings.queue_url or "", sync=True)
                self._app.open()
        defer_theme_vectors(self._app)

    def _run(self) -> None:
        from analytics.theme_vectors import fill_theme_vectors
        from store.embedder import get_theme_embedder

        while not self._stop.is_set():
            try:
                model = get_theme_embedder(self.settings, fallback=self.embedder())
                fill_theme_vectors(store=self.store, embedder=model, stop=self._stop.is_set)
            except Exception:
                log.warning("theme vectors failed; the next analysis computes them", exc_info=True)
            with self._lock:
                if not self._again:
                    self._thread = None
                    return
                self._again = False

    def shutdown(self, timeout: float = 5.0) -> None:
        """Stop after the current step; close the queue's connection pool."""
        self._stop.set()
        thread = self._thread
        if thread is not None:
            thread.join(timeout)
        if self._app is not None:
            try:
                self._app.close()
            except Exception:
                log.debug("closing the queue app", exc_info=True)
