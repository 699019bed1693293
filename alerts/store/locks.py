"""One holder at a time: PostgreSQL advisory locks for the sender and the update
consumer, and a file lock that keeps a SQLite database to one `lookout run`.

`Singleton` is a session-level advisory lock (``pg_try_advisory_lock``) on a connection
of its own, in autocommit so no transaction stays open while it is held. A standby
tries again every `RETRY` seconds; the server frees the lock the moment the holder's
connection closes, which a killed process's connection does at once, so a standby takes
over within `RETRY` seconds plus its own start. The holder pings its connection every
`RETRY` seconds; `watch` raises `LockLost` when the ping fails (the database restarted,
the network dropped), because by then a standby may hold the lock. The key is a hash of
the role and the bot token (never the token itself), so bots with different tokens
sharing one database do not wait for each other.

`take_turn` is the transaction-level kind (``pg_advisory_xact_lock``): it waits for its
turn and holds it until the caller's transaction commits or rolls back. Every writer of
posts takes the `STORIES` turn before inserting any, so posts are stored one transaction
at a time across processes, their ids growing in commit order (`alerts.ingest.storybook`
relies on it).

On SQLite a `Singleton` is always held: `lock_sqlite_database` has already made this
the only process using the file. Its lock is an ``flock`` on ``<database>.lock``,
released by the kernel when the process ends, however it ends.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import hashlib
import os
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

import structlog
from sqlalchemy import text
from sqlalchemy.engine import make_url

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession

log = structlog.get_logger(__name__)

RETRY = 5.0


class LockLost(Exception):
    """The connection that held an advisory lock failed; another process may hold it now."""


class DatabaseInUse(Exception):
    """Another process runs Lookout on this SQLite database; the message says which."""


STORIES = "stories"
"""The turn every writer of posts takes: stories are decided one transaction at a time."""


async def take_turn(session: AsyncSession, name: str) -> bool:
    """Wait for the turn `name` until the session's transaction ends (PostgreSQL): True.
    False on SQLite, where this process is the only one (`lock_sqlite_database`)."""
    if session.get_bind().dialect.name != "postgresql":
        return False
    await session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": lock_key(name, "")})
    return True


def lock_key(role: str, token: str) -> int:
    """A signed 64-bit advisory lock key for this role of this bot."""
    digest = hashlib.blake2b(f"lookout:{role}:{token}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


class Singleton:
    def __init__(self, engine: AsyncEngine, role: str, token: str) -> None:
        self._engine = engine
        self._role = role
        self._key = lock_key(role, token)
        self._connection: AsyncConnection | None = None

    async def acquire(self, stop: asyncio.Event) -> bool:
        """Wait until this process holds the lock (True) or `stop` is set (False)."""
        if self._engine.dialect.name != "postgresql":
            return True
        waiting_logged = False
        while not stop.is_set():
            if await self._try():
                log.info("role_lock_acquired", role=self._role)
                return True
            if not waiting_logged:
                log.info("role_lock_standby", role=self._role)
                waiting_logged = True
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), RETRY)
        return False

    async def watch(self) -> None:
        """Return never while the lock is held; raise `LockLost` when it may not be."""
        connection = self._connection
        if connection is None:
            await asyncio.Event().wait()  # SQLite: held for the life of the process
            return
        while True:
            await asyncio.sleep(RETRY)
            try:
                await asyncio.wait_for(connection.execute(text("SELECT 1")), RETRY)
            except Exception as exc:
                raise LockLost(f"the {self._role} lock's connection failed: {exc}") from exc

    async def release(self) -> None:
        connection, self._connection = self._connection, None
        if connection is None:
            return
        with contextlib.suppress(Exception):
            await connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": self._key})
        with contextlib.suppress(Exception):
            await connection.close()

    async def _try(self) -> bool:
        connection = await self._engine.connect()
        try:
            connection = await connection.execution_options(isolation_level="AUTOCOMMIT")
            held = await connection.scalar(
                text("SELECT pg_try_advisory_lock(:key)"), {"key": self._key}
            )
        except BaseException:
            await connection.close()
            raise
        if held:
            self._connection = connection
            return True
        await connection.close()
        return False


def lock_sqlite_database(database_url: str) -> TextIO | None:
    """Hold the SQLite database for this process: an open lock file, or None when the
    database is not a SQLite file. Raises `DatabaseInUse` when another process holds it."""
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        return None
    path = Path(url.database).resolve().with_name(Path(url.database).name + ".lock")
    handle = path.open("a+", encoding="utf-8")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.seek(0)
        holder = handle.read().strip() or "another process"
        handle.close()
        raise DatabaseInUse(
            f"{url.database} is in use by `lookout run` (pid {holder}); SQLite serves one "
            "process: stop it, or use PostgreSQL (LOOKOUT_DATABASE_URL) to run several"
        ) from None
    handle.seek(0)
    handle.truncate()
    handle.write(str(os.getpid()))
    handle.flush()
    return handle
