"""Digests: a busy chat's pending alerts bundled into as few messages as fit.

When: a chat that was sent `after` alerts or more in the last hour (alone or in
digests; notices do not count) gets the rest as a digest, `interval` after its last
alert went. All its due alerts go in it, in as many messages as needed, sent one
after another at the chat's pace (`DigestSchedule`, which `bot.delivery` consults).
Notices never go in a digest.

How it reads: a header in the chat's language ("Digest: 7 alerts"), then the alerts
oldest first, one item each: source in bold, the post's first line, its link. Built
with aiogram's `utils.formatting`, so nothing in a post is read as markup. Each message
stays within Telegram's 4096 UTF-16 units; an item never splits across messages, and a
long digest becomes several messages numbered "(1/3)". A message is silent only if
every alert in it is.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

from aiogram.utils.formatting import Bold, Text, Url, as_line, as_list

from bot.fitting import MESSAGE_LIMIT, pack
from bot.wording import clip, fill

if TYPE_CHECKING:
    from collections.abc import Callable, Collection, Sequence
    from datetime import datetime, timedelta

    from alerts.outbox.queue import Alert, RecentLoad
    from bot.i18n import Words

# Room for the header line ("Digest: 1000 alerts (12/12)") and the blank line after it.
HEADER_ROOM = 64
HEADLINE_LIMIT = 200
SOURCE_LIMIT = 100
URL_LIMIT = 2048
SEPARATOR = "\n\n"


@dataclass(frozen=True, slots=True)
class DigestPart:
    """One digest message: its text and the outbox entries it delivers."""

    chat_id: int
    entry_ids: tuple[int, ...]
    text: Text
    silent: bool
    attempts: int = 0
    """The most failed attempts of any entry in it, for the retry backoff."""


@dataclass(frozen=True, slots=True)
class _Item:
    entry_id: int
    text: Text
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
    chat_id: int, alerts: Sequence[Alert], words: Words, *, limit: int = MESSAGE_LIMIT
) -> list[DigestPart]:
    """The messages that list `alerts`, each within `limit` UTF-16 units."""
    items = [_item(alert) for alert in alerts]
    texts = [item.text for item in items]
    groups = [
        [items[index] for index in group]
        for group in pack(texts, separator=SEPARATOR, limit=limit - HEADER_ROOM)
    ]
    count = len(alerts)
    title = fill(
        words.ngettext("Digest: %(count)d alert", "Digest: %(count)d alerts", count),
        {"count": count},
    )
    parts = []
    for number, group in enumerate(groups, 1):
        header = (
            as_line(title, f"({number}/{len(groups)})", sep=" ", end="")
            if len(groups) > 1
            else title
        )
        parts.append(
            DigestPart(
                chat_id=chat_id,
                entry_ids=tuple(item.entry_id for item in group),
                text=as_list(Bold(header), *(item.text for item in group), sep=SEPARATOR),
                silent=all(item.silent for item in group),
                attempts=max(item.attempts for item in group),
            )
        )
    return parts


def _item(alert: Alert) -> _Item:
    source = clip(alert.source_name, SOURCE_LIMIT)
    first_line = (alert.title.strip() or alert.text.strip()).partition("\n")[0].strip()
    headline = clip(first_line, HEADLINE_LIMIT)
    line = Text("• ", Bold(source), f": {headline}") if headline else Text("• ", Bold(source))
    # A link too long for a message is left out rather than cut: a cut link leads nowhere.
    text = as_list(line, Url(alert.url)) if alert.url and len(alert.url) <= URL_LIMIT else line
    return _Item(alert.id, text, alert.silent, alert.attempts)
