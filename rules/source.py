"""A source's key: the one comparable form of every spelling of a channel or a feed.

This is the definition of a source's identity. `alerts` stores the key on each source
when it is added (`Source.key`), rules name sources by it (``source:``), and two sources
with one key are one source.

Contract of ``source_key(value)``:

- A Telegram channel (``@Kursk_Gov``, ``kursk_gov``, ``t.me/kursk_gov``,
  ``https://telegram.dog/s/Kursk_Gov/15``, any host of `TELEGRAM_HOSTS`, with or without
  ``www.``) gives ``@kursk_gov``: usernames are case-insensitive.
- A feed URL or a host gives ``host`` or ``host/path``: no scheme (``http`` and ``https``
  name one feed), host lower-cased, IDNA-encoded (``президент.рф`` and
  ``xn--d1abbgf6aiiy.xn--p1ai`` are one host), without ``www.``, its port kept; the path
  and query lower-cased, without a trailing slash or fragment, percent-encoded in one way
  (Cyrillic typed or encoded meet).
- Anything else gives None. The function never raises and is idempotent: a key is its
  own key.

Keys hold no whitespace, quotes, parentheses or ``|``, so a person can type one in a
rule. ``post_source_keys(keys)`` adds to a post's source keys the host of each feed,
so ``source:example.com`` matches every feed of that host.

`monitors.locator` tells channels from feeds by the same `TELEGRAM_HOSTS` (the two
packages may not import each other); a test holds the two lists equal.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING
from urllib.parse import quote, unquote

if TYPE_CHECKING:
    from collections.abc import Iterable

TELEGRAM_HOSTS = frozenset({"t.me", "telegram.me", "telegram.dog"})
"""Hosts of public channel pages, without ``www.``."""

_CHANNEL_RE = re.compile(r"[a-z0-9_]{1,64}")
_HOST_RE = re.compile(r"[a-z0-9_-]+(?:\.[a-z0-9_-]+)*|\[[0-9a-f:.]+\]")
_NETLOC_RE = re.compile(r"(.+?)(:\d{1,5})?")
_SCHEME_RE = re.compile(r"^[a-z][a-z0-9+.-]*://")
# What a path keeps literally; the rest (quotes, parentheses, |, non-ASCII) is encoded.
_PATH_SAFE = "/:@!$&'*+,;=-._~?"


def _channel(name: str) -> str | None:
    return f"@{name}" if _CHANNEL_RE.fullmatch(name) else None


def _host(netloc: str) -> str | None:
    found = _NETLOC_RE.fullmatch(netloc)
    if found is None:
        return None
    host, port = found.group(1).rstrip(".").removeprefix("www."), found.group(2) or ""
    if not host.isascii():
        try:
            # The stdlib IDNA codec also lower-cases and maps full-width dots.
            host = host.encode("idna").decode("ascii")
        except UnicodeError:
            return None
    return host + port if _HOST_RE.fullmatch(host) else None


def _url(value: str) -> str | None:
    host, _, path = _SCHEME_RE.sub("", value).partition("/")
    key_host = _host(host)
    if key_host is None:
        return None
    path = path.split("#", 1)[0]
    if any(ch.isspace() for ch in path):
        return None
    if key_host in TELEGRAM_HOSTS:
        parts = [part for part in path.split("?", 1)[0].split("/") if part]
        if parts[:1] == ["s"]:
            parts = parts[1:]
        return _channel(parts[0]) if parts else None
    path = quote(unquote(path).lower(), safe=_PATH_SAFE).lower().rstrip("/")
    return f"{key_host}/{path}" if path else key_host


def source_key(value: str) -> str | None:
    """The key of a channel, URL or host (see the module contract)."""
    value = value.strip().lower()
    if value.startswith("@"):
        return _channel(value[1:])
    if "." not in value and "/" not in value:
        return _channel(value)
    return _url(value)


def stored_key(locator: str, *, channel: bool) -> str:
    """The key a source is stored with: of ``@locator`` for a channel, else of the URL.

    A feed URL with a host this contract does not read (odd characters that a fetch
    still accepts) keeps its lower-cased URL: a key no other source has.
    """
    return source_key(f"@{locator}" if channel else locator) or locator.strip().lower()


def post_source_keys(names: Iterable[str]) -> frozenset[str]:
    """Keys of a post's sources (keys or any spelling), each feed also by its host."""
    keys: set[str] = set()
    for name in names:
        key = source_key(name)
        if key is not None:
            keys.add(key)
            keys.add(key.split("/", 1)[0])
    return frozenset(keys)
