"""Entity attacks on the XML parser: refused or stripped, never expanded."""

from __future__ import annotations

import tracemalloc

from monitors.errors import SourceParseError
from monitors.feed import ParsedFeed, parse_feed


def parse(body: bytes) -> ParsedFeed:
    return parse_feed(body, url="https://news.example/feed", content_type=None)


def quadratic_blowup(references: int = 12_000, size: int = 100_000) -> bytes:
    return (
        '<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY a "' + "A" * size + '">]>'
        '<rss version="2.0"><channel><title>q</title><item><guid>1</guid><title>t</title>'
        "<description>" + "&a;" * references + "</description></item></channel></rss>"
    ).encode()


def within_memory(limit: int, body: bytes) -> ParsedFeed | SourceParseError:
    tracemalloc.start()
    try:
        try:
            outcome: ParsedFeed | SourceParseError = parse(body)
        except SourceParseError as exc:
            outcome = exc
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < limit, f"peak {peak / 2**20:.1f} MiB"
    return outcome


def test_quadratic_blowup_is_not_expanded() -> None:
    # Expanded, this is 1.2 GB of text; refused, it is a few hundred KB of work.
    outcome = within_memory(16 * 2**20, quadratic_blowup())
    if isinstance(outcome, ParsedFeed):
        assert all(len(post.text) < 1000 for post in outcome.posts)
        assert any("entities" in problem for problem in outcome.problems)


def test_quadratic_blowup_behind_a_broken_prolog_is_not_expanded() -> None:
    # A malformed comment before the DOCTYPE makes the strict parser fail first;
    # the lenient pass must still never see the entity declarations.
    body = quadratic_blowup().replace(b"?>", b"?><!-- a -- b -->", 1)
    outcome = within_memory(16 * 2**20, body)
    if isinstance(outcome, ParsedFeed):
        assert all(len(post.text) < 100_000 for post in outcome.posts)


def test_billion_laughs_is_not_expanded() -> None:
    lol = '<!ENTITY l0 "lol">' + "".join(
        f'<!ENTITY l{n} "{f"&l{n - 1};" * 10}">' for n in range(1, 10)
    )
    body = (
        f'<?xml version="1.0"?><!DOCTYPE rss [{lol}]><rss version="2.0"><channel>'
        "<title>&l9;</title></channel></rss>"
    ).encode()
    outcome = within_memory(16 * 2**20, body)
    if isinstance(outcome, ParsedFeed):
        assert len(outcome.title) < 1000


def test_external_entity_is_never_read() -> None:
    body = (
        b'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        b'<rss version="2.0"><channel><title>&x;</title></channel></rss>'
    )
    outcome = within_memory(16 * 2**20, body)
    if isinstance(outcome, ParsedFeed):
        assert "root:" not in outcome.title
