"""A chat's own say in delivery: quiet hours (urgent rules still ring) and /pause."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import pytest

from alerts.chats.preferences import is_quiet
from alerts.store.models import Chat, OutboxState
from bot.delivery import DeliveryWorker
from bot.i18n import build_i18n
from bot.senders import TelegramSender
from tests.bot.delivery_kit import (
    FAST_LIMITS,
    FAST_PACING,
    add_chat,
    add_rule,
    courier,
    queue,
    queue_notice,
    settle,
    states,
)

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

    from tests.fakes.telegram import FakeTelegram

NOON_UTC = datetime(2026, 1, 15, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("start", "end", "zone", "now", "quiet"),
    [
        (None, None, "UTC", NOON_UTC, False),
        (600, None, "UTC", NOON_UTC, False),
        (11 * 60, 13 * 60, "UTC", NOON_UTC, True),
        (12 * 60, 13 * 60, "UTC", NOON_UTC, True),  # the start is inside
        (11 * 60, 12 * 60, "UTC", NOON_UTC, False),  # the end is not
        (720, 720, "UTC", NOON_UTC, False),  # equal marks: no quiet hours
        # 23:00-07:00 wraps midnight.
        (23 * 60, 7 * 60, "UTC", NOON_UTC.replace(hour=23, minute=30), True),
        (23 * 60, 7 * 60, "UTC", NOON_UTC.replace(hour=3), True),
        (23 * 60, 7 * 60, "UTC", NOON_UTC.replace(hour=7), False),
        (23 * 60, 7 * 60, "UTC", NOON_UTC, False),
        # Noon UTC is 15:00 in Moscow and 17:45 in Kathmandu, 04:00 in Los Angeles.
        (14 * 60, 16 * 60, "Europe/Moscow", NOON_UTC, True),
        (17 * 60 + 45, 18 * 60, "Asia/Kathmandu", NOON_UTC, True),
        (17 * 60 + 45, 18 * 60, "Asia/Kolkata", NOON_UTC, False),  # 17:30 there
        (22 * 60, 6 * 60, "America/Los_Angeles", NOON_UTC, True),
        (22 * 60, 6 * 60, "Europe/Kyiv", NOON_UTC, False),
        # An unknown zone is read as UTC rather than stopping delivery.
        (11 * 60, 13 * 60, "Mars/Olympus_Mons", NOON_UTC, True),
        (11 * 60, 13 * 60, "../../etc/passwd", NOON_UTC, True),
    ],
)
def test_quiet_hours(start, end, zone, now, quiet) -> None:
    assert is_quiet(start, end, zone, now) is quiet


@pytest.fixture
async def sender(fake_telegram: FakeTelegram) -> AsyncIterator[TelegramSender]:
    fake_telegram.limits = FAST_LIMITS
    async with courier(fake_telegram) as bot:
        yield TelegramSender(bot, build_i18n())


def quiet_now(zone: str) -> tuple[int, int]:
    """Quiet hours from half an hour ago to half an hour ahead, in that zone."""
    local = datetime.now(ZoneInfo(zone))
    minute = local.hour * 60 + local.minute
    return (minute - 30) % 1440, (minute + 30) % 1440


async def test_in_quiet_hours_alerts_are_silent_unless_an_urgent_rule_caused_them(
    sessions, sender, fake_telegram
) -> None:
    start, end = quiet_now("Asia/Kathmandu")
    await add_chat(sessions, 5001, quiet_start=start, quiet_end=end, timezone="Asia/Kathmandu")
    plain = await add_rule(sessions, 5001, "drone")
    urgent = await add_rule(sessions, 5001, "drone region:kursk", urgent=True)
    await queue(sessions, 5001, "Drone seen", rule_id=plain)
    await queue(sessions, 5001, "Drone over Kursk", rule_id=urgent)
    await queue_notice(sessions, 5001, "A source was paused")
    # Outside its quiet hours, everything rings.
    start, end = quiet_now("Asia/Kathmandu")
    await add_chat(sessions, 5002, quiet_start=end, quiet_end=start, timezone="Asia/Kathmandu")
    await queue(sessions, 5002, "Drone elsewhere", rule_id=await add_rule(sessions, 5002, "x"))
    await settle(DeliveryWorker(sessions, sender, pacing=FAST_PACING), sessions)
    keys = ("Drone seen", "Drone over Kursk", "A source was paused", "Drone elsewhere")
    silent = {
        key: m.disable_notification
        for m in fake_telegram.sent
        for key in keys
        if key in m.visible_text
    }
    assert silent == {
        "Drone seen": True,
        "Drone over Kursk": False,
        "A source was paused": True,
        "Drone elsewhere": False,
    }
    assert fake_telegram.refusals == []


async def test_a_paused_chat_keeps_its_alerts_pending_until_it_resumes(
    sessions, sender, fake_telegram
) -> None:
    await add_chat(sessions, 5101, paused=True)
    held = await queue(sessions, 5101, "Drone one", "Drone two")
    free = await queue(sessions, 5102, "Drone three")
    worker = DeliveryWorker(sessions, sender, pacing=FAST_PACING)
    for _ in range(3):
        await worker.drain_once()
    result = await states(sessions)
    assert [result[i] for i in held] == [OutboxState.PENDING] * 2
    assert result[free[0]] is OutboxState.SENT
    assert [m.chat_id for m in fake_telegram.sent] == [5102]
    async with sessions.begin() as session:
        (await session.get_one(Chat, 5101)).paused = False  # what /resume does
    await settle(worker, sessions)
    texts = [m.visible_text for m in fake_telegram.messages_to(5101)]
    assert ["Drone one" in texts[0], "Drone two" in texts[1]] == [True, True]
