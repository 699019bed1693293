"""The real `lookout` console script, run as a subprocess against the network fakes."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tests.fakes.telegram import FakeTelegram

LOOKOUT = Path(sys.executable).with_name("lookout")
STOP_TIMEOUT = 5.0


@dataclass
class LookoutProcess:
    workdir: Path
    env: dict[str, str]
    process: asyncio.subprocess.Process | None = None
    stdout_path: Path = field(init=False)
    stderr_path: Path = field(init=False)

    def __post_init__(self) -> None:
        self.stdout_path = self.workdir / "stdout.log"
        self.stderr_path = self.workdir / "stderr.log"

    @classmethod
    def environment(cls, workdir: Path, **settings: str) -> dict[str, str]:
        env = {key: value for key, value in os.environ.items() if not key.startswith("LOOKOUT_")}
        env |= {
            "LOOKOUT_DATABASE_URL": f"sqlite+aiosqlite:///{workdir / 'lookout.db'}",
            "LOOKOUT_POLL_INTERVAL": "1",
            "LOOKOUT_ALLOW_PRIVATE_NETWORKS": "true",
        }
        env |= {f"LOOKOUT_{key.upper()}": value for key, value in settings.items()}
        return env

    async def start(self, *args: str) -> None:
        with self.stdout_path.open("wb") as out, self.stderr_path.open("wb") as err:
            self.process = await asyncio.create_subprocess_exec(
                str(LOOKOUT), "run", *args, cwd=self.workdir, env=self.env, stdout=out, stderr=err
            )

    async def stop(self) -> int:
        """SIGTERM, then the exit code; fails the test if it takes longer than STOP_TIMEOUT."""
        assert self.process is not None
        self.process.send_signal(signal.SIGTERM)
        try:
            return await asyncio.wait_for(self.process.wait(), STOP_TIMEOUT)
        except TimeoutError as exc:
            self.process.kill()
            await self.process.wait()
            message = f"lookout did not stop within {STOP_TIMEOUT} s\n{self.logs()}"
            raise AssertionError(message) from exc

    async def kill(self) -> None:
        if self.process is not None and self.process.returncode is None:
            self.process.kill()
            await self.process.wait()

    def stdout(self) -> str:
        return self.stdout_path.read_text(errors="replace")

    def logs(self) -> str:
        return self.stderr_path.read_text(errors="replace")[-4000:]


async def reply_to(fake: FakeTelegram, chat_id: int, text: str, expect: str) -> str:
    """Say `text` in a chat of the fake Telegram; the bot's answer, which must hold `expect`."""
    before = len(fake.messages_to(chat_id))
    fake.user_says(chat_id, text, user_id=chat_id)
    await fake.wait_for(lambda: len(fake.messages_to(chat_id)) > before, timeout=20)
    reply = fake.messages_to(chat_id)[before].text
    assert expect in reply, reply
    return reply


async def run_command(workdir: Path, env: dict[str, str], *args: str) -> tuple[int, str, str]:
    """A one-shot `lookout` command: (exit code, stdout, stderr)."""
    process = await asyncio.create_subprocess_exec(
        str(LOOKOUT),
        *args,
        cwd=workdir,
        env=env,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()
