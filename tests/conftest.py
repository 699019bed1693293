"""Shared fixtures: a database of each kind, migrated, for every storage test.

`database_url` is parametrized over SQLite and PostgreSQL, so a test that asks for it
(or for `sessions`) runs on both. PostgreSQL is a real throwaway server started once
per session; where none can be started those runs skip with the reason, except in CI
(`CI` set), where that is a failure.
"""

from __future__ import annotations

import itertools
import os
import shutil
from pathlib import Path
from typing import TYPE_CHECKING

import psycopg
import pytest

from alerts.store import migrate
from alerts.store.db import create_engine, session_factory
from rules.lexicon import Lexicon
from tests.postgres import PostgresServer, PostgresUnavailable, start_server

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Iterator

    from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

pytest_plugins = ["tests.fakes.telegram", "tests.fakes.web"]

SHARED_FIXTURES = Path(__file__).resolve().parents[1].parent / "shared" / "fixtures"
_database_numbers = itertools.count(1)


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    try:
        server = start_server()
    except PostgresUnavailable as exc:
        if os.environ.get("CI"):
            pytest.fail(f"CI needs PostgreSQL: {exc}")
        pytest.skip(f"no PostgreSQL server: {exc}")
    yield server
    server.executor.stop()
    shutil.rmtree(server.executor.unixsocketdir, ignore_errors=True)


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'lookout.db'}"
    server: PostgresServer = request.getfixturevalue("postgres_server")
    name = f"lookout_test_{next(_database_numbers)}"
    with psycopg.connect(
        host=server.host, port=server.port, user=server.user, dbname="postgres", autocommit=True
    ) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    return server.url(name)


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(database_url)
    await migrate.upgrade(engine)
    yield engine
    await engine.dispose()


@pytest.fixture
def sessions(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return session_factory(engine)


@pytest.fixture
def shared_fixtures() -> Path:
    """Real feeds and pages saved by others, read in place; tests skip without them."""
    if not SHARED_FIXTURES.is_dir():
        pytest.skip(f"{SHARED_FIXTURES} is not here")
    return SHARED_FIXTURES


@pytest.fixture(scope="session")
def lexicon() -> Lexicon:
    """Loaded once: morphology dictionaries and the gazetteer take a moment."""
    return Lexicon.load()
