"""Resident memory of an idle `lookout run`: one rule, no source, each role.

    .venv/bin/python -m bench.idle_memory [--settle 5] [--code DIR]

Starts the real service as an operator would (a new process, SQLite in a scratch
directory, no bot token so alerts would print), waits for ``service_started`` and then
``--settle`` seconds, and prints VmRSS (now) and VmHWM (the peak, start-up included)
from /proc for ``--role all``, ``poller`` and ``sender``, with the heavy packages each
loaded. ``--code DIR`` runs another checkout's code with this environment, to compare
before and after a change. Target (issue 15): at most 200 MB idle. Prints figures and
asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROLES = ("all", "poller", "sender")
HEAVY = ("aiogram", "aiohttp", "sqlalchemy", "alembic", "datasketch", "scipy", "apscheduler")
STARTED_WITHIN = 120.0
# Runs the service, then reports what it imported when asked with SIGUSR1.
PROBE = """
import signal, sys
def report(*_):
    heavy = {HEAVY!r}
    loaded = sorted({{name.split('.')[0] for name in sys.modules}} & set(heavy))
    print('loaded=' + ','.join(loaded), file=sys.stderr, flush=True)
signal.signal(signal.SIGUSR1, report)
from bot.cli import main
raise SystemExit(main())
"""


def status_kb(pid: int) -> dict[str, int]:
    text = Path(f"/proc/{pid}/status").read_text()
    return {key: int(value) for key, value in re.findall(r"^(VmRSS|VmHWM):\s+(\d+) kB", text, re.M)}


def measure(role: str, settle: float, code: Path | None) -> tuple[dict[str, int], str]:
    with tempfile.TemporaryDirectory(prefix="lookout-idle-") as scratch:
        env = {key: value for key, value in os.environ.items() if not key.startswith("LOOKOUT_")}
        env["LOOKOUT_DATABASE_URL"] = f"sqlite+aiosqlite:///{scratch}/lookout.db"
        if code is not None:
            env["PYTHONPATH"] = str(code)
        log = Path(scratch) / "stderr.log"
        with log.open("wb") as err:
            process = subprocess.Popen(  # noqa: S603  # this interpreter, a fixed script
                [
                    sys.executable,
                    "-c",
                    PROBE.format(HEAVY=HEAVY),
                    "run",
                    "--watch",
                    "drone",
                    *([] if role == "all" else ["--role", role]),
                ],
                cwd=scratch,
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=err,
            )
        try:
            deadline = time.monotonic() + STARTED_WITHIN
            while "service_started" not in log.read_text(errors="replace"):
                if time.monotonic() > deadline or process.poll() is not None:
                    raise RuntimeError(log.read_text(errors="replace")[-2000:])
                time.sleep(0.2)
            time.sleep(settle)
            figures = status_kb(process.pid)
            process.send_signal(signal.SIGUSR1)
            time.sleep(0.5)
            found = re.findall(r"loaded=(\S*)", log.read_text(errors="replace"))
        finally:
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=30)
    return figures, found[-1] if found else "?"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--settle", type=float, default=5.0)
    parser.add_argument("--code", type=Path)
    args = parser.parse_args()
    print(f"idle `lookout run --watch drone`, no source, SQLite; settle {args.settle:g} s")
    for role in ROLES:
        figures, loaded = measure(role, args.settle, args.code)
        print(
            f"role {role:6}  VmRSS {figures['VmRSS'] / 1024:6.1f} MB  "
            f"VmHWM {figures['VmHWM'] / 1024:6.1f} MB  heavy imports: {loaded or '-'}"
        )


if __name__ == "__main__":
    main()
