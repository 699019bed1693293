"""``lookout run [--role all|poller|sender|bot]``: the service, built by `bot.app`.

On SQLite the process first takes the database's lock file (`alerts.store.locks`): a second
`lookout run` on the same file is refused with a message naming the holder.
"""

from __future__ import annotations

import asyncio
import sys
from typing import TYPE_CHECKING

from alerts.store.locks import DatabaseInUse, LockLost, lock_sqlite_database
from alerts.store.migrate import MigrationFailed
from bot.app import Role, StartRefused, run_service
from bot.commands.common import EXIT_USAGE, CommandFailed, load_settings
from rules.errors import RuleSyntaxError

if TYPE_CHECKING:
    import argparse


def run(args: argparse.Namespace) -> int:
    settings = load_settings(args.log_level)
    role = Role(args.role)
    if role is Role.BOT and settings.bot_token is None:
        raise CommandFailed("--role bot answers Telegram: set LOOKOUT_BOT_TOKEN", EXIT_USAGE)
    try:
        # Held until the process ends; the kernel releases it however it ends.
        database_lock = lock_sqlite_database(settings.database_url)
    except DatabaseInUse as exc:
        raise CommandFailed(str(exc)) from exc
    if settings.bot_token is None and not args.watch:
        print(
            "lookout: no LOOKOUT_BOT_TOKEN: alerts print here. "
            "Give rules with --watch WORD to see any.",
            file=sys.stderr,
        )
    try:
        asyncio.run(run_service(settings, watch=args.watch, out=sys.stdout, role=role))
    except RuleSyntaxError as exc:
        raise CommandFailed(f"bad rule: {exc}", EXIT_USAGE) from exc
    except LockLost as exc:
        raise CommandFailed(f"stopping: {exc}") from exc
    except (MigrationFailed, StartRefused) as exc:
        raise CommandFailed(str(exc)) from exc
    finally:
        if database_lock is not None:
            database_lock.close()
    return 0
