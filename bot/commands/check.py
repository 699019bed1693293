"""``lookout check RULE [TEXT]``: match a rule against text or JSON lines (rules only)."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

from bot.commands.common import EXIT_USAGE, CommandFailed, json_lines, print_json
from rules.check import check
from rules.errors import RuleSyntaxError
from rules.lexicon import Lexicon

if TYPE_CHECKING:
    import argparse


def run(args: argparse.Namespace) -> int:
    posts = [{"id": None, "text": args.text}] if args.text is not None else json_lines(sys.stdin)
    try:
        results = check(args.rule, posts, Lexicon.load())
        for result in results:
            print_json(result, sys.stdout)
    except RuleSyntaxError as exc:
        raise CommandFailed(str(exc), EXIT_USAGE) from exc
    return 0
