"""A chat's own settings: pause, quiet hours, time zone.

Quiet hours are kept as minutes after local midnight in the chat's zone; a window may
wrap midnight (23:00–07:00). Parsing of what people type lives here too, so every
front end (bot, CLI) reads `23:00-07:00` and `Europe/Kyiv` the same way.

What was typed wrong is a `BadPreference` with a `key` and `arguments`, never a
sentence: the bot words it in the chat's language. Keys: `quiet_format` (not
HH:MM-HH:MM), `quiet_range` (an hour past 23 or a minute past 59), `quiet_same` (start
equals end), `unknown_zone` (arguments: `zone` as typed, `suggestions`, the closest
IANA names, best first, possibly none: `alerts.chats.zones`, which also knows `Киев`).

`is_quiet` is how delivery reads quiet hours: the window includes its start and
excludes its end; equal marks mean none. An unknown zone name is read as UTC rather
than failing delivery: /tz validates names, this is the fallback.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, tzinfo
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from alerts.chats.watch import ensure_chat
from alerts.chats.zones import closest_zones
from alerts.store.models import Chat

if TYPE_CHECKING:
    from datetime import datetime

    from sqlalchemy.ext.asyncio import AsyncSession


_WINDOW = re.compile(r"^\s*(\d{1,2})[:.](\d{2})\s*[-–—]\s*(\d{1,2})[:.](\d{2})\s*$")
MINUTES_PER_DAY = 24 * 60
OFF_WORDS = frozenset({"off", "none", "нет", "выкл", "ні", "вимк"})


class BadPreference(ValueError):
    """What was typed is not a valid setting: a message key and its arguments."""

    def __init__(self, key: str, **arguments: object) -> None:
        super().__init__(key)
        self.key = key
        self.arguments = arguments


@dataclass(frozen=True, slots=True)
class QuietHours:
    start: int
    end: int

    def __str__(self) -> str:
        return f"{_clock(self.start)}-{_clock(self.end)}"

    def covers(self, minute_of_day: int) -> bool:
        if self.start <= self.end:
            return self.start <= minute_of_day < self.end
        return minute_of_day >= self.start or minute_of_day < self.end


def parse_quiet_hours(text: str) -> QuietHours | None:
    """`23:00-07:00` → a window; `off` → None; anything else → BadPreference."""
    if text.strip().lower() in OFF_WORDS:
        return None
    found = _WINDOW.match(text)
    if found is None:
        raise BadPreference("quiet_format")
    hours_a, minutes_a, hours_b, minutes_b = (int(part) for part in found.groups())
    if hours_a > 23 or hours_b > 23 or minutes_a > 59 or minutes_b > 59:
        raise BadPreference("quiet_range")
    start, end = hours_a * 60 + minutes_a, hours_b * 60 + minutes_b
    if start == end:
        raise BadPreference("quiet_same")
    return QuietHours(start, end)


def parse_timezone(text: str) -> str:
    """An IANA zone name (`Europe/Kyiv`), matched without regard to case."""
    wanted = text.strip()
    try:
        ZoneInfo(wanted)
    except (ZoneInfoNotFoundError, ValueError):
        pass
    else:
        return wanted
    by_lower = {name.lower(): name for name in available_timezones()}
    if wanted.lower() in by_lower:
        return by_lower[wanted.lower()]
    raise BadPreference("unknown_zone", zone=wanted, suggestions=closest_zones(wanted))


async def chat_zone(session: AsyncSession, chat_id: int) -> ZoneInfo:
    """The zone a chat reads times in: its own, or UTC for a chat not seen yet."""
    chat = await session.get(Chat, chat_id)
    try:
        return ZoneInfo(chat.timezone if chat else "UTC")
    except (ZoneInfoNotFoundError, ValueError):  # a zone dropped from the system's tzdata
        return ZoneInfo("UTC")


async def set_paused(session: AsyncSession, chat_id: int, chat_type: str, paused: bool) -> None:
    chat = await ensure_chat(session, chat_id, chat_type=chat_type)
    chat.paused = paused


async def set_quiet_hours(
    session: AsyncSession, chat_id: int, chat_type: str, window: QuietHours | None
) -> None:
    chat = await ensure_chat(session, chat_id, chat_type=chat_type)
    chat.quiet_start = window.start if window else None
    chat.quiet_end = window.end if window else None


async def set_timezone(session: AsyncSession, chat_id: int, chat_type: str, zone: str) -> None:
    chat = await ensure_chat(session, chat_id, chat_type=chat_type)
    chat.timezone = zone


def _clock(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def is_quiet(start: int | None, end: int | None, timezone: str | None, now: datetime) -> bool:
    """Whether `now` falls in the quiet hours [start, end) given in minutes after midnight."""
    if start is None or end is None or start % MINUTES_PER_DAY == end % MINUTES_PER_DAY:
        return False
    local = now.astimezone(_zone(timezone))
    window = QuietHours(start % MINUTES_PER_DAY, end % MINUTES_PER_DAY)
    return window.covers(local.hour * 60 + local.minute)


def _zone(name: str | None) -> tzinfo:
    if not name:
        return UTC
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return UTC
