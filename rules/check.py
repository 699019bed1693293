"""The pure core of ``lookout check RULE [TEXT]``.

Contract: ``check(rule_text, posts, lexicon)`` parses the rule at once — raising
``RuleSyntaxError`` for a bad rule, which the CLI reports and exits 2 on — and returns a
lazy iterator with one result per post, in order:
``{"id", "matched", "terms", "regions", "topics"}`` (lists, empty when not matched).
A post is a mapping with ``"text"`` and optionally ``"id"`` (``None`` when missing) and
``"source"``/``"sources"`` (for ``source:`` terms). The CLI turns each result into one
JSON line; nothing here reads or writes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rules.matcher import Matcher
from rules.syntax import parse_rule

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator, Mapping

    from rules.lexicon import Lexicon
    from rules.matcher import RuleHit

_RULE_ID = 1


def _sources(post: Mapping[str, Any]) -> tuple[str, ...]:
    names = post.get("sources") or ()
    if isinstance(names, str):
        names = (names,)
    single = post.get("source")
    return (*(str(name) for name in names), *((str(single),) if single else ()))


def _result(post: Mapping[str, Any], hit: RuleHit | None) -> dict[str, Any]:
    return {
        "id": post.get("id"),
        "matched": hit is not None,
        "terms": list(hit.terms) if hit else [],
        "regions": list(hit.regions) if hit else [],
        "topics": list(hit.topics) if hit else [],
    }


def _results(matcher: Matcher, posts: Iterable[Mapping[str, Any]]) -> Iterator[dict[str, Any]]:
    for post in posts:
        hits = matcher.match(str(post.get("text") or ""), sources=_sources(post))
        yield _result(post, hits[0] if hits else None)


def check(
    rule_text: str, posts: Iterable[Mapping[str, Any]], lexicon: Lexicon
) -> Iterator[dict[str, Any]]:
    """Parse ``rule_text`` now; match it against ``posts`` as the iterator is consumed."""
    matcher = Matcher(lexicon)
    matcher.add(_RULE_ID, parse_rule(rule_text, lexicon))
    return _results(matcher, posts)
