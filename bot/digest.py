"""Digests: a busy chat's pending alerts bundled into as few messages as fit.

When: a chat that was sent `after` alerts or more in the last hour (alone or in
digests; notices do not count) gets the rest as a digest, `interval` after its last
alert went. All its due alerts go in it, in as many messages as needed, sent one
after another at the chat's pace (`DigestSchedule`, which `bot.delivery` consults).
Notices never go in a digest.

How it reads: alerts oldest first, one item each: source, the post's first line, its
link, all HTML-escaped. Each message stays within Telegram's 4096 characters as
Telegram counts them (UTF-16 code units of the text after entity parsing); an item
never splits across messages, and a long digest becomes several messages numbered
"(1/3)". A message is silent only if every alert in it is.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from html import escape
from typing import TYPE_CHECKING

from bot.render import ELLIPSIS, TELEGRAM_TEXT_LIMIT

if TYPE_CHECKING:
    from collections.abc import Callable, Collection, Sequence
    from datetime import datetime, timedelta

    from alerts.outbox import PendingAlert, RecentLoad

# Room for the header line ("Digest: 1000 alerts (12/12)") and the blank line after it.
HEADER_ROOM = 64
HEADLINE_LIMIT = 200
SOURCE_LIMIT = 100
URL_LIMIT = 2048
SEPARATOR = "\n\n"


@dataclass(frozen=True, slots=True)
class DigestPart:
    """One digest message: its text both ways and the outbox entries it delivers."""

    chat_id: int
    entry_ids: tuple[int, ...]
    html: str
    plain: str
    silent: bool
    attempts: int = 0
    """The most failed attempts of any entry in it, for the retry backoff."""


@dataclass(frozen=True, slots=True)
class _Item:
    entry_id: int
    html: str
    plain: str
    silent: bool
    attempts: int


class DigestSchedule:
    """Which chats are due a digest, and the parts of digests still to send.

    In memory only: after a restart, parts not yet sent are still pending entries
    and go in the chat's next digest.
    """

    def __init__(
        self, after: int, interval: timedelta, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.after = after
        self.interval = interval
        self._clock = clock
        self._parts: dict[int, list[DigestPart]] = {}
        self._due: dict[int, float] = {}

    def applies(self, load: RecentLoad | None) -> bool:
        """Whether a chat with this much sent in the last hour gets digests."""
        return load is not None and load.count >= self.after

    def due_in(self, load: RecentLoad, now: datetime) -> float:
        """Seconds until the chat's next digest; zero or less: now."""
        if load.last_sent_at is None:
            return 0.0
        return (load.last_sent_at + self.interval - now).total_seconds()

    def wait(self, chat_id: int, seconds: float) -> None:
        self._due[chat_id] = self._clock() + seconds

    def due_at(self, chat_id: int) -> float:
        """When a waiting chat's digest is due (monotonic); 0 if it is not waiting."""
        return 0.0 if chat_id in self._parts else self._due.get(chat_id, 0.0)

    def start(self, parts: list[DigestPart]) -> DigestPart | None:
        """A new digest: returns its first part and keeps the rest for the chat's turns."""
        if not parts:
            return None
        self._due.pop(parts[0].chat_id, None)
        if parts[1:]:
            self._parts[parts[0].chat_id] = parts[1:]
        return parts[0]

    def next_part(self, chat_id: int) -> DigestPart | None:
        parts = self._parts.get(chat_id)
        if not parts:
            return None
        part = parts.pop(0)
        if not parts:
            del self._parts[chat_id]
        return part

    def put_back(self, part: DigestPart) -> None:
        """A part that did not go (flood control, a shutdown): it goes first next time."""
        self._parts.setdefault(part.chat_id, []).insert(0, part)

    def drop(self, chat_id: int) -> None:
        """The chat's digest is off (its chat is gone, moved, or failing): rebuilt later."""
        self._parts.pop(chat_id, None)

    def keep_only(self, chats: Collection[int]) -> None:
        """Forget chats with nothing due: paused, gone, or all sent."""
        self._parts = {chat: p for chat, p in self._parts.items() if chat in chats}
        self._due = {chat: at for chat, at in self._due.items() if chat in chats}


def build_digest(
    chat_id: int, alerts: Sequence[PendingAlert], *, limit: int = TELEGRAM_TEXT_LIMIT
) -> list[DigestPart]:
    """The messages that list `alerts`, each within `limit` characters after entities."""
    groups = _pack([_item(alert) for alert in alerts], limit - HEADER_ROOM)
    parts = []
    for number, group in enumerate(groups, 1):
        header = f"Digest: {len(alerts)} alerts"
        if len(groups) > 1:
            header += f" ({number}/{len(groups)})"
        parts.append(
            DigestPart(
                chat_id=chat_id,
                entry_ids=tuple(item.entry_id for item in group),
                html=SEPARATOR.join([f"<b>{header}</b>", *(item.html for item in group)]),
                plain=SEPARATOR.join([header, *(item.plain for item in group)]),
                silent=all(item.silent for item in group),
                attempts=max(item.attempts for item in group),
            )
        )
    return parts


def _pack(items: list[_Item], budget: int) -> list[list[_Item]]:
    groups: list[list[_Item]] = []
    used = budget  # forces a new group for the first item
    for item in items:
        size = utf16_len(item.plain) + len(SEPARATOR)
        if used + size > budget:
            groups.append([])
            used = 0
        groups[-1].append(item)
        used += size
    return groups


def _item(alert: PendingAlert) -> _Item:
    source = _trim(alert.source_name, SOURCE_LIMIT)
    first_line = (alert.title.strip() or alert.text.strip()).partition("\n")[0].strip()
    headline = _trim(first_line, HEADLINE_LIMIT)
    plain = f"• {source}: {headline}" if headline else f"• {source}"
    html = f"• <b>{escape(source)}</b>"
    if headline:
        html += f": {escape(headline)}"
    if alert.url:
        # Cut only to keep the message within Telegram's limit; real links are far shorter.
        url = _trim(alert.url, URL_LIMIT)
        plain += f"\n{url}"
        html += f"\n{escape(url)}"
    return _Item(alert.id, html, plain, alert.silent, alert.attempts)


def _trim(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + ELLIPSIS


def utf16_len(text: str) -> int:
    """Length as Telegram counts it: in UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2
