"""Digests: past `digest_after` alerts in an hour, a chat gets the rest bundled."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from alerts.outbox.queue import Alert
from alerts.store.models import OutboxState
from bot.delivery import DeliveryWorker
from bot.digest import build_digest
from bot.i18n import Words, build_i18n
from bot.senders import TelegramSender
from tests.bot.delivery_kit import (
    FAST_LIMITS,
    FAST_PACING,
    courier,
    entries,
    queue,
    queue_notice,
    settle,
)
from tests.fakes.telegram import utf16_len

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

    from tests.fakes.telegram import FakeTelegram

ENGLISH = Words(build_i18n(), "en")


@pytest.fixture
async def sender(fake_telegram: FakeTelegram) -> AsyncIterator[TelegramSender]:
    fake_telegram.limits = FAST_LIMITS
    async with courier(fake_telegram) as bot:
        yield TelegramSender(bot, build_i18n())


async def test_past_digest_after_the_rest_arrive_as_one_digest_and_notices_alone(
    sessions, sender, fake_telegram
) -> None:
    alone = await queue(sessions, 6001, *(f"Drone {n}" for n in range(3)))
    notice = await queue_notice(sessions, 6001, "Border <News>")
    bundled = await queue(sessions, 6001, *(f"Drone <{n}> & co" for n in range(3, 8)))
    worker = DeliveryWorker(
        sessions, sender, digest_after=3, digest_interval=1.0, pacing=FAST_PACING
    )
    await settle(worker, sessions)
    messages = fake_telegram.messages_to(6001)
    assert len(messages) == 6
    *singles, bell, told, digest = messages
    assert [f"Drone {n}" in m.visible_text for n, m in enumerate(singles)] == [True] * 3
    assert bell.visible_text.startswith("Source #7 Border <News> is paused")
    # Told once, before the digest comes, what happens now and how to get fewer.
    assert told.visible_text.startswith("Many alerts for this chat")
    assert "digest every 0 minutes" not in told.visible_text
    assert "region:kursk" in told.visible_text
    assert digest.visible_text.startswith("Digest: 5 alerts\n\n")
    for n in range(3, 8):
        assert f"• News: Drone <{n}> & co\nhttps://news.example/" in digest.visible_text
    assert digest.text == digest.visible_text  # sent with entities: nothing to unescape
    # The digest waited `digest_interval` after the last alert that went alone.
    assert digest.sent_at - singles[-1].sent_at >= 0.9
    result = await entries(sessions)
    assert {result[i].state for i in [*alone, notice, *bundled]} == {OutboxState.SENT}
    assert {e.state for e in result.values()} == {OutboxState.SENT}
    assert {result[i].message_id for i in bundled} == {digest.message_id}
    assert result[notice].message_id == bell.message_id
    assert fake_telegram.refusals == []


async def test_a_long_digest_is_split_into_messages_within_telegrams_limit(
    sessions, sender, fake_telegram
) -> None:
    title = "Дрон 🚀 <над> мостом & " * 12  # astral emoji count twice in UTF-16
    await queue(sessions, 6101, *(f"{n} {title}" for n in range(80)))
    worker = DeliveryWorker(
        sessions, sender, digest_after=1, digest_interval=0.2, pacing=FAST_PACING
    )
    await settle(worker, sessions)
    first, told, *parts = fake_telegram.messages_to(6101)
    assert told.visible_text.startswith("Many alerts for this chat")
    assert len(parts) > 2
    assert [p.visible_text.split("\n", 1)[0] for p in parts] == [
        f"Digest: 79 alerts ({n}/{len(parts)})" for n in range(1, len(parts) + 1)
    ]
    assert all(utf16_len(p.visible_text) <= 4096 for p in parts)
    result = await entries(sessions)
    assert {e.state for e in result.values()} == {OutboxState.SENT}
    ids = {p.message_id for p in parts}
    assert {e.message_id for e in result.values()} == ids | {first.message_id, told.message_id}
    listed = "".join(p.visible_text for p in parts)
    assert all(f"• News: {n} Дрон 🚀 <над>" in listed for n in range(1, 80))
    assert fake_telegram.refusals == []


def alert(n: int, *, silent: bool = False, title: str = "Drone") -> Alert:
    return Alert(
        n, 7, 0, source_name="News", title=title, url=f"https://x.example/{n}", silent=silent
    )


def test_a_digest_is_silent_only_when_every_alert_in_it_is() -> None:
    (loud,) = build_digest(7, [alert(1, silent=True), alert(2)], ENGLISH)
    (quiet,) = build_digest(7, [alert(1, silent=True), alert(2, silent=True)], ENGLISH)
    assert (loud.silent, quiet.silent) == (False, True)
    assert build_digest(7, [], ENGLISH) == []


def test_digest_parts_fit_telegrams_limit_counted_in_utf16() -> None:
    alerts = [alert(n, title="𝕯𝖗𝖔𝖓𝖊 " * 40 + "<&>") for n in range(100)]
    parts = build_digest(7, alerts, ENGLISH)
    assert len(parts) > 1
    assert [i for part in parts for i in part.entry_ids] == list(range(100))
    for part in parts:
        visible, entities = part.text.render()
        assert utf16_len(visible) <= 4096
        assert all(e.offset + e.length <= utf16_len(visible) for e in entities)


async def test_a_chat_is_told_of_digests_once_an_hour(sessions, sender, fake_telegram) -> None:
    await queue(sessions, 6201, *(f"Drone {n}" for n in range(6)))
    worker = DeliveryWorker(
        sessions, sender, digest_after=2, digest_interval=0.3, pacing=FAST_PACING
    )
    await settle(worker, sessions)
    await queue(sessions, 6201, *(f"Shelling {n}" for n in range(4)))
    await settle(worker, sessions)
    texts = [m.visible_text for m in fake_telegram.messages_to(6201)]
    assert sum(text.startswith("Many alerts") for text in texts) == 1
    assert sum(text.startswith("Digest: ") for text in texts) == 2
    assert texts.index(next(t for t in texts if t.startswith("Many alerts"))) == 2
