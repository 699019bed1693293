"""The delivery worker: drains the outbox into a `Sender`, obeying Telegram's limits.

Contract:
- oldest first per chat; a chat waits at least its interval between messages (1 s for
  a private chat, 3 s for a group or channel, i.e. 20 a minute), and the whole bot
  sends at most `GLOBAL_RATE` messages a second;
- flood control (429) delays that chat by `retry_after`, and the same message is sent
  again; temporary failures retry with exponential backoff; a chat that is gone is
  deactivated and its pending alerts cancelled; a message Telegram will never accept
  is cancelled with the reason. Nothing is dropped silently.
- `run` returns when `stop` is set, after finishing the message in flight.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from datetime import timedelta
from typing import TYPE_CHECKING

import structlog

from alerts.models import utcnow
from alerts.outbox import cancel_entry, deactivate_chat, due_alerts, mark_sent, retry_later
from bot.senders import ChatUnavailable, MessageRejected, RetryAfter, TemporaryFailure

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

    from alerts.outbox import PendingAlert
    from bot.senders import Sender

log = structlog.get_logger(__name__)

GLOBAL_RATE = 25.0
PRIVATE_INTERVAL = 1.05
GROUP_INTERVAL = 3.05
BATCH = 100
IDLE_WAIT = 1.0
MAX_BACKOFF = 600.0


class DeliveryWorker:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], sender: Sender) -> None:
        self._sessions = sessions
        self._sender = sender
        self._wake = asyncio.Event()
        self._next_send_at: dict[int, float] = {}
        self._last_global = 0.0

    def wake(self) -> None:
        self._wake.set()

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            sent = await self.drain_once(stop)
            if sent:
                continue
            self._wake.clear()
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(IDLE_WAIT):
                    await _first_of(self._wake, stop)

    async def drain_once(self, stop: asyncio.Event | None = None) -> int:
        """Send what is due and whose chat may receive now; returns how many were handled."""
        async with self._sessions() as session:
            due = await due_alerts(session, utcnow(), BATCH)
        handled = 0
        for alert in due:
            if stop is not None and stop.is_set():
                break
            if time.monotonic() < self._next_send_at.get(alert.chat_id, 0.0):
                continue
            await self._pace_globally()
            await self._deliver(alert)
            handled += 1
        return handled

    async def _pace_globally(self) -> None:
        wait = self._last_global + 1 / GLOBAL_RATE - time.monotonic()
        if wait > 0:
            await asyncio.sleep(wait)
        self._last_global = time.monotonic()

    async def _deliver(self, alert: PendingAlert) -> None:
        interval = PRIVATE_INTERVAL if alert.chat_id > 0 else GROUP_INTERVAL
        self._next_send_at[alert.chat_id] = time.monotonic() + interval
        try:
            message_id = await self._sender.send(alert)
        except RetryAfter as exc:
            self._next_send_at[alert.chat_id] = time.monotonic() + exc.seconds
            await self._retry(alert, exc.seconds, str(exc), count_attempt=False)
        except ChatUnavailable as exc:
            async with self._sessions.begin() as session:
                cancelled = await deactivate_chat(session, alert.chat_id, str(exc))
            log.warning(
                "chat_deactivated", chat=alert.chat_id, reason=str(exc), cancelled=cancelled
            )
        except MessageRejected as exc:
            async with self._sessions.begin() as session:
                await cancel_entry(session, alert.id, str(exc))
            log.error("alert_rejected", outbox=alert.id, chat=alert.chat_id, reason=str(exc))
        except TemporaryFailure as exc:
            backoff = min(2.0 ** (alert.attempts + 1), MAX_BACKOFF)
            await self._retry(alert, backoff, str(exc))
        else:
            async with self._sessions.begin() as session:
                await mark_sent(session, alert.id, message_id, utcnow())
            log.info("alert_sent", outbox=alert.id, chat=alert.chat_id, message=message_id)

    async def _retry(
        self, alert: PendingAlert, seconds: float, error: str, *, count_attempt: bool = True
    ) -> None:
        at = utcnow() + timedelta(seconds=seconds)
        async with self._sessions.begin() as session:
            await retry_later(session, alert.id, at, error, count_attempt=count_attempt)
        log.warning(
            "alert_retry_scheduled", outbox=alert.id, chat=alert.chat_id, after=seconds, error=error
        )


async def _first_of(*events: asyncio.Event) -> None:
    waiters = [asyncio.ensure_future(event.wait()) for event in events]
    try:
        await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for waiter in waiters:
            waiter.cancel()
