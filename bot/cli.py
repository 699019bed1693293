"""The `lookout` command: run the service, check rules, manage sources.

Each command lives in its own module under `bot.commands`, imported only when it runs,
so a quick command never pays for the service's imports (aiogram, SQLAlchemy).

Exit codes: 0 success, 1 a runtime failure (a source refused, the database
unreachable), 2 bad input (a rule that does not parse, a malformed source).
"""

from __future__ import annotations

import argparse
import importlib
import sys
from typing import TYPE_CHECKING

from bot.commands.common import EXIT_FAILURE, CommandFailed

if TYPE_CHECKING:
    from collections.abc import Sequence

COMMANDS = {
    "run": "bot.commands.run",
    "check": "bot.commands.check",
    "dedup": "bot.commands.dedup",
    "sources": "bot.commands.sources",
    "regions": "bot.commands.regions",
    "health": "bot.commands.health",
}


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    command = importlib.import_module(COMMANDS[args.command])
    try:
        code: int = command.run(args)
    except CommandFailed as exc:
        print(f"lookout: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        return EXIT_FAILURE
    return code


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="lookout", description=__doc__)
    parser.add_argument(
        "--log-level", default="INFO", choices=["DEBUG", "INFO", "WARNING", "ERROR"]
    )
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("run", help="poll sources, match, deliver alerts")
    run.add_argument(
        "--watch",
        action="append",
        default=[],
        metavar="RULE",
        help="a rule for the terminal (without a bot token); repeat for more",
    )
    run.add_argument(
        "--role",
        choices=["all", "poller", "sender", "bot"],
        default="all",
        help="what this process does; on PostgreSQL processes of any roles share the work",
    )
    check_cmd = commands.add_parser("check", help="match a rule against text or JSON lines")
    check_cmd.add_argument("rule")
    check_cmd.add_argument("text", nargs="?", help="text to match; JSON lines on stdin otherwise")
    commands.add_parser(
        "dedup", help="group JSON-lines posts on stdin into stories: {id, story} per post"
    )
    commands.add_parser(
        "health", help="ask the local `lookout run` for /healthz: exit 0 when healthy"
    )
    sources = commands.add_parser("sources", help="manage sources")
    actions = sources.add_subparsers(dest="action", required=True)
    add = actions.add_parser("add", help="add a feed URL or @channel")
    add.add_argument("source", metavar="URL-or-@channel")
    imports = actions.add_parser(
        "import", help="add every source a YAML file lists; importing again adds none twice"
    )
    imports.add_argument("file", metavar="FILE")
    actions.add_parser("list", help="list sources")
    regions = commands.add_parser("regions", help="region keys and their names")
    regions.add_argument("query", nargs="?", help="a key or a name, in any language and form")
    regions.add_argument("--lang", default="en", choices=["en", "ru", "uk"])
    return parser
