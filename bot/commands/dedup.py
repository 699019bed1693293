"""``lookout dedup``: group JSON-lines posts on stdin into stories (no database)."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

from alerts.stories.dedup import dedup
from bot.commands.common import EXIT_USAGE, CommandFailed, json_lines, print_json

if TYPE_CHECKING:
    import argparse


def run(_args: argparse.Namespace) -> int:
    try:
        for result in dedup(json_lines(sys.stdin)):
            print_json(result, sys.stdout)
    except ValueError as exc:
        raise CommandFailed(f"bad input: {exc}", EXIT_USAGE) from exc
    return 0
