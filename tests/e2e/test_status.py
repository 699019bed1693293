"""`/healthz` and `/metrics` of the real `lookout run`, as an orchestrator and Prometheus
see them."""

from __future__ import annotations

import asyncio
import json
import socket
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import aiohttp
import pytest

from tests.e2e.process import LookoutProcess, run_command
from tests.fakes.feeds import rss
from tests.postgres import admin_connection, create_database

if TYPE_CHECKING:
    from pathlib import Path

    from tests.fakes.web import FakeWeb
    from tests.postgres import PostgresServer

pytestmark = pytest.mark.e2e


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def _get(port: int, path: str) -> tuple[int, str]:
    async with (
        aiohttp.ClientSession() as client,
        client.get(
            f"http://127.0.0.1:{port}{path}", timeout=aiohttp.ClientTimeout(total=10)
        ) as response,
    ):
        return response.status, await response.text()


async def _wait_for_status(port: int, status: int, seconds: float = 30.0) -> dict[str, object]:
    deadline = asyncio.get_running_loop().time() + seconds
    last: object = None
    while asyncio.get_running_loop().time() < deadline:
        try:
            code, body = await _get(port, "/healthz")
        except aiohttp.ClientError as exc:
            last = exc
        else:
            last = (code, body)
            if code == status:
                found: dict[str, object] = json.loads(body)
                return found
        await asyncio.sleep(0.3)
    raise AssertionError(f"/healthz never answered {status}; last: {last}")


def _sample(page: str, name: str) -> float:
    for line in page.splitlines():
        if line.startswith(name + " ") or (line.startswith(name + "{") and " " in line):
            key, value = line.rsplit(" ", 1)
            if key == name:
                return float(value)
    raise AssertionError(f"{name} not in /metrics")


async def test_healthz_and_metrics_follow_polls_and_deliveries(
    tmp_path: Path, fake_web: FakeWeb
) -> None:
    now = datetime.now(UTC)
    old = {
        "guid": "old",
        "title": "Old drone report",
        "link": "https://n.example/old",
        "pub_date": now,
    }
    fake_web.serve("/feed.xml", rss([old], title="Border News"))
    port = _free_port()
    env = LookoutProcess.environment(tmp_path, http_port=str(port))
    code, _out, err = await run_command(tmp_path, env, "sources", "add", fake_web.url("/feed.xml"))
    assert code == 0, err
    lookout = LookoutProcess(tmp_path, env)
    await lookout.start("--watch", "drone")
    try:
        health = await _wait_for_status(port, 200)
        assert health["database"] is True
        assert health["problems"] == []
        new = {
            "guid": "new",
            "title": "Drone shot down",
            "link": "https://n.example/new",
            "pub_date": now,
        }
        fake_web.serve("/feed.xml", rss([new, old], title="Border News"))
        for _ in range(100):
            if "n.example/new" in lookout.stdout():
                break
            await asyncio.sleep(0.2)
        assert "n.example/new" in lookout.stdout(), lookout.logs()

        status, page = await _get(port, "/metrics")
        assert status == 200
        assert _sample(page, 'lookout_polls_total{outcome="ok"}') >= 1
        assert _sample(page, "lookout_posts_stored_total") >= 1
        assert _sample(page, "lookout_alerts_queued_total") == 1
        assert _sample(page, "lookout_alerts_sent_total") == 1
        assert _sample(page, "lookout_alert_latency_seconds_count") == 1
        assert _sample(page, "lookout_outbox_pending") == 0
        assert 0 <= _sample(page, "lookout_last_tick_age_seconds") < 30
        health = await _wait_for_status(port, 200)
        assert isinstance(health["last_tick_age"], float)
        code, out, _ = await run_command(tmp_path, env, "health")
        assert code == 0
        assert json.loads(out)["status"] == "ok"

        # SQLite serves one process: a second `lookout run` is refused, saying why.
        code, _out, err = await run_command(tmp_path, env, "run")
        assert code == 1
        assert "SQLite serves one process" in err
    finally:
        assert await lookout.stop() == 0, lookout.logs()


async def test_healthz_is_503_while_the_database_refuses_connections(
    tmp_path: Path, postgres_server: PostgresServer
) -> None:
    url = create_database(postgres_server)
    name = url.rsplit("/", 1)[1]
    port = _free_port()
    env = LookoutProcess.environment(tmp_path, http_port=str(port), database_url=url)
    lookout = LookoutProcess(tmp_path, env)
    await lookout.start("--role", "poller")
    try:
        await _wait_for_status(port, 200)
        with admin_connection(postgres_server) as admin:
            admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false')
            admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s",
                (name,),
            )
        health = await _wait_for_status(port, 503)
        assert health["database"] is False
        assert health["problems"] == ["database unreachable"]
        code, out, _ = await run_command(tmp_path, env, "health")
        assert code == 1
        assert json.loads(out)["status"] == "unhealthy"
        with admin_connection(postgres_server) as admin:
            admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')
        await _wait_for_status(port, 200)
    finally:
        assert await lookout.stop() == 0, lookout.logs()
