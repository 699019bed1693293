"""A throwaway PostgreSQL server for the test suite, run by pytest-postgresql's executor.

PostgreSQL refuses to run as root, and CI runs as root: then the server runs as the
`postgres` system account through a small `runuser` wrapper around `pg_ctl`, in a
directory that account owns.
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import psycopg
from pytest_postgresql.executors import PostgreSQLExecutor

SERVICE_ACCOUNT = "postgres"


class PostgresUnavailable(Exception):
    """No PostgreSQL server can be started on this machine; the message says why."""


@dataclass(frozen=True)
class PostgresServer:
    executor: PostgreSQLExecutor
    host: str
    port: int
    user: str

    def url(self, database: str, driver: str = "asyncpg") -> str:
        return f"postgresql+{driver}://{self.user}@{self.host}:{self.port}/{database}"


def find_pg_ctl() -> str:
    # Debian keeps the server binaries off PATH, one folder per major version.
    versions = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"), reverse=True)
    found = shutil.which("pg_ctl") or (str(versions[0]) if versions else None)
    if found is None:
        raise PostgresUnavailable("pg_ctl not found (install the postgresql package)")
    return found


def start_server() -> PostgresServer:
    pg_ctl = find_pg_ctl()
    base = Path(tempfile.mkdtemp(prefix="lookout-pg-"))
    base.chmod(0o755)
    executable = pg_ctl
    if os.geteuid() == 0:
        executable = _root_wrapper(pg_ctl, base)
    port = _free_port()
    executor = PostgreSQLExecutor(
        executable=executable,
        host="127.0.0.1",
        port=port,
        datadir=str(base / "data"),
        unixsocketdir=str(base),
        logfile=str(base / "postgresql.log"),
        startparams="-w",
        dbname="postgres",
        user=SERVICE_ACCOUNT,
        postgres_options="-c fsync=off -c synchronous_commit=off -c full_page_writes=off",
    )
    try:
        executor.start()
    except Exception as exc:
        log = base / "postgresql.log"
        detail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
        raise PostgresUnavailable(f"PostgreSQL did not start: {exc}\n{detail}") from exc
    server = PostgresServer(executor, "127.0.0.1", port, SERVICE_ACCOUNT)
    _wait_until_accepting(server)
    return server


def _wait_until_accepting(server: PostgresServer, seconds: float = 60.0) -> None:
    """The port opens before recovery ends; connections fail "starting up" until then."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            psycopg.connect(
                host=server.host, port=server.port, user=server.user, dbname="postgres"
            ).close()
        except psycopg.OperationalError as exc:
            if time.monotonic() > deadline:
                raise PostgresUnavailable(f"PostgreSQL never accepted connections: {exc}") from exc
            time.sleep(0.1)
        else:
            return


def _root_wrapper(pg_ctl: str, base: Path) -> str:
    try:
        account = pwd.getpwnam(SERVICE_ACCOUNT)
    except KeyError as exc:
        raise PostgresUnavailable(f"running as root and no '{SERVICE_ACCOUNT}' account") from exc
    os.chown(base, account.pw_uid, account.pw_gid)
    wrapper = base / "pg_ctl"
    wrapper.write_text(f'#!/bin/sh\nexec runuser -u {SERVICE_ACCOUNT} -- "{pg_ctl}" "$@"\n')
    wrapper.chmod(0o755)
    return str(wrapper)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def create_database(server: PostgresServer, prefix: str = "lookout_e2e") -> str:
    """A new empty database on `server`; its asyncpg URL."""
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(
        host=server.host, port=server.port, user=server.user, dbname="postgres", autocommit=True
    ) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    return server.url(name)


def admin_connection(server: PostgresServer) -> psycopg.Connection[tuple[object, ...]]:
    """A superuser connection to the maintenance database, in autocommit."""
    return psycopg.connect(
        host=server.host, port=server.port, user=server.user, dbname="postgres", autocommit=True
    )
