"""Command replies wait out Telegram's flood control instead of being lost.

A person who sends three commands in a second still gets three answers: on 429 the
same request is sent again after `retry_after`, a few times at most. Alerts do not
go through this: the delivery worker reschedules them in the outbox instead, so one
slow chat never holds up the others.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

import structlog
from aiogram.client.session.middlewares.base import BaseRequestMiddleware
from aiogram.exceptions import TelegramRetryAfter
from typing_extensions import override

if TYPE_CHECKING:
    from aiogram import Bot
    from aiogram.client.session.middlewares.base import NextRequestMiddlewareType
    from aiogram.methods import Response, TelegramMethod
    from aiogram.methods.base import TelegramType

log = structlog.get_logger(__name__)

MAX_WAITS = 5
MAX_RETRY_AFTER = 60


class WaitOutFloodControl(BaseRequestMiddleware):
    @override
    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Response[TelegramType]:
        for _ in range(MAX_WAITS):
            try:
                return await make_request(bot, method)
            except TelegramRetryAfter as exc:
                if exc.retry_after > MAX_RETRY_AFTER:
                    raise
                log.info("reply_flood_wait", method=type(method).__name__, after=exc.retry_after)
                await asyncio.sleep(exc.retry_after)
        return await make_request(bot, method)
