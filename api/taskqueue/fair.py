"""A blocking queue that serves tenants in turn, so one tenant's backlog never starves another."""

from __future__ import annotations

import itertools
import threading
import time
from collections import deque
from typing import Generic, TypeVar

T = TypeVar("T")


class FairQueue(Generic[T]):
    """Items queued per tenant, served fairly.

    `get` picks the tenant with the fewest runs going, then the one served least recently, then the oldest
    item.

    Five analyses of one tenant followed by one of another: the other tenant's runs second, not sixth.
    """

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._items: dict[str, deque[tuple[int, T]]] = {}
        self._running: dict[str, int] = {}
        self._last_served: dict[str, float] = {}
        self._seq = itertools.count()
        self._closed = False

    def put(self, tenant: str, item: T) -> None:
        """Queue an item of a tenant."""
        with self._cond:
            if self._closed:
                raise RuntimeError("the queue is closed")
            self._items.setdefault(tenant, deque()).append((next(self._seq), item))
            self._cond.notify()

    def get(self, timeout: float | None = None) -> tuple[str, T] | None:
        """The next (tenant, item), marked running until `done(tenant)`; None once closed or on timeout."""
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._cond:
            while not self._closed and not self._items:
                remaining = None if deadline is None else deadline - time.monotonic()
                if remaining is not None and remaining <= 0:
                    return None
                self._cond.wait(remaining)
            if self._closed:
                return None
            tenant = min(
                self._items,
                key=lambda t: (self._running.get(t, 0), self._last_served.get(t, 0.0), self._items[t][0][0]),
            )
            _, item = self._items[tenant].popleft()
            if not self._items[tenant]:
                del self._items[tenant]
            self._running[tenant] = self._running.get(tenant, 0) + 1
            self._last_served[tenant] = time.monotonic()
            return tenant, item

    def done(self, tenant: str) -> None:
        """The tenant's item taken by `get` has finished."""
        with self._cond:
            self._running[tenant] = max(0, self._running.get(tenant, 0) - 1)

    def waiting(self, tenant: str | None = None) -> int:
        """Items waiting (of one tenant, or all)."""
        with self._cond:
            if tenant is not None:
                return len(self._items.get(tenant, ()))
            return sum(len(q) for q in self._items.values())

    def close(self) -> None:
        """Wake every waiting `get` with None; items still queued are dropped (their rows stay pending)."""
        with self._cond:
            self._closed = True
            self._cond.notify_all()
