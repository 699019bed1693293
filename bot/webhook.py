"""Webhook mode: Telegram POSTs each update to ``LOOKOUT_WEBHOOK_URL``, and whichever
instance the load balancer picks answers it.

Contract:

- `WebhookReceiver.handle` serves ``POST`` on the URL's path, on the HTTP server of
  ``LOOKOUT_HTTP_PORT`` (`bot.status`). A request whose
  ``X-Telegram-Bot-Api-Secret-Token`` header is not ``LOOKOUT_WEBHOOK_SECRET`` is
  refused with 403 before its body is read; a body over `MAX_BODY` bytes with 413, one
  that is not a JSON object with 400. An update is answered 200 at once and handled in
  the background, like a long-polled one: Telegram waits for the answer before it sends
  the next update, and sends an update again when the answer is late or not 2xx.
- `start` registers the webhook (``setWebhook`` with the URL, the secret and the update
  types the routers handle), then runs the dispatcher's start-up (the command menu).
  Every instance calls it with the same URL and secret, so their calls agree; nobody
  calls ``getUpdates`` in this mode (Telegram refuses it with 409 while a webhook is set).
- `stop` refuses new updates, waits up to `bot.inflight.STOP_GRACE` seconds for the
  ones in hand, and runs the dispatcher's shut-down. The webhook stays set: other
  instances still answer. Long polling (no ``LOOKOUT_WEBHOOK_URL``) deletes it before
  its first ``getUpdates``.

Errors: Telegram refusing ``setWebhook`` (a bad URL, an unreachable port) raises
`WebhookRefused` with Telegram's description.
"""

from __future__ import annotations

import asyncio
import hmac
import json
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import structlog
from aiogram.exceptions import TelegramAPIError
from aiohttp import web

from bot.inflight import finish_tasks

if TYPE_CHECKING:
    from aiogram import Bot, Dispatcher

log = structlog.get_logger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"  # noqa: S105 (a header's name)
MAX_BODY = 1024**2
"""Bytes of one update; Telegram's are a few KiB (aiohttp's own default cap)."""


class WebhookRefused(Exception):
    """Telegram did not accept the webhook; the message is its description."""


def webhook_path(url: str) -> str:
    return urlsplit(url).path or "/"


class WebhookReceiver:
    def __init__(self, dispatcher: Dispatcher, bot: Bot, *, url: str, secret: str) -> None:
        self._dispatcher = dispatcher
        self._bot = bot
        self.url = url
        self.path = webhook_path(url)
        self._secret = secret.encode()
        self._handling: set[asyncio.Task[None]] = set()
        self._open = False

    async def start(self) -> None:
        try:
            await self._bot.set_webhook(
                self.url,
                secret_token=self._secret.decode(),
                allowed_updates=self._dispatcher.resolve_used_update_types(),
            )
        except TelegramAPIError as exc:
            raise WebhookRefused(f"Telegram refused the webhook {self.url}: {exc.message}") from exc
        self._open = True
        log.info("webhook_set", path=self.path)
        await self._dispatcher.emit_startup(bot=self._bot, **self._dispatcher.workflow_data)

    async def stop(self) -> None:
        self._open = False
        await finish_tasks(set(self._handling))
        await self._dispatcher.emit_shutdown(bot=self._bot, **self._dispatcher.workflow_data)

    async def handle(self, request: web.Request) -> web.Response:
        given = request.headers.get(SECRET_HEADER, "").encode()
        if not hmac.compare_digest(given, self._secret):
            log.warning("webhook_secret_refused", remote=request.remote)
            return web.Response(status=403, text="Forbidden")
        if not self._open:
            # Starting or stopping: Telegram sends it again, perhaps to another instance.
            return web.Response(status=503, text="Service Unavailable")
        if request.content_length is not None and request.content_length > MAX_BODY:
            return web.Response(status=413, text="Request Entity Too Large")
        body = await request.content.read(MAX_BODY + 1)
        if len(body) > MAX_BODY:
            return web.Response(status=413, text="Request Entity Too Large")
        try:
            update = json.loads(body)
        except ValueError:  # not JSON, or not UTF-8
            update = None
        if not isinstance(update, dict):
            return web.Response(status=400, text="Bad Request")
        task = asyncio.create_task(self._feed(update))
        self._handling.add(task)
        task.add_done_callback(self._handling.discard)
        return web.Response(status=200)

    async def _feed(self, update: dict[str, Any]) -> None:
        try:
            await self._dispatcher.feed_raw_update(self._bot, update)
        except Exception:
            # One update's failure is logged, as long polling does; the next one goes on.
            log.exception("webhook_update_failed", update_id=update.get("update_id"))
