"""Where alerts go: a Telegram chat through aiogram, or the terminal.

A sender sends one message per call: an alert, a notice, one part of a digest, or an
edit of a sent alert, each worded in its chat's language (`bot.render`,
`bot.digest`) and sent as text with entities (no parse mode). Error tree,
translated here from aiogram's exceptions so the delivery worker knows only ours:

    DeliveryError
    ├── RetryAfter(seconds, whole_bot)  Telegram's flood control: wait, send the same again
    ├── ChatUnavailable(reason)         blocked, kicked, deactivated, chat not found
    ├── ChatMigrated(new_chat_id)       a group became a supergroup
    ├── MessageRejected(reason)         Telegram will never take this message as it is
    └── TemporaryFailure                5xx, timeouts, connection errors, undecodable
                                        answers: retry with backoff

`RetryAfter.whole_bot` is set when the refused request named no chat: Telegram's
429 description is the same for a chat's limit and the bot's, so a request to a
chat reports a chat limit and the worker decides whether it was global (see
`bot.delivery`). Entities that Telegram refuses are dropped and the text sent again
plain, logged, not refused: the alert matters more than its bold type.
"""

from __future__ import annotations

import itertools
from typing import TYPE_CHECKING, Protocol, TextIO

import structlog
from aiogram.exceptions import (
    ClientDecodeError,
    TelegramAPIError,
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramMigrateToChat,
    TelegramNotFound,
    TelegramRetryAfter,
)
from aiogram.types import LinkPreviewOptions, MessageEntity, ReplyParameters

from alerts.outbox.queue import Alert, Notice
from bot.i18n import Words
from bot.render import render_alert, render_console, render_edit, render_notice

if TYPE_CHECKING:
    from aiogram import Bot
    from aiogram.utils.formatting import Text
    from aiogram.utils.i18n import I18n

    from alerts.outbox.queue import Edit
    from bot.digest import DigestPart
    from bot.render import TagNames

log = structlog.get_logger(__name__)

CHAT_GONE_MARKERS = ("chat not found", "user is deactivated", "bot was kicked", "not a member")


class DeliveryError(Exception):
    pass


class RetryAfter(DeliveryError):
    def __init__(self, seconds: float, *, whole_bot: bool = False) -> None:
        scope = "bot" if whole_bot else "chat"
        super().__init__(f"flood control ({scope}): retry after {seconds} s")
        self.seconds = seconds
        self.whole_bot = whole_bot


class ChatUnavailable(DeliveryError):
    pass


class ChatMigrated(DeliveryError):
    def __init__(self, new_chat_id: int) -> None:
        super().__init__(f"group moved to supergroup {new_chat_id}")
        self.new_chat_id = new_chat_id


class MessageRejected(DeliveryError):
    pass


class TemporaryFailure(DeliveryError):
    pass


class Sender(Protocol):
    @property
    def paced(self) -> bool:
        """Whether Telegram's rate limits apply to this sender's messages."""

    @property
    def i18n(self) -> I18n:
        """The catalogs messages are worded from."""

    async def send(self, message: Alert | Notice) -> int | None:
        """Deliver one alert or notice; returns the message id, or None where there is none."""

    async def send_digest(self, part: DigestPart) -> int | None:
        """Deliver one digest message; returns its id, or None where there is none."""

    async def edit(self, edit: Edit) -> None:
        """Rewrite the sent message `edit.message_id` to show the story as it is now."""


class ConsoleSender:
    """Prints alerts, for running without a bot token.

    Each printed alert gets a number, as a Telegram message gets an id: a story that
    gains sources later is then printed again as an ``[update]``, as a chat's message
    would be edited.
    """

    paced = False

    def __init__(self, out: TextIO, i18n: I18n) -> None:
        self._out = out
        self.i18n = i18n
        self._printed = itertools.count(1)

    async def send(self, message: Alert | Notice) -> int | None:
        words = Words.for_chat(self.i18n, message.language)
        print(render_console(message, words), file=self._out, flush=True)
        return next(self._printed)

    async def send_digest(self, part: DigestPart) -> int | None:
        print(part.text.render()[0], file=self._out, flush=True)
        return next(self._printed)

    async def edit(self, edit: Edit) -> None:
        words = Words.for_chat(self.i18n, edit.alert.language)
        print(render_console(edit, words), file=self._out, flush=True)


