"""Schema migrations, applied by `lookout run` at start and by the test suite.

Alembic's scripts live in the `alerts.store.migrations` package, so an installed Lookout
migrates without an `alembic.ini` beside it.

`upgrade` migrates on a connection of the caller's engine. `upgrade_in_child` does the
same in a short-lived child process (``python -m alerts.store.migrate URL``), for a
long-running service: Alembic and the migration scripts are needed for a second at
start, and a child takes their memory (about 13 MB) away with it when it exits.
"""

from __future__ import annotations

import asyncio
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from alembic.config import Config
    from sqlalchemy.engine import Connection
    from sqlalchemy.ext.asyncio import AsyncEngine

CHILD_TIMEOUT = 600.0
"""A migration that rewrites a large table can take minutes; one that hangs is stopped."""


class MigrationFailed(Exception):
    """The child process could not migrate the database; the message has its last words."""


def alembic_config(connection: Connection | None = None) -> Config:
    from alembic.config import Config  # noqa: PLC0415  # only where migrations run

    config = Config()
    config.set_main_option("script_location", "alerts.store:migrations")
    config.attributes["connection"] = connection
    return config


async def upgrade(engine: AsyncEngine, revision: str = "head") -> None:
    from alembic import command  # noqa: PLC0415  # only where migrations run

    async with engine.begin() as connection:
        await connection.run_sync(lambda sync: command.upgrade(alembic_config(sync), revision))


async def upgrade_in_child(database_url: str) -> None:
    child = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "alerts.store.migrate",
        database_url,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        _, err = await asyncio.wait_for(child.communicate(), CHILD_TIMEOUT)
    except TimeoutError:
        child.kill()
        await child.wait()
        raise MigrationFailed(f"migrations did not finish within {CHILD_TIMEOUT:g} s") from None
    if child.returncode != 0:
        tail = err.decode(errors="replace").strip().splitlines()[-5:]
        raise MigrationFailed("migrations failed: " + " | ".join(tail))


async def _main(database_url: str) -> None:
    from alerts.store.db import create_engine  # noqa: PLC0415

    engine = create_engine(database_url)
    try:
        await upgrade(engine)
    finally:
        await engine.dispose()


if __name__ == "__main__":
    asyncio.run(_main(sys.argv[1]))
