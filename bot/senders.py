"""Where alerts go: a Telegram chat through aiogram, or the terminal.

Error tree, translated here from aiogram's exceptions so the delivery worker knows
only ours:

    DeliveryError
    ├── RetryAfter(seconds)        Telegram's flood control: wait, send the same again
    ├── ChatUnavailable(reason)    blocked, kicked, deactivated, chat not found
    ├── ChatMigrated(new_chat_id)  a group became a supergroup
    ├── MessageRejected(reason)    Telegram will never take this message as it is
    └── TemporaryFailure           5xx, timeouts, connection errors: retry with backoff
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol, TextIO

import structlog
from aiogram.exceptions import (
    TelegramAPIError,
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramMigrateToChat,
    TelegramNotFound,
    TelegramRetryAfter,
)
from aiogram.types import LinkPreviewOptions

from bot.render import render_alert, render_alert_plain, render_console

if TYPE_CHECKING:
    from aiogram import Bot

    from alerts.outbox import PendingAlert

log = structlog.get_logger(__name__)

CHAT_GONE_MARKERS = ("chat not found", "user is deactivated", "bot was kicked", "not a member")


class DeliveryError(Exception):
    pass


class RetryAfter(DeliveryError):
    def __init__(self, seconds: float) -> None:
        super().__init__(f"flood control: retry after {seconds} s")
        self.seconds = seconds


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
    async def send(self, alert: PendingAlert) -> int | None:
        """Deliver one alert; returns the message id, or None where there is none."""


class ConsoleSender:
    """Prints alerts, for running without a bot token."""

    def __init__(self, out: TextIO) -> None:
        self._out = out

    async def send(self, alert: PendingAlert) -> int | None:
        print(render_console(alert), file=self._out, flush=True)
        return None


class TelegramSender:
    def __init__(self, bot: Bot) -> None:
        self._bot = bot

    async def send(self, alert: PendingAlert) -> int | None:
        try:
            return await self._send_html(alert)
        except TelegramBadRequest as exc:
            if "can't parse entities" not in exc.message:
                raise _translate(exc) from exc
            log.error("alert_html_refused", outbox=alert.id, error=exc.message)
        try:
            message = await self._bot.send_message(
                alert.chat_id,
                render_alert_plain(alert),
                parse_mode=None,
                link_preview_options=LinkPreviewOptions(is_disabled=True),
            )
        except TelegramAPIError as exc:
            raise _translate(exc) from exc
        return message.message_id

    async def _send_html(self, alert: PendingAlert) -> int:
        try:
            message = await self._bot.send_message(
                alert.chat_id,
                render_alert(alert),
                parse_mode="HTML",
                link_preview_options=LinkPreviewOptions(is_disabled=True),
            )
        except TelegramBadRequest:
            raise
        except TelegramAPIError as exc:
            raise _translate(exc) from exc
        return message.message_id


def _translate(exc: TelegramAPIError) -> DeliveryError:
    if isinstance(exc, TelegramRetryAfter):
        return RetryAfter(float(exc.retry_after))
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