class TelegramSender:
    paced = True

    def __init__(self, bot: Bot, i18n: I18n, names: TagNames | None = None) -> None:
        self._bot = bot
        self.i18n = i18n
        self._names = names

    async def send(self, message: Alert | Notice) -> int | None:
        words = Words.for_chat(self.i18n, message.language)
        if isinstance(message, Alert):
            text = render_alert(message, words, self._names)
        else:
            text = render_notice(message, words)
        reply_to = message.reply_to if isinstance(message, Alert) else None
        return await self._send(
            message.chat_id, text, silent=message.silent, outbox=message.id, reply_to=reply_to
        )

    async def send_digest(self, part: DigestPart) -> int | None:
        return await self._send(
            part.chat_id, part.text, silent=part.silent, outbox=part.entry_ids[0]
        )

    async def edit(self, edit: Edit) -> None:
        words = Words.for_chat(self.i18n, edit.alert.language)
        try:
            await self._bot.edit_message_text(
                **render_edit(edit, words, self._names).as_kwargs(),
                chat_id=edit.chat_id,
                message_id=edit.message_id,
                link_preview_options=LinkPreviewOptions(is_disabled=True),
            )
        except TelegramBadRequest as exc:
            # The message already says this (an edit that was retried): nothing to do.
            if "message is not modified" not in exc.message:
                raise _translate(exc) from exc
        except TelegramAPIError as exc:
            raise _translate(exc) from exc
        except ClientDecodeError as exc:
            raise TemporaryFailure(f"undecodable answer: {exc.message}") from exc

    async def _send(
        self, chat_id: int, text: Text, *, silent: bool, outbox: int, reply_to: int | None = None
    ) -> int:
        plain, entities = text.render()
        try:
            return await self._post(chat_id, plain, entities, silent=silent, reply_to=reply_to)
        except TelegramBadRequest as exc:
            if "entit" not in exc.message:
                raise _translate(exc) from exc
            log.error("alert_entities_refused", outbox=outbox, chat=chat_id, error=exc.message)
        except TelegramAPIError as exc:
            raise _translate(exc) from exc
        try:
            return await self._post(chat_id, plain, [], silent=silent, reply_to=reply_to)
        except TelegramAPIError as exc:
            raise _translate(exc) from exc

    async def _post(
        self,
        chat_id: int,
        text: str,
        entities: list[MessageEntity],
        *,
        silent: bool,
        reply_to: int | None = None,
    ) -> int:
        # A deleted first alert must not cost the update: it is then sent on its own.
        thread = (
            None
            if reply_to is None
            else ReplyParameters(message_id=reply_to, allow_sending_without_reply=True)
        )
        try:
            message = await self._bot.send_message(
                chat_id,
                text,
                entities=entities,
                parse_mode=None,
                link_preview_options=LinkPreviewOptions(is_disabled=True),
                disable_notification=silent,
                reply_parameters=thread,
            )
        except ClientDecodeError as exc:
            # An answer that is not Bot API JSON: a proxy's error page, a cut connection.
            raise TemporaryFailure(f"undecodable answer: {exc.message}") from exc
        return message.message_id


def _translate(exc: TelegramAPIError) -> DeliveryError:
    if isinstance(exc, TelegramRetryAfter):
        whole_bot = getattr(exc.method, "chat_id", None) is None
        return RetryAfter(float(exc.retry_after), whole_bot=whole_bot)
    if isinstance(exc, TelegramMigrateToChat):
        return ChatMigrated(exc.migrate_to_chat_id)
    if isinstance(exc, TelegramForbiddenError):
        return ChatUnavailable(exc.message)
    if isinstance(exc, TelegramBadRequest | TelegramNotFound):
        lowered = exc.message.lower()
        if any(marker in lowered for marker in CHAT_GONE_MARKERS):
            return ChatUnavailable(exc.message)
        return MessageRejected(exc.message)
    # Server errors, network errors and anything new: worth another try later.
    return TemporaryFailure(exc.message)
