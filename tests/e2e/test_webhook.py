"""Webhook mode through the real `lookout run`: Telegram POSTs updates with its secret,
every instance answers them, and a request without the secret is refused."""

from __future__ import annotations

import asyncio
import socket
from typing import TYPE_CHECKING, Any

import aiohttp
import pytest

from tests.e2e.process import LookoutProcess, reply_to, run_command
from tests.fakes.telegram import SECRET_HEADER
from tests.postgres import create_database

if TYPE_CHECKING:
    from pathlib import Path

    from tests.fakes.telegram import FakeTelegram
    from tests.postgres import PostgresServer

pytestmark = pytest.mark.e2e

USER = 2002
STRANGER = 3003
SECRET = "lookout-webhook-Secret_1"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _webhook_env(workdir: Path, fake: FakeTelegram, port: int, **settings: str) -> dict[str, str]:
    return LookoutProcess.environment(
        workdir,
        bot_token=fake.token,
        telegram_api_url=fake.api_url,
        http_port=str(port),
        webhook_url=f"http://127.0.0.1:{port}/telegram/updates",
        webhook_secret=SECRET,
        **settings,
    )


async def _post(url: str, update: dict[str, Any], secret: str | None) -> int:
    headers = {SECRET_HEADER: secret} if secret is not None else {}
    async with (
        aiohttp.ClientSession() as client,
        client.post(
            url, json=update, headers=headers, timeout=aiohttp.ClientTimeout(total=10)
        ) as response,
    ):
        return response.status


async def _webhook_set(fake: FakeTelegram, url: str) -> None:
    await fake.wait_for(lambda: fake.webhook_url == url, timeout=60)


def _update(update_id: int, chat_id: int, text: str) -> dict[str, Any]:
    user = {"id": chat_id, "is_bot": False, "first_name": "Test", "language_code": "en"}
    return {
        "update_id": update_id,
        "message": {
            "message_id": update_id,
            "date": 1_700_000_000,
            "chat": {"id": chat_id, "type": "private", "first_name": "Test"},
            "from": user,
            "text": text,
            "entities": [{"type": "bot_command", "offset": 0, "length": text.index(" ")}],
        },
    }


async def test_updates_arrive_by_webhook_and_a_wrong_secret_is_refused(
    tmp_path: Path, fake_telegram: FakeTelegram
) -> None:
    port = _free_port()
    lookout = LookoutProcess(tmp_path, _webhook_env(tmp_path, fake_telegram, port))
    await lookout.start()
    try:
        url = f"http://127.0.0.1:{port}/telegram/updates"
        await _webhook_set(fake_telegram, url)
        await reply_to(fake_telegram, USER, "/start", "/watch")
        await reply_to(fake_telegram, USER, "/watch drone", "Watching")
        await reply_to(fake_telegram, USER, "/rules", "drone")

        # Someone who found the URL but not the secret.
        forged = _update(900_001, STRANGER, "/watch anything")
        assert await _post(url, forged, secret="guessed") == 403
        assert await _post(url, forged, secret=None) == 403
        await asyncio.sleep(1)
        assert fake_telegram.messages_to(STRANGER) == []

        calls = [call.method.lower() for call in fake_telegram.calls]
        assert "getupdates" not in calls
        (registered,) = [c for c in fake_telegram.calls if c.method.lower() == "setwebhook"]
        assert registered.params["secret_token"] == SECRET
        assert await lookout.stop() == 0
    finally:
        await lookout.kill()
    # The webhook stays set for the other instances.
    assert fake_telegram.webhook_url == url


async def test_every_instance_answers_the_updates_it_is_given(
    tmp_path: Path, fake_telegram: FakeTelegram, postgres_server: PostgresServer
) -> None:
    database = create_database(postgres_server)
    ports = [_free_port(), _free_port()]
    instances = []
    for number, port in enumerate(ports):
        workdir = tmp_path / f"instance{number}"
        workdir.mkdir()
        env = _webhook_env(workdir, fake_telegram, port, database_url=database)
        instances.append(LookoutProcess(workdir, env))
    try:
        for instance in instances:
            await instance.start("--role", "bot")
            # Each sets the webhook to its own URL here; behind a load balancer it is one.
            await _webhook_set(fake_telegram, instance.env["LOOKOUT_WEBHOOK_URL"])
        # The load balancer's part: each instance is handed an update, with the secret.
        for number, port in enumerate(ports):
            chat = USER + 10 + number
            url = f"http://127.0.0.1:{port}/telegram/updates"
            assert await _post(url, _update(800_000 + number, chat, "/watch drone"), SECRET) == 200
            (answer,) = await fake_telegram.wait_for_messages(chat, 1, timeout=20)
            assert "Watching" in answer.text
        assert "getupdates" not in {call.method.lower() for call in fake_telegram.calls}
        for instance in instances:
            assert await instance.stop() == 0
    finally:
        for instance in instances:
            await instance.kill()


async def test_a_webhook_without_its_secret_is_a_bad_setting(
    tmp_path: Path, fake_telegram: FakeTelegram
) -> None:
    env = _webhook_env(tmp_path, fake_telegram, _free_port())
    del env["LOOKOUT_WEBHOOK_SECRET"]
    code, _out, err = await run_command(tmp_path, env, "run")
    assert code == 2
    assert "LOOKOUT_WEBHOOK_SECRET" in err
    assert fake_telegram.calls == []
