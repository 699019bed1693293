"""A chat's own settings: pause, quiet hours, time zone.

Quiet hours are kept as minutes after local midnight in the chat's zone; a window may
wrap midnight (23:00–07:00). Parsing of what people type lives here too, so every
front end (bot, CLI) reads `23:00-07:00` and `Europe/Kyiv` the same way.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from alerts.watch import ensure_chat

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession


_WINDOW = re.compile(r"^\s*(\d{1,2})[:.](\d{2})\s*[-–—]\s*(\d{1,2})[:.](\d{2})\s*$")
MINUTES_PER_DAY = 24 * 60
OFF_WORDS = frozenset({"off", "none", "нет", "выкл", "ні", "вимк"})


class BadPreference(ValueError):
    """What was typed is not a valid setting; the message says what is expected."""


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
        raise BadPreference("write quiet hours as HH:MM-HH:MM, for example 23:00-07:00, or off")
    hours_a, minutes_a, hours_b, minutes_b = (int(part) for part in found.groups())
    if hours_a > 23 or hours_b > 23 or minutes_a > 59 or minutes_b > 59:
        raise BadPreference("hours run 00–23 and minutes 00–59")
    start, end = hours_a * 60 + minutes_a, hours_b * 60 + minutes_b
    if start == end:
        raise BadPreference("the start and the end of quiet hours are the same")
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
    raise BadPreference(
        f"unknown time zone {wanted!r}: use a name like Europe/Kyiv, Europe/Moscow or UTC"
    )


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
