"""What the commands share: exit codes, the one way a command fails, JSON lines.

A command that cannot go on raises `CommandFailed`; `bot.cli.main` prints its message
once, prefixed with ``lookout:``, and exits with its code. Nothing else prints errors.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:
    from collections.abc import Iterator

    from bot.settings import Settings

EXIT_FAILURE = 1
EXIT_USAGE = 2
SHOWN_URL_LENGTH = 80
"""Longer URLs are shortened in messages: the terminal line is for a person to read."""


class CommandFailed(Exception):
    """The command stops: ``message`` for the person, ``exit_code`` for scripts."""

    def __init__(self, message: str, exit_code: int = EXIT_FAILURE) -> None:
        super().__init__(message)
        self.exit_code = exit_code


def load_settings(log_level: str) -> Settings:
    """Logging set up and the settings read: what every command that touches the world needs.

    Imported here, not at the top: `lookout check` and `dedup` need neither.
    """
    from pydantic import ValidationError  # noqa: PLC0415

    from bot.logs import configure_logging  # noqa: PLC0415
    from bot.settings import Settings  # noqa: PLC0415

    configure_logging(log_level)
    try:
        return Settings()
    except ValidationError as exc:
        raise CommandFailed(f"bad setting: {exc}", EXIT_USAGE) from exc


def shorten_url(url: str, limit: int = SHOWN_URL_LENGTH) -> str:
    """``url`` as it is, or its head and tail around an ellipsis when longer than ``limit``."""
    if len(url) <= limit:
        return url
    tail = limit // 4
    return f"{url[: limit - tail - 1]}…{url[-tail:]}"


def json_lines(stream: TextIO) -> Iterator[dict[str, object]]:
    """Objects with a ``text`` string, one a line; blank lines are skipped."""
    for number, line in enumerate(stream, start=1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except json.JSONDecodeError as exc:
            raise CommandFailed(
                f"bad input: line {number} is not JSON: {exc.msg}", EXIT_USAGE
            ) from exc
        if not isinstance(item, dict) or not isinstance(item.get("text"), str):
            raise CommandFailed(
                f'bad input: line {number} needs an object with a "text" string', EXIT_USAGE
            )
        yield item


def print_json(value: object, out: TextIO) -> None:
    out.write(json.dumps(value, ensure_ascii=False) + "\n")
    out.flush()
