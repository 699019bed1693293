"""How fast the delivery worker may send: Telegram's limits, kept with a margin.

Telegram allows about 30 messages a second per bot, one a second per private chat
and 20 a minute per group or channel. The pacer keeps
- the whole bot to `global_rate` messages a second (29: a little under 30), evenly
  spaced rather than in bursts, so requests that reach Telegram a few milliseconds
  closer together than they left still fit in any one-second window;
- each private chat (positive id) to `private_messages` per `private_window`;
- each group or channel (negative id) to `group_messages` per `group_window`, as a
  sliding window: a quiet group gets the first alerts of an event at once, the rest
  wait their turn;
- a `margin` on every chat window, for the same network jitter.
A 429 holds one chat, or the whole bot, for its retry_after on top of this.

Times are the monotonic clock. Nothing here survives a restart, nor needs to: after a
restart Telegram's windows have mostly expired, and where not, it answers 429.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections import deque
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable


@dataclass(frozen=True, slots=True)
class Pacing:
    """Sending limits; the defaults are Telegram's, kept with a margin. Tests shrink them."""

    global_rate: float = 29.0
    private_messages: int = 1
    private_window: float = 1.0
    group_messages: int = 20
    group_window: float = 60.0
    margin: float = 0.25

    @classmethod
    def unlimited(cls) -> Pacing:
        """No limits at all: for senders that are not Telegram (the console)."""
        return cls(global_rate=math.inf, private_window=0.0, group_window=0.0, margin=0.0)


TELEGRAM_PACING = Pacing()


class Pacer:
    """When the next message may go: to anyone, and to one chat."""

    def __init__(self, pacing: Pacing, clock: Callable[[], float] = time.monotonic) -> None:
        self.pacing = pacing
        self._clock = clock
        # Per chat, the times of its last sends, as many as its window allows.
        self._sent: dict[int, deque[float]] = {}
        self._held: dict[int, float] = {}
        self._held_all = 0.0
        self._next_slot = 0.0

    def ready_at(self, chat_id: int) -> float:
        """The monotonic time from which this chat may be sent a message."""
        limit, window = self._window(chat_id)
        at = max(self._held.get(chat_id, 0.0), self._held_all)
        sent = self._sent.get(chat_id)
        if sent is not None and len(sent) >= limit:
            at = max(at, sent[0] + window)
        return at

    async def take_slot(self, max_wait: float = math.inf) -> bool:
        """Wait for the bot's next sending slot and take it; False if it is too far off."""
        # Checked again after each sleep: a 429 may have held the whole bot meanwhile.
        while (wait := max(self._next_slot, self._held_all) - self._clock()) > 0:
            if wait > max_wait:
                return False
            await asyncio.sleep(wait)
        step, now = 1 / self.pacing.global_rate, self._clock()
        # Keep to the schedule after a slightly late wake-up; after a longer one (or
        # idle time) start afresh from now: never catch up in a burst.
        late = now - self._next_slot
        self._next_slot = (self._next_slot if late < step / 2 else now) + step
        return True

    def record(self, chat_id: int) -> None:
        """A message to this chat leaves now."""
        limit, _ = self._window(chat_id)
        self._sent.setdefault(chat_id, deque(maxlen=limit)).append(self._clock())

    def hold(self, chat_id: int, seconds: float) -> None:
        self._held[chat_id] = max(self._held.get(chat_id, 0.0), self._clock() + seconds)

    def hold_all(self, seconds: float) -> None:
        self._held_all = max(self._held_all, self._clock() + seconds)

    def forget_idle(self) -> None:
        """Drop chats whose windows and holds have passed: they are as good as new."""
        now = self._clock()
        self._held = {chat: at for chat, at in self._held.items() if at > now}
        self._sent = {
            chat: sent
            for chat, sent in self._sent.items()
            if sent and sent[-1] + self._window(chat)[1] > now
        }

    def _window(self, chat_id: int) -> tuple[int, float]:
        pacing = self.pacing
        if chat_id > 0:
            return pacing.private_messages, pacing.private_window + pacing.margin
        return pacing.group_messages, pacing.group_window + pacing.margin
