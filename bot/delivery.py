"""The delivery worker: drains the outbox into a `Sender`, obeying Telegram's limits.

Contract:
- Fair. A round takes every active, unpaused chat with due entries (one row per chat,
  see `alerts.outbox.queue.ready_heads`), orders them by when each last had a turn (never
  first, then oldest entry) and gives each at most one message; a round is about a
  second's worth of messages. A chat with a thousand pending alerts takes one turn
  like any other, and a new chat's first alert goes in the next round. Within a chat,
  due entries go oldest first.
- Paced by `bot.pacing`: under 30 messages a second overall, 1 a second per private
  chat, 20 a minute per group or channel. Sends overlap (a slow answer does not hold
  up other chats), but a chat never has two messages in flight.
- Paused chats are skipped, their entries stay pending. During quiet hours messages
  go silently unless an urgent rule caused them (`Alert.silent`).
- Digest: a chat that was sent `digest_after` alerts or more in the last hour gets
  the rest as a digest every `digest_interval` (`bot.digest`); its entries are marked
  sent with the id of the message that listed them. Notices never go in a digest. The
  first time in an hour a chat turns to digests it gets a notice saying so
  (`DIGEST_STARTED`), before the digest's wait is over.
- Errors (`bot.senders`), each ending with the entry sent, cancelled with a reason,
  or pending:
  429: the chat waits `retry_after`, then the same message goes again. The whole bot
  waits instead when the refused request named no chat, or when two different chats
  are refused within a second: Telegram's answer does not say which limit was hit,
  and our own pacing makes a per-chat 429 rare (another client, such as the command
  replies, used the chat's quota) and two at once likely the bot's.
  5xx, timeouts, connection errors: the entry waits 2, 4, 8, … s (at most
  `max_backoff`), counted in its attempts, then goes again.
  Chat gone (403, chat not found): the chat is deactivated and its pending entries
  cancelled with Telegram's reason. Group upgraded: `alerts.chats.moves.migrate_chat`,
  and the same message goes to the supergroup in the next round.
  Refused for good (any other 400): that entry is cancelled with the reason.
- Story edits: a sent alert whose story gained a source since (`alerts.outbox.edits`)
  is edited to name it, one edit per chat per round, with what room a round has left
  after sends, paced like sends. An edit Telegram refuses for good is given up (the
  alert itself was delivered); one refused for a while is tried again.
- `run` returns when `stop` is set, after the messages in flight are finished;
  `drain_once` runs one round and waits for its messages.

Past the usual module size on purpose: choosing, launching and settling a send share
the worker's in-memory state (in flight, turns, holds), which is clearer in one class.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import time
from datetime import timedelta
from functools import partial
from typing import TYPE_CHECKING

import structlog
from sqlalchemy.exc import DBAPIError

from alerts.chats.moves import migrate_chat
from alerts.outbox.edits import due_edits, mark_edited, with_stories
from alerts.outbox.queue import (
    DIGEST_STARTED,
    Alert,
    Edit,
    Notice,
    cancel_entries,
    chat_backlog,
    deactivate_chat,
    load_alerts,
    mark_sent,
    noticed_since,
    queue_notice,
    ready_heads,
    recent_load,
    retry_later,
)
from alerts.store.models import utcnow
from bot.digest import DigestPart, DigestSchedule, build_digest
from bot.i18n import Words
from bot.pacing import TELEGRAM_PACING, Pacer, Pacing
from bot.senders import (
    ChatMigrated,
    ChatUnavailable,
    DeliveryError,
    MessageRejected,
    RetryAfter,
    TemporaryFailure,
)

if TYPE_CHECKING:
    from datetime import datetime

    from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

    from alerts.metrics import Metrics
    from alerts.outbox.queue import ChatHead
    from bot.senders import Sender

log = structlog.get_logger(__name__)

MAX_ROUND = 100
# Raised while the database restarts: refused connections, connections cut mid-query.
DATABASE_DOWN = (DBAPIError, OSError)
DATABASE_RETRY = 1.0
DIGEST_WINDOW = timedelta(hours=1)
# Bounds one digest's query and memory; a larger backlog goes in the next digest.
DIGEST_LIMIT = 1000
# Two chats refused within this many seconds: the bot's limit, not theirs.
GLOBAL_429_SPAN = 1.0

# One message to send: an alert, a notice, one part of a digest, or an edit of a sent alert.
Send = Alert | Notice | DigestPart
Message = Send | Edit


class DeliveryWorker:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        sender: Sender,
        *,
        digest_after: int = 60,
        digest_interval: float = 600.0,
        pacing: Pacing = TELEGRAM_PACING,
        backoff: float = 2.0,
        max_backoff: float = 600.0,
        idle_wait: float = 1.0,
        max_in_flight: int = 64,
        metrics: Metrics | None = None,
    ) -> None:
        self._sessions = sessions
        self._sender = sender
        self._metrics = metrics
        self._digests = DigestSchedule(digest_after, timedelta(seconds=digest_interval))
        self._backoff = backoff
        self._max_backoff = max_backoff
        self._idle_wait = idle_wait
        self._pacer = Pacer(pacing if sender.paced else Pacing.unlimited())
        rate = self._pacer.pacing.global_rate
        self._round_size = MAX_ROUND if math.isinf(rate) else max(1, min(MAX_ROUND, int(rate)))
        self._slots = asyncio.Semaphore(max_in_flight)
        self._wake = asyncio.Event()
        self._in_flight: dict[int, asyncio.Task[None]] = {}
        # When each chat's last send was settled, to skip chats read before that.
        self._settled: dict[int, float] = {}
        self._turns: dict[int, float] = {}
        self._next_check = math.inf
        self._last_429: tuple[int, float] | None = None
        self._crash: BaseException | None = None

    def wake(self) -> None:
        self._wake.set()

    async def run(self, stop: asyncio.Event) -> None:
        try:
            while not stop.is_set():
                self._wake.clear()
                try:
                    busy = await self._round(stop)
                    self._raise_crash()
                except DATABASE_DOWN as exc:
                    # A restarting database is waited out, not a reason to stop the
                    # service: the outbox is still there when it is back.
                    self._crash = None
                    log.warning("delivery_database_unavailable", error=type(exc).__name__)
                    with contextlib.suppress(TimeoutError):
                        async with asyncio.timeout(DATABASE_RETRY):
                            await stop.wait()
                    continue
                if not busy:
                    await self._idle(stop)
        finally:
            await self._finish_in_flight()
        self._raise_crash()

    async def drain_once(self, stop: asyncio.Event | None = None) -> int:
        """One round: send what is due to chats that may receive now; returns how many."""
        try:
            launched = await self._round(stop)
        finally:
            await self._finish_in_flight()
        self._raise_crash()
        return launched

    async def _round(self, stop: asyncio.Event | None) -> int:
        snapshot = time.monotonic()
        now = utcnow()
        async with self._sessions() as session:
            heads = await ready_heads(session, now)
            chosen = self._choose(heads, snapshot)
            messages = await self._prepare(session, chosen, now) if chosen else []
            messages += await self._edits(session, now, room=self._round_size - len(messages))
        for launched, message in enumerate(messages):
            # A slot further off than `idle_wait` (the bot is held after a 429) ends the
            # round, so that `stop` and a shutdown's last drain are never kept waiting.
            stopping = stop is not None and stop.is_set()
            if stopping or not await self._pacer.take_slot(max_wait=self._idle_wait):
                self._put_back(messages[launched:])
                return launched
            await self._slots.acquire()
            self._launch(message)
        return len(messages)

    def _choose(self, heads: list[ChatHead], snapshot: float) -> list[ChatHead]:
        """The chats to serve this round, least recently served first."""
        now = time.monotonic()
        waiting = {head.chat_id for head in heads}
        # A chat with nothing due forgets its place: its next alert is served first.
        self._turns = {chat: at for chat, at in self._turns.items() if chat in waiting}
        self._settled = {chat: at for chat, at in self._settled.items() if at >= snapshot}
        self._digests.keep_only(waiting)
        self._pacer.forget_idle()
        ready, later = [], []
        for head in heads:
            chat = head.chat_id
            if chat in self._in_flight or chat in self._settled:
                continue  # in flight, or settled after `heads` was read: next round
            at = self._pacer.ready_at(chat)
            if head.notice_id is None:
                at = max(at, self._digests.due_at(chat))
            if at > now:
                later.append(at)
            else:
                ready.append(head)
        self._next_check = min(later, default=math.inf)
        ready.sort(key=lambda head: (self._turns.get(head.chat_id, -math.inf), head.first_id))
        chosen = ready[: self._round_size]
        for head in chosen:
            self._turns[head.chat_id] = now
        return chosen

    async def _prepare(
        self, session: AsyncSession, chosen: list[ChatHead], now: datetime
    ) -> list[Message]:
        """Per chosen chat: its oldest entry, its digest's next part, or nothing yet."""
        counted = [head.chat_id for head in chosen if not head.starts_with_notice]
        loads = await recent_load(session, counted, now - DIGEST_WINDOW)
        messages: dict[int, Message] = {}
        singles: list[int] = []
        for head in chosen:
            chat, load = head.chat_id, loads.get(head.chat_id)
            if part := self._digests.next_part(chat):
                messages[chat] = part
            elif head.starts_with_notice or load is None or not self._digests.applies(load):
                singles.append(head.first_id)
            elif head.notice_id is not None:
                # Notices go before a digest starts: "digests from now on" must come first.
                singles.append(head.notice_id)
            elif await self._announce_digest(chat, now):
                self._digests.wait(chat, 0)  # the notice goes at the chat's next turn
            elif (wait := self._digests.due_in(load, now)) <= 0:
                backlog = await chat_backlog(session, chat, now, DIGEST_LIMIT)
                words = Words.for_chat(self._sender.i18n, backlog[0].language if backlog else None)
                if part := self._digests.start(build_digest(chat, backlog, words)):
                    messages[chat] = part
            else:
                self._digests.wait(chat, wait)
        for alert in await with_stories(session, await load_alerts(session, singles, now)):
            messages[alert.chat_id] = alert
        return [messages[head.chat_id] for head in chosen if head.chat_id in messages]

    async def _announce_digest(self, chat_id: int, now: datetime) -> bool:
        """The first time in an hour a chat's alerts turn into a digest, it is told so.

        Returns whether the notice was queued now; it goes before the digest.
        """
        async with self._sessions.begin() as session:
            if await noticed_since(session, chat_id, DIGEST_STARTED, now - DIGEST_WINDOW):
                return False
            minutes = max(1, round(self._digests.interval.total_seconds() / 60))
            await queue_notice(session, chat_id, DIGEST_STARTED, {"minutes": minutes}, now)
        log.info("digest_announced", chat=chat_id)
        return True

    async def _edits(self, session: AsyncSession, now: datetime, room: int) -> list[Message]:
        """Sent alerts to rewrite, for chats that are free and may receive now."""
        if room <= 0:
            return []
        clock = time.monotonic()
        busy = {*self._in_flight, *self._settled, *self._turns}
        edits = await due_edits(session, now, skip=busy, limit=room * 2)
        ready = [edit for edit in edits if self._pacer.ready_at(edit.chat_id) <= clock]
        return list(ready[:room])

    def _put_back(self, messages: list[Message]) -> None:
        """Chosen but not launched: first in line next round, digest parts kept."""
        for message in reversed(messages):
            self._turns.pop(message.chat_id, None)
            if isinstance(message, DigestPart):
                self._digests.put_back(message)

    def _launch(self, message: Message) -> None:
        chat = message.chat_id
        task = asyncio.create_task(self._deliver(message), name=f"deliver-{chat}")
        self._in_flight[chat] = task
        task.add_done_callback(partial(self._landed, chat))

    def _landed(self, chat_id: int, task: asyncio.Task[None]) -> None:
        self._in_flight.pop(chat_id, None)
        self._settled[chat_id] = time.monotonic()
        self._slots.release()
        self._wake.set()
        if not task.cancelled() and task.exception() is not None and self._crash is None:
            self._crash = task.exception()

    async def _deliver(self, message: Message) -> None:
        self._pacer.record(message.chat_id)
        if isinstance(message, Edit):
            await self._edit(message)
            return
        try:
            if isinstance(message, DigestPart):
                message_id = await self._sender.send_digest(message)
            else:
                message_id = await self._sender.send(message)
        except DeliveryError as exc:
            await self._failed(message, exc)
            return
        revision = message.revision if isinstance(message, Alert) else None
        now = utcnow()
        async with self._sessions.begin() as session:
            await mark_sent(session, _entry_ids(message), message_id, now, revision=revision)
        if self._metrics is not None:
            queued_at = message.queued_at if isinstance(message, Alert | Notice) else None
            self._metrics.sent(len(_entry_ids(message)), queued_at, now)
        event = {DigestPart: "digest_sent", Notice: "notice_sent"}.get(type(message), "alert_sent")
        log.info(event, outbox=_entry_ids(message), chat=message.chat_id, message=message_id)

    async def _edit(self, edit: Edit) -> None:
        try:
            await self._sender.edit(edit)
        except RetryAfter as exc:
            self._count_flood_wait()
            self._pacer.hold(edit.chat_id, exc.seconds)
            log.warning("alert_edit_flood_wait", chat=edit.chat_id, after=exc.seconds)
            return
        except (ChatMigrated, ChatUnavailable) as exc:
            # The message cannot be reached any more; the chat is handled on its next send.
            log.warning("alert_edit_unreachable", outbox=edit.id, chat=edit.chat_id, error=str(exc))
        except MessageRejected as exc:
            log.warning("alert_edit_refused", outbox=edit.id, chat=edit.chat_id, error=str(exc))
        except TemporaryFailure as exc:
            self._pacer.hold(edit.chat_id, self._backoff)
            log.warning("alert_edit_retry", outbox=edit.id, chat=edit.chat_id, error=str(exc))
            return
        async with self._sessions.begin() as session:
            await mark_edited(session, edit.id, edit.revision)
        log.info("alert_edited", outbox=edit.id, chat=edit.chat_id, revision=edit.revision)

    async def _failed(self, message: Send, exc: DeliveryError) -> None:
        chat, ids = message.chat_id, _entry_ids(message)
        if isinstance(exc, RetryAfter):
            await self._flood_wait(message, exc)
        elif isinstance(exc, ChatMigrated):
            await self._migrate(chat, exc.new_chat_id)
        elif isinstance(exc, ChatUnavailable):
            self._digests.drop(chat)
            async with self._sessions.begin() as session:
                cancelled = await deactivate_chat(session, chat, str(exc))
            self._count_cancelled(cancelled)
            log.warning("chat_deactivated", chat=chat, reason=str(exc), cancelled=cancelled)
        elif isinstance(exc, MessageRejected):
            async with self._sessions.begin() as session:
                await cancel_entries(session, ids, str(exc))
            self._count_cancelled(len(ids))
            log.error("alert_rejected", outbox=ids, chat=chat, reason=str(exc))
        elif isinstance(exc, TemporaryFailure):
            self._digests.drop(chat)
            backoff = min(self._backoff * 2.0**message.attempts, self._max_backoff)
            await self._retry(message, backoff, str(exc), count_attempt=True)
        else:
            raise TypeError(f"unexpected delivery error {exc!r}") from exc

    async def _flood_wait(self, message: Send, exc: RetryAfter) -> None:
        self._count_flood_wait()
        chat, now = message.chat_id, time.monotonic()
        last, self._last_429 = self._last_429, (chat, now)
        whole_bot = exc.whole_bot or (
            last is not None and last[0] != chat and now - last[1] < GLOBAL_429_SPAN
        )
        if whole_bot:
            self._pacer.hold_all(exc.seconds)
        else:
            self._pacer.hold(chat, exc.seconds)
        log.warning("delivery_flood_wait", chat=chat, after=exc.seconds, whole_bot=whole_bot)
        if isinstance(message, DigestPart):
            self._digests.put_back(message)  # not sent: it goes first when the chat may
        else:
            await self._retry(message, exc.seconds, str(exc), count_attempt=False)

    def _count_flood_wait(self) -> None:
        if self._metrics is not None:
            self._metrics.flood_waits.inc()

    def _count_cancelled(self, entries: int) -> None:
        if self._metrics is not None:
            self._metrics.alerts_cancelled.inc(entries)

    async def _migrate(self, chat_id: int, new_chat_id: int) -> None:
        self._digests.drop(chat_id)
        async with self._sessions.begin() as session:
            moved = await migrate_chat(session, chat_id, new_chat_id)
        log.warning(
            "chat_migrated",
            chat=chat_id,
            new_chat=new_chat_id,
            rules=moved.rules,
            entries=moved.entries,
            duplicates=moved.duplicates,
        )
        self._wake.set()

    async def _retry(
        self, message: Send, seconds: float, error: str, *, count_attempt: bool
    ) -> None:
        at = utcnow() + timedelta(seconds=seconds)
        ids = _entry_ids(message)
        async with self._sessions.begin() as session:
            await retry_later(session, ids, at, error, count_attempt=count_attempt)
        log.warning(
            "alert_retry_scheduled", outbox=ids, chat=message.chat_id, after=seconds, error=error
        )

    async def _idle(self, stop: asyncio.Event) -> None:
        wait = min(self._idle_wait, max(0.01, self._next_check - time.monotonic()))
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(wait):
                await _first_of(self._wake, stop)

    async def _finish_in_flight(self) -> None:
        await asyncio.gather(*list(self._in_flight.values()), return_exceptions=True)

    def _raise_crash(self) -> None:
        if self._crash is not None:
            crash, self._crash = self._crash, None
            raise crash


def _entry_ids(message: Message) -> list[int]:
    return list(message.entry_ids) if isinstance(message, DigestPart) else [message.id]


async def _first_of(*events: asyncio.Event) -> None:
    waiters = [asyncio.ensure_future(event.wait()) for event in events]
    try:
        await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for waiter in waiters:
            waiter.cancel()
