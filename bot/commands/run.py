"""``lookout run``: the whole service, built by `bot.app`."""

from __future__ import annotations

import asyncio
import sys
from typing import TYPE_CHECKING

from bot.app import run_service
from bot.commands.common import EXIT_USAGE, CommandFailed, load_settings
from rules.errors import RuleSyntaxError

if TYPE_CHECKING:
    import argparse


def run(args: argparse.Namespace) -> int:
    settings = load_settings(args.log_level)
    if settings.bot_token is None and not args.watch:
        print(
            "lookout: no LOOKOUT_BOT_TOKEN: alerts print here. "
            "Give rules with --watch WORD to see any.",
            file=sys.stderr,
        )
    try:
        asyncio.run(run_service(settings, watch=args.watch, out=sys.stdout))
    except RuleSyntaxError as exc:
        raise CommandFailed(f"bad rule: {exc}", EXIT_USAGE) from exc
    return 0
