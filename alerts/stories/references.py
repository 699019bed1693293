"""`references`: the canonical URLs that tie a post to a story without reading its text.

Contract: ``references(url, forwarded_url, text)`` returns, in this order and without
repeats, the canonical forms (`canonical_url`) of

1. the post's own URL — the same article in two feeds, the same post polled twice;
2. the URL of the original it forwards or reposts (``forwarded_url``);
3. when there is no ``forwarded_url``: links on credit lines ("Источник: t.me/name/5",
   "Read more: https://…", `credited_urls`), and the link of a text that has exactly
   one (a channel's teaser for an article). A text with several links is a digest,
   and its links say nothing about which story it belongs to.

A URL that cannot identify a page — a site's home page, a t.me link that is not a post
(a channel) — is left out: every post of a feed may link the home page.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from alerts.stories.boilerplate import credited_urls, has_links, linked_urls
from alerts.stories.canonical import canonical_origin, canonical_url


def references(url: str | None, forwarded_url: str | None, text: str) -> tuple[str, ...]:
    raw = [url, forwarded_url]
    if forwarded_url is None and has_links(text):
        raw.extend(credited_urls(text))
        linked = linked_urls(text)
        if len(linked) == 1:
            raw.extend(linked)
    found: list[str] = []
    for candidate in raw:
        canonical = canonical_url(candidate) if candidate else None
        if canonical is not None and _identifies(canonical) and canonical not in found:
            found.append(canonical)
    return tuple(found)


def _identifies(canonical: str) -> bool:
    if canonical.startswith("https://t.me/"):
        return canonical_origin(canonical) is not None
    parts = urlsplit(canonical)
    return bool(parts.path or parts.query)
