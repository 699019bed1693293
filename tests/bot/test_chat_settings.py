"""/pause, /resume, /quiet, /tz, and who may use them in a group."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

import pytest

from alerts.chats.preferences import BadPreference, QuietHours, is_quiet, parse_quiet_hours
from alerts.store.models import Chat
from tests.bot.conftest import marked

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

GROUP = -100200300
MEMBER = 41
GROUP_ADMIN = 42


async def chat(sessions: async_sessionmaker[AsyncSession], chat_id: int) -> Chat:
    async with sessions() as session:
        return await session.get_one(Chat, chat_id)


async def test_pause_and_resume(conversation, sessions) -> None:
    assert "paused" in await conversation.say(5, "/pause")
    assert (await chat(sessions, 5)).paused
    assert "resumed" in await conversation.say(5, "/resume")
    assert not (await chat(sessions, 5)).paused


async def test_quiet_hours_and_time_zone_are_kept(conversation, sessions) -> None:
    assert "Quiet hours 23:00-07:00" in await conversation.say(5, "/quiet 23:00-07:00")
    assert "Europe/Kyiv" in await conversation.say(5, "/tz europe/kyiv")
    stored = await chat(sessions, 5)
    assert (stored.quiet_start, stored.quiet_end, stored.timezone) == (
        23 * 60,
        7 * 60,
        "Europe/Kyiv",
    )
    assert "off" in await conversation.say(5, "/quiet off")
    assert (await chat(sessions, 5)).quiet_start is None


async def test_bad_settings_are_explained_and_change_nothing(conversation, sessions) -> None:
    assert "HH:MM-HH:MM" in await conversation.say(5, "/quiet tonight")
    assert "unknown time zone" in await conversation.say(5, "/tz Mars/Olympus")
    assert "Usage: /tz" in await conversation.say(5, "/tz")
    stored = await chat(sessions, 5)
    assert (stored.quiet_start, stored.timezone) == (None, "UTC")


@pytest.mark.parametrize(
    ("language", "typed", "suggested"),
    [
        ("ru", "Киев", "/tz Europe/Kyiv (Киев)"),
        ("ru", "Київ", "/tz Europe/Kyiv (Киев)"),
        ("uk", "Киев", "/tz Europe/Kyiv (Київ)"),
        ("uk", "Москва", "/tz Europe/Moscow (Москва)"),
        ("en", "Киев", "/tz Europe/Kyiv?"),
    ],
)
async def test_a_city_in_cyrillic_gets_its_zone_suggested_in_the_askers_script(
    conversation, sessions, language, typed, suggested
) -> None:
    reply = await conversation.ask(5, f"/tz {typed}", language_code=language)
    assert suggested in reply.visible_text
    assert marked(reply, "code") == [typed, suggested.split(" (")[0].rstrip("?")]
    assert (await chat(sessions, 5)).timezone == "UTC"


async def test_only_group_admins_change_a_group(conversation, fake_telegram, sessions) -> None:
    fake_telegram.add_chat(GROUP, "supergroup", title="Newsroom")
    fake_telegram.set_member_status(GROUP, MEMBER, "member")
    fake_telegram.set_member_status(GROUP, GROUP_ADMIN, "administrator")
    say = conversation.say
    refused = await say(GROUP, "/watch drone", user_id=MEMBER, chat_type="supergroup")
    assert "Only this group's administrators" in refused
    assert "Only this group's administrators" in await say(
        GROUP, "/pause", user_id=MEMBER, chat_type="supergroup"
    )
    accepted = await say(GROUP, "/watch drone", user_id=GROUP_ADMIN, chat_type="supergroup")
    assert "Watching #" in accepted
    listed = await say(GROUP, "/rules", user_id=MEMBER, chat_type="supergroup")
    assert "drone" in listed
    assert not (await chat(sessions, GROUP)).paused


async def test_a_channel_is_managed_by_its_posts(conversation, fake_telegram) -> None:
    fake_telegram.add_chat(-100777, "channel", title="Alerts channel")
    reply = await conversation.say(-100777, "/watch region:kursk", chat_type="channel")
    assert "Watching #" in reply


def test_quiet_window_wraps_midnight_in_the_chats_zone() -> None:
    window = parse_quiet_hours("23:00-07:00")
    assert window == QuietHours(23 * 60, 7 * 60)
    assert window is not None
    kyiv = (window.start, window.end, "Europe/Kyiv")
    assert is_quiet(*kyiv, datetime(2026, 1, 10, 22, 30, tzinfo=UTC))  # 00:30 in Kyiv
    assert not is_quiet(*kyiv, datetime(2026, 1, 10, 6, 0, tzinfo=UTC))  # 08:00 in Kyiv


@pytest.mark.parametrize("typed", ["25:00-07:00", "23:00-23:00", "7-8", "12:61-13:00"])
def test_impossible_quiet_hours_are_refused(typed: str) -> None:
    with pytest.raises(BadPreference):
        parse_quiet_hours(typed)
