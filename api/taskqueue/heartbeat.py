"""A daemon thread that calls a function every few seconds (lease renewal, recovery sweeps, schedules)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

log = logging.getLogger("parcours.queue")


class Ticker:
    """Calls `tick()` every `interval` seconds until stopped; an exception is logged, never fatal."""

    def __init__(self, name: str, interval: float, tick: Callable[[], None], *, immediately: bool = False):
        self.name = name
        self.interval = max(0.05, interval)
        self._tick = tick
        self._immediately = immediately
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name=f"parcours-{name}", daemon=True)

    def start(self) -> Ticker:
        """Start the thread."""
        self._thread.start()
        return self

    def _loop(self) -> None:
        if self._immediately:
            self._run()
        while not self._stop.wait(self.interval):
            self._run()

    def _run(self) -> None:
        try:
            self._tick()
        except Exception:
            log.exception("%s failed", self.name)

    def stop(self, timeout: float | None = 5.0) -> None:
        """Stop after the current tick."""
        self._stop.set()
        if self._thread.is_alive() and threading.current_thread() is not self._thread:
            self._thread.join(timeout)
