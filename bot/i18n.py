"""Replies in the asker's language: Russian or Ukrainian where the catalogs have it, else English.

English is the source language: the messages in the code are English and have no
catalog. The others are gettext catalogs, `bot/locales/<lang>/LC_MESSAGES/lookout.po`,
each with its `.mo` compiled beside it and committed (aiogram's `I18n` reads only `.mo`).

`ChatLanguage` chooses the locale of each update from the sender's Telegram
`language_code` (`ru`, `uk-UA` → `uk`) or, for channel posts, which have no sender, and
senders whose client reports none, from the chat's stored language. A language without
a catalog (`de`, `pt-br`) gets English. Handlers then call aiogram's `gettext` and
`ngettext`, which read that locale from a context variable; code that runs outside an
update (the command menu, delivery) holds a `Words` for the chat's language instead.
Code that words messages for both (`bot.render`, `bot.problems`) takes a `Words`:
`Words.current()` inside an update.

Messages defined below the bot (the rule parser's, `rules.errors.MESSAGES`) are marked
with `N_` where they are defined and extracted from there too.

Translatable text holds no HTML: markup, commands' example arguments and every value
come in through named `%(name)s` placeholders, so a translation cannot break a message.

Changing a message:
    pybabel extract -c Translators: --no-location -o /tmp/lookout.pot bot rules/errors.py
    pybabel update -i /tmp/lookout.pot -d bot/locales -D lookout -w 100 --ignore-obsolete
    (translate the new entries in both .po files and clear their fuzzy flags)
    pybabel compile -d bot/locales -D lookout
`tests/bot/test_i18n.py` fails on an untranslated or fuzzy message, a stale `.mo`, or a
translation whose placeholders, markup or /commands differ from the English.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from aiogram.utils.i18n import I18n, I18nMiddleware, get_i18n
from typing_extensions import override

from alerts.store.models import Chat

if TYPE_CHECKING:
    from aiogram.types import Chat as TelegramChat
    from aiogram.types import TelegramObject, User
    from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

LOCALES = Path(__file__).with_name("locales")
DOMAIN = "lookout"
SOURCE_LANGUAGE = "en"
_SEPARATOR = re.compile(r"[-_]")


def build_i18n() -> I18n:
    """The catalogs, loaded from `bot/locales`; English (the msgids) is the default."""
    return I18n(path=LOCALES, default_locale=SOURCE_LANGUAGE, domain=DOMAIN)


def N_(message: str) -> str:  # noqa: N802 — gettext's name for a marker, known to extractors
    """Mark a message for extraction where it is defined; translate it where it is used."""
    return message


def current_language() -> str:
    """The language of the update being handled: "en", "ru" or "uk"."""
    return get_i18n().current_locale


def pick_language(code: str | None, available: tuple[str, ...]) -> str | None:
    """The language for a Telegram language code (`ru`, `uk-UA`); None if we have no catalog."""
    if not code:
        return None
    language = _SEPARATOR.split(code.strip().lower(), maxsplit=1)[0]
    return language if language in {SOURCE_LANGUAGE, *available} else None


class ChatLanguage(I18nMiddleware):
    """Sets the locale for every update: the sender's language, the chat's, or English."""

    def __init__(self, i18n: I18n, sessions: async_sessionmaker[AsyncSession]) -> None:
        super().__init__(i18n)
        self._sessions = sessions

    @override
    async def get_locale(self, event: TelegramObject, data: dict[str, Any]) -> str:
        user: User | None = data.get("event_from_user")
        code = user.language_code if user else None
        if not code:
            chat: TelegramChat | None = data.get("event_chat")
            code = await self._stored_language(chat)
        return pick_language(code, self.i18n.available_locales) or self.i18n.default_locale

    async def _stored_language(self, chat: TelegramChat | None) -> str | None:
        if chat is None:
            return None
        async with self._sessions() as session:
            row = await session.get(Chat, chat.id)
        return row.language if row else None


@dataclass(frozen=True, slots=True)
class Words:
    """The catalogs in one language, for wording a message outside or inside an update."""

    i18n: I18n
    language: str

    @classmethod
    def current(cls) -> Words:
        """The language of the update being handled."""
        i18n = get_i18n()
        return cls(i18n, i18n.current_locale)

    @classmethod
    def for_chat(cls, i18n: I18n, code: str | None) -> Words:
        """A chat's stored Telegram language code (`uk-UA`), or English."""
        return cls(i18n, pick_language(code, i18n.available_locales) or i18n.default_locale)

    def gettext(self, message: str) -> str:
        return self.i18n.gettext(message, locale=self.language)

    def ngettext(self, singular: str, plural: str, count: int) -> str:
        return self.i18n.gettext(singular, plural, count, locale=self.language)
