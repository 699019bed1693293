"""`Cooldown`: heavy commands (/test, /search, /export) at most once per interval per chat.

Contract: `Cooldown.wait_left(chat_id, command)` is 0 and starts the interval when the
chat may run the command now; otherwise it is the seconds still to wait, and the
interval is not restarted (asking again does not push the next run further away).
Intervals are per command (`INTERVALS`); the state is in memory, per process, and
forgets chats whose interval has passed, so it stays as small as the busy chats.
"""

from __future__ import annotations

import math
import time
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

# Seconds; each is a few times what the command costs on a large database.
INTERVALS = {"test": 20.0, "search": 5.0, "export": 60.0}


class Cooldown:
    def __init__(
        self,
        intervals: Mapping[str, float] = INTERVALS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._intervals = dict(intervals)
        self._clock = clock
        self._until: dict[tuple[int, str], float] = {}

    def wait_left(self, chat_id: int, command: str) -> int:
        """0 when the chat may run ``command`` now (and the interval starts), else seconds."""
        now = self._clock()
        self._forget_before(now)
        until = self._until.get((chat_id, command))
        if until is not None and until > now:
            return max(1, math.ceil(until - now))
        self._until[(chat_id, command)] = now + self._intervals.get(command, 0.0)
        return 0

    def _forget_before(self, now: float) -> None:
        if len(self._until) < 1024:
            return
        for key in [key for key, until in self._until.items() if until <= now]:
            del self._until[key]
