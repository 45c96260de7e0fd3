"""How much anyone gets from the bot: a budget of updates a minute per user and per group
(beyond it, silence), and one refusal per period for a stranger.

Kept in this process's memory: each replica counts what reaches it, and a restart forgets.
"""

from __future__ import annotations

import logging
import time
from collections import deque
from datetime import datetime, timedelta

log = logging.getLogger(__name__)

MINUTE = 60.0
# Keys forgotten once this many are kept (only the idle ones go).
SWEEP_AT = 10_000


class Budget:
    """At most ``limit`` updates in any minute per key (a user, a group); the rest are
    dropped, and each spell of dropping is logged once, without saying whose."""

    def __init__(self, what: str, limit: int, seconds: float = MINUTE) -> None:
        self.what = what
        self.limit = limit
        self.seconds = seconds
        self._spent: dict[int, deque[float]] = {}
        self._over: set[int] = set()

    def spend(self, key: int) -> bool:
        """Count one update; False if it is over the budget (drop it)."""
        now = time.monotonic()
        if len(self._spent) > SWEEP_AT:
            self._sweep(now)
        spent = self._spent.setdefault(key, deque())
        while spent and spent[0] <= now - self.seconds:
            spent.popleft()
        if len(spent) >= self.limit:
            if key not in self._over:
                self._over.add(key)
                log.warning("a %s sent more than %s updates within a minute: the rest are "
                            "dropped until it slows down", self.what, self.limit)
            return False
        self._over.discard(key)
        spent.append(now)
        return True

    def _sweep(self, now: float) -> None:
        for key in [key for key, spent in self._spent.items()
                    if not spent or spent[-1] <= now - self.seconds]:
            del self._spent[key]
            self._over.discard(key)


class Once:
    """True the first time a key is seen in ``period``, then False until the period ends."""

    def __init__(self, period: timedelta) -> None:
        self.period = period
        self._seen: dict[int, datetime] = {}

    def first(self, key: int, now: datetime) -> bool:
        if len(self._seen) > SWEEP_AT:
            self._seen = {seen: at for seen, at in self._seen.items() if now - at < self.period}
        seen = self._seen.get(key)
        if seen is not None and now - seen < self.period:
            return False
        self._seen[key] = now
        return True
