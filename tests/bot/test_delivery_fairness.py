"""Fair and paced delivery: one busy chat never holds up the others, and no 429s."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import pytest
from sqlalchemy import insert

from alerts.store.models import OutboxEntry, OutboxState, Post
from bot.delivery import DeliveryWorker
from bot.i18n import build_i18n
from bot.pacing import Pacing
from bot.senders import TelegramSender
from tests.bot.delivery_kit import FAST_LIMITS, FAST_PACING, courier, queue, settle, states
from tests.fakes.telegram import Limits

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

    from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

    from tests.fakes.telegram import FakeTelegram


@pytest.fixture
async def sender(fake_telegram: FakeTelegram) -> AsyncIterator[TelegramSender]:
    async with courier(fake_telegram) as bot:
        yield TelegramSender(bot, build_i18n())


async def flood(sessions: async_sessionmaker[AsyncSession], chat_id: int, count: int) -> None:
    """`count` pending alerts for one chat, written in bulk."""
    await queue(sessions, chat_id, "Drone 0")  # the chat and the source
    now = datetime.now(UTC)
    async with sessions.begin() as session:
        first = 10_000_000 + 1_000 * abs(chat_id)  # clear of the ids `queue` gets
        await session.execute(
            insert(Post),
            [
                {"id": first + n, "source_id": 1, "external_id": f"bulk-{n}", "title": f"Drone {n}"}
                | {"first_seen_at": now, "text": "", "baseline": False}
                for n in range(1, count)
            ],
        )
        await session.execute(
            insert(OutboxEntry),
            [
                {"chat_id": chat_id, "post_id": first + n, "created_at": now}
                | {"next_attempt_at": now, "highlights": {}}
                for n in range(1, count)
            ],
        )


@pytest.mark.parametrize("busy", [4001, -4001], ids=["private", "group"])
async def test_a_chat_with_500_pending_does_not_delay_a_new_chats_first_alert(
    sessions, sender, fake_telegram, busy
) -> None:
    await flood(sessions, busy, 500)
    worker = DeliveryWorker(sessions, sender)
    stop = asyncio.Event()
    running = asyncio.create_task(worker.run(stop))
    try:
        await fake_telegram.wait_for_messages(busy, 2, timeout=5)
        await queue(sessions, 4002, "Drone near the bridge")
        queued = time.monotonic()
        worker.wake()
        (first,) = await fake_telegram.wait_for_messages(4002, 1, timeout=5)
        assert first.sent_at - queued < 2.0
    finally:
        stop.set()
        await running
    assert fake_telegram.refusals == []


async def test_every_ready_chat_gets_a_turn_before_any_gets_a_second(
    sessions, sender, fake_telegram
) -> None:
    fake_telegram.limits = FAST_LIMITS
    chats = [4101, 4102, 4103, 4104]
    for chat in chats:
        await queue(sessions, chat, *(f"Drone {chat} {n}" for n in range(3)))
    worker = DeliveryWorker(sessions, sender, pacing=FAST_PACING)
    await settle(worker, sessions)
    order = [m.chat_id for m in fake_telegram.sent]
    assert sorted(order[:4]) == sorted(chats)
    assert sorted(order[4:8]) == sorted(chats)
    for chat in chats:
        texts = [m.visible_text for m in fake_telegram.messages_to(chat)]
        assert [f"Drone {chat} {n}" in t for n, t in enumerate(texts)] == [True] * 3


async def test_the_workers_own_pacing_keeps_it_under_every_limit(
    sessions, sender, fake_telegram
) -> None:
    # The fake's limits shrunk tenfold, and the worker's pacing set just under them.
    fake_telegram.limits = Limits(
        private_burst=1, private_interval=0.2, group_messages=3, group_window=1.0
    )
    pacing = Pacing(global_rate=29.0, private_window=0.2, group_messages=3, group_window=1.0)
    for chat in range(4201, 4241):
        await queue(sessions, chat, f"Drone {chat} a", f"Drone {chat} b")
    await queue(sessions, -4299, *(f"Drone group {n}" for n in range(7)))
    worker = DeliveryWorker(sessions, sender, pacing=pacing)
    await settle(worker, sessions, seconds=9)
    assert set((await states(sessions)).values()) == {OutboxState.SENT}
    assert fake_telegram.refusals == []
    assert len(fake_telegram.sent) == 87
    sent = sorted(m.sent_at for m in fake_telegram.sent)
    assert max(sum(1 for t in sent if s <= t < s + 1) for s in sent) <= 30
