"""The delivery worker against the fake Bot API: every way a send can end.

Each test runs on SQLite and PostgreSQL (`sessions`) against the fake, which enforces
Telegram's limits and answers as Telegram does.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import pytest
import structlog
from aiogram.utils.formatting import Bold, Text, TextLink
from sqlalchemy import select

from alerts.chats.moves import migrate_chat
from alerts.store.models import Chat, OutboxEntry, OutboxState, WatchRule
from bot.delivery import DeliveryWorker
from bot.digest import DigestPart
from bot.i18n import build_i18n
from bot.senders import ConsoleSender, TelegramSender
from tests.bot.delivery_kit import (
    FAST_LIMITS,
    FAST_PACING,
    add_chat,
    add_rule,
    courier,
    entries,
    queue,
    settle,
    states,
)
from tests.fakes.telegram import Limits

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

    from tests.fakes.telegram import FakeTelegram


@pytest.fixture
async def sender(fake_telegram: FakeTelegram) -> AsyncIterator[TelegramSender]:
    async with courier(fake_telegram) as bot:
        yield TelegramSender(bot, build_i18n())


async def test_pending_alerts_are_sent_as_written_and_marked_sent(
    sessions, sender, fake_telegram
) -> None:
    ids = await queue(sessions, 501, "Drone <b>hit</b> R&D lab", text="a < b & c > d")
    worker = DeliveryWorker(sessions, sender)
    await settle(worker, sessions)
    assert await states(sessions) == {ids[0]: OutboxState.SENT}
    (message,) = fake_telegram.messages_to(501)
    # Sent with entities: the post's own "<b>" is text, and only our header is bold.
    assert "Drone <b>hit</b> R&D lab\na < b & c > d" in message.visible_text
    assert message.parse_mode is None
    header = message.entities[0]
    assert header["type"] == "bold"
    assert message.text[: header["length"]].startswith("News · ")
    assert not message.disable_notification
    assert fake_telegram.refusals == []
    entry = (await entries(sessions))[ids[0]]
    assert entry.message_id == message.message_id
    assert entry.sent_at is not None


@pytest.mark.parametrize(
    "case",
    [
        (601, "block", "blocked by the user"),
        (-602, "block", "kicked from the group"),
        (603, "remove_chat", "chat not found"),
    ],
)
async def test_a_chat_that_is_gone_is_deactivated_and_its_alerts_cancelled(
    sessions, sender, fake_telegram, case
) -> None:
    chat_id, gone, reason = case
    doomed = await queue(sessions, chat_id, "Drone one", "Drone two")
    other = await queue(sessions, 610, "Drone three")
    getattr(fake_telegram, gone)(chat_id)
    worker = DeliveryWorker(sessions, sender)
    await settle(worker, sessions)
    result = await entries(sessions)
    assert [result[i].state for i in doomed] == [OutboxState.CANCELLED] * 2
    assert all(reason in (result[i].cancel_reason or "") for i in doomed)
    assert result[other[0]].state is OutboxState.SENT
    async with sessions() as session:
        chat = await session.get_one(Chat, chat_id)
    assert not chat.active
    assert fake_telegram.messages_to(chat_id) == []


async def test_flood_control_delays_and_resends_the_same_message(
    sessions, sender, fake_telegram
) -> None:
    # Stricter than the worker's pacing for private chats: the fake will say 429.
    fake_telegram.limits = Limits(private_burst=1, private_interval=2.0)
    ids = await queue(sessions, 701, "Drone a", "Drone b", "Drone c")
    worker = DeliveryWorker(sessions, sender)
    await settle(worker, sessions, seconds=9)
    assert set((await states(sessions)).values()) == {OutboxState.SENT}
    messages = fake_telegram.messages_to(701)
    assert [m.visible_text.count("Drone") for m in messages] == [1, 1, 1]
    assert ["Drone a" in messages[0].visible_text, "Drone c" in messages[2].visible_text] == [
        True,
        True,
    ]
    refusals = [r for r in fake_telegram.refusals if r.error_code == 429]
    assert refusals
    for refusal in refusals:
        # Nothing went to the chat again before its retry_after had passed.
        later = [m.sent_at for m in messages if m.sent_at > refusal.at]
        assert not later or min(later) >= refusal.at + (refusal.retry_after or 0) - 0.05
    assert len(ids) == 3


async def test_429s_in_two_chats_at_once_hold_the_whole_bot(
    sessions, sender, fake_telegram
) -> None:
    for chat in (711, 712, 713):
        await queue(sessions, chat, f"Drone for {chat}")
    fake_telegram.fail_next(2, status=429, retry_after=1)
    worker = DeliveryWorker(sessions, sender)
    await settle(worker, sessions)
    second_refusal = max(r.at for r in fake_telegram.refusals)
    assert len(fake_telegram.refusals) == 2
    # The third chat was never refused, but waited with the rest of the bot.
    first_sent = min(m.sent_at for m in fake_telegram.sent)
    assert first_sent >= second_refusal + 0.9
    assert sorted(m.chat_id for m in fake_telegram.sent) == [711, 712, 713]


async def test_server_errors_are_retried_with_backoff_not_dropped(
    sessions, sender, fake_telegram
) -> None:
    ids = await queue(sessions, 801, "Drone x")
    fake_telegram.fail_next(2, status=502)
    worker = DeliveryWorker(sessions, sender, backoff=0.2)
    await worker.drain_once()
    entry = (await entries(sessions))[ids[0]]
    assert entry.state is OutboxState.PENDING
    assert (entry.attempts, entry.last_error) == (1, "Bad Gateway")
    assert entry.next_attempt_at > datetime.now(UTC)
    await settle(worker, sessions)
    entry = (await entries(sessions))[ids[0]]
    assert (entry.state, entry.attempts, entry.last_error) == (OutboxState.SENT, 2, None)
    assert len(fake_telegram.messages_to(801)) == 1


@contextlib.asynccontextmanager
async def silent_server(*, accept: bool) -> AsyncIterator[str]:
    """A loopback address that takes connections and never answers, or refuses them."""

    async def hang(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read()  # until the client gives up
        writer.close()

    server = await asyncio.start_server(hang, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    if not accept:
        server.close()
        await server.wait_closed()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.close()
        with contextlib.suppress(Exception):
            await server.wait_closed()


@pytest.mark.parametrize("accept", [True, False], ids=["timeout", "connection_refused"])
async def test_timeouts_and_connection_errors_are_retried_after_a_restart_too(
    sessions, sender, fake_telegram, accept
) -> None:
    ids = await queue(sessions, 811, "Drone y")
    async with (
        silent_server(accept=accept) as url,
        courier(fake_telegram, api_url=url, request_timeout=0.3) as broken,
    ):
        await DeliveryWorker(
            sessions, TelegramSender(broken, build_i18n()), backoff=0.2
        ).drain_once()
    entry = (await entries(sessions))[ids[0]]
    assert (entry.state, entry.attempts) == (OutboxState.PENDING, 1)
    assert entry.last_error
    # A new worker (after a restart, say) finds it pending and sends it.
    await settle(DeliveryWorker(sessions, sender), sessions)
    assert (await states(sessions))[ids[0]] is OutboxState.SENT
    assert len(fake_telegram.messages_to(811)) == 1


async def test_a_message_telegram_refuses_for_good_is_cancelled_with_the_reason(
    sessions, sender, fake_telegram
) -> None:
    ids = await queue(sessions, 821, "Drone z", "Drone w")
    fake_telegram.fail_next(1, status=400)
    await settle(DeliveryWorker(sessions, sender), sessions)
    result = await entries(sessions)
    assert result[ids[0]].state is OutboxState.CANCELLED
    assert result[ids[0]].cancel_reason == "Bad Request"
    assert result[ids[1]].state is OutboxState.SENT


async def test_entities_telegram_refuses_go_again_as_plain_text(
    sessions, sender, fake_telegram
) -> None:
    # A feed's link Telegram will not take as a link (not http, https or tg).
    text = Text(Bold("Drone"), " & ", TextLink("co", url="javascript:alert(1)"))
    part = DigestPart(821, (1,), text=text, silent=True)
    with structlog.testing.capture_logs() as logs:
        message_id = await sender.send_digest(part)
    (message,) = fake_telegram.messages_to(821)
    assert (message.message_id, message.text, message.entities) == (message_id, "Drone & co", ())
    assert message.disable_notification
    assert [log["event"] for log in logs] == ["alert_entities_refused"]


async def test_an_upgraded_group_moves_to_its_supergroup_and_gets_the_message_there(
    sessions, sender, fake_telegram
) -> None:
    old, new = -5001, -1_000_000_005_001
    await add_chat(sessions, old, title="Border watch", quiet_start=60, quiet_end=120)
    rule = await add_rule(sessions, old, "drone", urgent=True)
    ids = await queue(sessions, old, "Drone one", "Drone two", rule_id=rule)
    fake_telegram.add_chat(old, "group", title="Border watch")
    fake_telegram.migrate(old, new)
    await settle(DeliveryWorker(sessions, sender, pacing=FAST_PACING), sessions)
    assert fake_telegram.messages_to(old) == []
    assert [
        ("Drone one" in m.visible_text, "Drone two" in m.visible_text)
        for m in fake_telegram.messages_to(new)
    ] == [
        (True, False),
        (False, True),
    ]
    result = await entries(sessions)
    assert {(result[i].chat_id, result[i].state) for i in ids} == {(new, OutboxState.SENT)}
    async with sessions() as session:
        moved = await session.get_one(Chat, new)
        gone = await session.get_one(Chat, old)
        rules = list(await session.scalars(select(WatchRule.chat_id)))
    assert (moved.active, moved.type, moved.title, moved.quiet_start, moved.quiet_end) == (
        True,
        "supergroup",
        "Border watch",
        60,
        120,
    )
    assert not gone.active
    assert rules == [new]


async def test_a_new_worker_sends_what_was_pending_and_nothing_twice(
    sessions, sender, fake_telegram
) -> None:
    fake_telegram.limits = FAST_LIMITS
    for chat in (901, 902, -903):
        await queue(sessions, chat, *(f"Drone {chat} {n}" for n in range(3)))
    first = DeliveryWorker(sessions, sender, pacing=FAST_PACING)
    assert await first.drain_once() == 3
    await settle(DeliveryWorker(sessions, sender, pacing=FAST_PACING), sessions)
    texts = [m.visible_text for m in fake_telegram.sent]
    assert len(texts) == 9
    for chat in (901, 902, -903):
        for n in range(3):
            assert sum(f"Drone {chat} {n}" in t for t in texts) == 1


async def test_run_finishes_the_message_in_flight_and_returns_when_stopped(
    sessions, sender, fake_telegram
) -> None:
    fake_telegram.limits = FAST_LIMITS
    await queue(sessions, 951, *(f"Drone {n}" for n in range(50)))
    worker = DeliveryWorker(sessions, sender, pacing=FAST_PACING)
    stop = asyncio.Event()
    running = asyncio.create_task(worker.run(stop))
    await fake_telegram.wait_for_messages(951, 3)
    stop.set()
    async with asyncio.timeout(2):
        await running
    result = await entries(sessions)
    sent = [e for e in result.values() if e.state is OutboxState.SENT]
    # Every message Telegram took is recorded; the rest waits, nothing is lost.
    assert len(sent) == len(fake_telegram.messages_to(951)) < 50
    assert {e.state for e in result.values()} == {OutboxState.SENT, OutboxState.PENDING}


async def test_a_migrated_group_keeps_one_alert_per_story_in_its_supergroup(sessions) -> None:
    old, new = -5101, -1_000_000_005_101
    await add_chat(sessions, new, active=False, timezone="Europe/Kyiv")
    both = await queue(sessions, old, "Drone both", "Drone old only")
    async with sessions.begin() as session:
        story = (await session.get_one(OutboxEntry, both[0])).story_id
        session.add(OutboxEntry(chat_id=new, post_id=story, story_id=story, state=OutboxState.SENT))
    async with sessions.begin() as session:
        moved = await migrate_chat(session, old, new)
    assert (moved.rules, moved.entries, moved.duplicates) == (0, 1, 1)
    result = await entries(sessions)
    assert (result[both[0]].chat_id, result[both[0]].state) == (old, OutboxState.CANCELLED)
    assert "supergroup" in (result[both[0]].cancel_reason or "")
    assert (result[both[1]].chat_id, result[both[1]].state) == (new, OutboxState.PENDING)
    async with sessions() as session:
        supergroup = await session.get_one(Chat, new)
    # It existed already: it keeps its own settings, and is active again.
    assert (supergroup.active, supergroup.timezone) == (True, "Europe/Kyiv")


async def test_stop_is_not_kept_waiting_by_a_long_flood_wait(
    sessions, sender, fake_telegram
) -> None:
    for chat in (961, 962, 963):
        await queue(sessions, chat, f"Drone for {chat}")
    fake_telegram.fail_next(2, status=429, retry_after=30)
    worker = DeliveryWorker(sessions, sender)
    stop = asyncio.Event()
    running = asyncio.create_task(worker.run(stop))
    await fake_telegram.wait_for(lambda: len(fake_telegram.refusals) == 2)
    stop.set()
    async with asyncio.timeout(2):
        await running
    # Held with the whole bot, nothing was sent, and nothing was lost.
    assert fake_telegram.sent == []
    assert set((await states(sessions)).values()) == {OutboxState.PENDING}
    async with asyncio.timeout(2):
        assert await worker.drain_once() == 0  # the last drain at shutdown returns too


async def test_the_console_prints_alerts_and_digests_without_pacing(sessions) -> None:
    out = io.StringIO()
    await queue(sessions, 0, *(f"Drone {n}" for n in range(5)))
    await settle(
        DeliveryWorker(
            sessions, ConsoleSender(out, build_i18n()), digest_after=3, digest_interval=0
        ),
        sessions,
    )
    lines = out.getvalue().splitlines()
    assert [line.startswith(f"[News] Drone {n}") for n, line in enumerate(lines[:6:2])] == [
        True
    ] * 3
    assert lines[6].startswith("[notice] Many alerts for this chat")
    assert "Digest: 2 alerts" in lines[8]
    assert "• News: Drone 4" in out.getvalue()
