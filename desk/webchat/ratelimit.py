"""A sliding-window count of requests per key (a client address), in this process.

Kept in memory on purpose: it is the first, cheap line against a flood from
one address and must cost nothing per request. With several web processes
each counts its own share, so the effective limit is the setting times the
processes; the per-session limit, which must hold exactly, is counted in the
database (`desk.webchat.conversation`).
"""

from __future__ import annotations

import threading
import time
from collections import deque


class Window:
    def __init__(self, limit: int, seconds: float = 60.0, max_keys: int = 50_000) -> None:
        self.limit, self.seconds, self.max_keys = limit, seconds, max_keys
        self._hits: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def allow(self, key: str, now: float | None = None) -> bool:
        """Count a request of `key`; False when it is over the limit (and not counted)."""
        now = time.monotonic() if now is None else now
        with self._lock:
            hits = self._hits.get(key)
            if hits is None:
                if len(self._hits) >= self.max_keys:  # many addresses: forget the idle ones
                    self._forget(now)
                hits = self._hits[key] = deque()
            while hits and hits[0] <= now - self.seconds:
                hits.popleft()
            if len(hits) >= self.limit:
                return False
            hits.append(now)
            return True

    def _forget(self, now: float) -> None:
        for key in [k for k, v in self._hits.items() if not v or v[-1] <= now - self.seconds]:
            del self._hits[key]
