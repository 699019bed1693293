"""Updates being handled, so that stopping finishes them before the process closes.

aiogram's long polling hands each update to a task of its own and does not wait for
those tasks when polling stops, while the next ``getUpdates`` has already confirmed
the update to Telegram: a command abandoned there is lost, and the task's database
session and bot request are left for the garbage collector. `InFlight` is an outer
middleware on every update that keeps the tasks handling one; `finish` waits up to a
grace period for them and cancels the rest, so their `async with` blocks still close
what they opened.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import TYPE_CHECKING, Any

import structlog
from aiogram import BaseMiddleware

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from aiogram.types import TelegramObject

log = structlog.get_logger(__name__)

STOP_GRACE = 2.0
"""Seconds a stopping process gives the updates in hand."""


class InFlight(BaseMiddleware):
    def __init__(self) -> None:
        self._handling: set[asyncio.Task[Any]] = set()

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        task = asyncio.current_task()
        if task is None:  # pragma: no cover - a middleware always runs in a task
            return await handler(event, data)
        self._handling.add(task)
        try:
            return await handler(event, data)
        finally:
            self._handling.discard(task)

    async def finish(self, grace: float = STOP_GRACE) -> None:
        """Wait up to `grace` seconds for the updates in hand, then cancel the rest."""
        current = asyncio.current_task()
        await finish_tasks({task for task in self._handling if task is not current}, grace)


async def finish_tasks(tasks: set[asyncio.Task[Any]], grace: float = STOP_GRACE) -> None:
    """Wait up to `grace` seconds for ``tasks``, then cancel the rest and let them unwind."""
    if not tasks:
        return
    _, late = await asyncio.wait(tasks, timeout=grace)
    if late:
        log.warning("updates_cancelled_at_stop", count=len(late))
        for task in late:
            task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.gather(*late, return_exceptions=True)
