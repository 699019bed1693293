"""How fast the quick commands answer: wall time of whole processes, cold, and what they import.

    .venv/bin/python -m bench.cli_startup [--runs 3]

Runs each command as a user does (a new process, the installed ``lookout`` script) and
prints the median wall time of ``--runs`` runs, then the ten slowest imports of
``lookout check`` by ``python -X importtime``. Target: ``lookout check`` at most 1.0 s.
Prints figures and asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

LOOKOUT = Path(sys.executable).with_name("lookout")
RULE = "дрон* region:kursk"
TEXT = "Над Курской областью сбит дрон"
COMMANDS = {
    "lookout --help": ["--help"],
    "lookout check RULE TEXT": ["check", RULE, TEXT],
    "lookout dedup (1 post)": ["dedup"],
}
DEDUP_INPUT = (
    '{"id": 1, "source": "@a", "text": "Сбит дрон", "url": null,'
    ' "published_at": "2026-05-01T10:00:00Z"}\n'
)


def wall_seconds(args: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(  # noqa: S603  # our own script, fixed arguments
        [str(LOOKOUT), *args],
        input=DEDUP_INPUT if args == ["dedup"] else "",
        capture_output=True,
        text=True,
        check=True,
    )
    return time.perf_counter() - started


def slowest_imports(count: int = 10) -> list[tuple[int, str]]:
    code = "import sys; from bot.cli import main; sys.argv[1:] = ['check', 'x', 'y']; main()"
    result = subprocess.run(  # noqa: S603  # this interpreter, fixed arguments
        [sys.executable, "-X", "importtime", "-c", code],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
    )
    timings: list[tuple[int, str]] = []
    for line in result.stderr.splitlines():
        if not line.startswith("import time:") or "cumulative" in line:
            continue
        _self, cumulative, name = line.removeprefix("import time:").split("|")
        if not name.startswith("  "):  # top-level imports only: nested ones are inside
            timings.append((int(cumulative), name.strip()))
    return sorted(timings, reverse=True)[:count]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=3)
    runs = parser.parse_args().runs
    for label, args in COMMANDS.items():
        times = [wall_seconds(args) for _ in range(runs)]
        print(
            f"{label:<28} median {statistics.median(times):.2f} s  (runs: "
            + ", ".join(f"{t:.2f}" for t in times)
            + ")"
        )
    print("slowest top-level imports of `lookout check` (cumulative):")
    for microseconds, name in slowest_imports():
        print(f"  {microseconds / 1000:8.1f} ms  {name}")


if __name__ == "__main__":
    main()
