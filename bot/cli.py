"""The `lookout` command: run the service, check rules, manage sources.

Exit codes: 0 success, 1 a runtime failure (a source refused, the database
unreachable), 2 bad input (a rule that does not parse, a malformed source).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from typing import TYPE_CHECKING, TextIO

from pydantic import ValidationError

from alerts import migrate
from alerts.db import create_engine, session_factory
from alerts.sources import SourceRejected, add_source, display_name, list_sources
from alerts.stories.dedup import dedup
from bot.app import run_service
from bot.logs import configure_logging
from bot.settings import Settings
from monitors.fetcher import Fetcher, user_agent
from rules.check import check
from rules.errors import RuleSyntaxError
from rules.lexicon import Lexicon

if TYPE_CHECKING:
    from collections.abc import Iterator, Sequence

EXIT_FAILURE = 1
EXIT_USAGE = 2


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    configure_logging(args.log_level)
    try:
        settings = Settings()
    except ValidationError as exc:
        print(f"lookout: bad setting: {exc}", file=sys.stderr)
        return EXIT_USAGE
    handler = {
        "run": _run,
        "check": _check,
        "dedup": _dedup,
        "sources": _sources,
    }[args.command]
    try:
        return handler(args, settings)
    except KeyboardInterrupt:
        return EXIT_FAILURE


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
    check_cmd = commands.add_parser("check", help="match a rule against text or JSON lines")
    check_cmd.add_argument("rule")
    check_cmd.add_argument("text", nargs="?", help="text to match; JSON lines on stdin otherwise")
    commands.add_parser(
        "dedup", help="group JSON-lines posts on stdin into stories: {id, story} per post"
    )
    sources = commands.add_parser("sources", help="manage sources")
    actions = sources.add_subparsers(dest="action", required=True)
    add = actions.add_parser("add", help="add a feed URL or @channel")
    add.add_argument("source", metavar="URL-or-@channel")
    actions.add_parser("list", help="list sources")
    return parser


def _run(args: argparse.Namespace, settings: Settings) -> int:
    if settings.bot_token is None and not args.watch:
        print(
            "lookout: no LOOKOUT_BOT_TOKEN: alerts print here. "
            "Give rules with --watch WORD to see any.",
            file=sys.stderr,
        )
    try:
        asyncio.run(run_service(settings, watch=args.watch, out=sys.stdout))
    except RuleSyntaxError as exc:
        print(f"lookout: bad rule: {exc}", file=sys.stderr)
        return EXIT_USAGE
    return 0


def _check(args: argparse.Namespace, _settings: Settings) -> int:
    lexicon = Lexicon.load()
    posts = [{"id": None, "text": args.text}] if args.text is not None else _json_lines(sys.stdin)
    try:
        for result in check(args.rule, posts, lexicon):
            _print_json(result, sys.stdout)
    except RuleSyntaxError as exc:
        print(f"lookout: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except ValueError as exc:
        print(f"lookout: bad input: {exc}", file=sys.stderr)
        return EXIT_USAGE
    return 0


def _dedup(_args: argparse.Namespace, _settings: Settings) -> int:
    try:
        for result in dedup(_json_lines(sys.stdin)):
            _print_json(result, sys.stdout)
    except ValueError as exc:
        print(f"lookout: bad input: {exc}", file=sys.stderr)
        return EXIT_USAGE
    return 0


def _json_lines(stream: TextIO) -> Iterator[dict[str, object]]:
    for number, line in enumerate(stream, start=1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except json.JSONDecodeError as exc:
            raise ValueError(f"line {number} is not JSON: {exc.msg}") from exc
        if not isinstance(item, dict) or not isinstance(item.get("text"), str):
            raise ValueError(f'line {number} needs an object with a "text" string')
        yield item


def _print_json(value: object, out: TextIO) -> None:
    out.write(json.dumps(value, ensure_ascii=False) + "\n")
    out.flush()


def _sources(args: argparse.Namespace, settings: Settings) -> int:
    return asyncio.run(_sources_async(args, settings))


async def _sources_async(args: argparse.Namespace, settings: Settings) -> int:
    engine = create_engine(settings.database_url)
    try:
        await migrate.upgrade(engine)
        sessions = session_factory(engine)
        if args.action == "list":
            async with sessions() as session:
                for source in await list_sources(session):
                    print(
                        f"{source.id}\t{source.kind.value}\t{source.state.value}\t"
                        f"{source.locator}\t{display_name(source)}"
                    )
            return 0
        async with Fetcher(
            allow_private_networks=settings.allow_private_networks,
            user_agent=user_agent(settings.contact_url),
        ) as fetcher:
            try:
                added = await add_source(
                    sessions,
                    fetcher,
                    args.source,
                    telegram_web_url=settings.telegram_web_url,
                    poll_interval=settings.poll_interval,
                )
            except SourceRejected as exc:
                print(f"lookout: cannot add {args.source}: {exc}", file=sys.stderr)
                return EXIT_FAILURE
        posts = "post" if added.baseline_posts == 1 else "posts"
        verb = (
            "already there"
            if added.existed
            else f"added, {added.baseline_posts} {posts} as baseline"
        )
        print(f"{added.source.id}\t{display_name(added.source)}\t{verb}")
        return 0
    finally:
        await engine.dispose()
