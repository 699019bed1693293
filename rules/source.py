"""Source names as rules and posts spell them, reduced to one comparable key.

Contract: ``source_key(value)`` maps a Telegram channel (``@Kursk_Gov``, ``kursk_gov``,
``t.me/kursk_gov``, ``https://t.me/s/kursk_gov``) to ``@kursk_gov``, and a feed URL or
host (``https://www.Example.com/feed/``) to ``example.com/feed`` or ``example.com``;
anything else gives None. ``post_source_keys(names)`` gives the keys of a post's sources
plus the host of every URL among them, so ``source:example.com`` matches every feed of
that host. Keys contain no whitespace, quotes, parentheses or ``|``.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterable

_CHANNEL_RE = re.compile(r"[a-z0-9_]{1,64}")
_HOST_RE = re.compile(r"[a-z0-9-]+(?:\.[a-z0-9-]+)+(?::\d{1,5})?")
_PATH_RE = re.compile(r"[^\s\"()|“”«»]*")
_TELEGRAM_HOSTS = frozenset({"t.me", "telegram.me", "telegram.dog"})


def _channel(name: str) -> str | None:
    return f"@{name}" if _CHANNEL_RE.fullmatch(name) else None


def _url(value: str) -> str | None:
    rest = re.sub(r"^[a-z][a-z0-9+.-]*://", "", value)
    host, _, path = rest.partition("/")
    host = host.removeprefix("www.")
    if not _HOST_RE.fullmatch(host) or not _PATH_RE.fullmatch(path):
        return None
    path = path.split("#", 1)[0].rstrip("/")
    if host in _TELEGRAM_HOSTS:
        parts = [part for part in path.split("/") if part]
        if parts[:1] == ["s"]:
            parts = parts[1:]
        return _channel(parts[0]) if parts else None
    return f"{host}/{path}" if path else host


def source_key(value: str) -> str | None:
    """Comparable key of a channel, URL or host (see the module contract)."""
    value = value.strip().lower()
    if value.startswith("@"):
        return _channel(value[1:])
    if "." not in value and "/" not in value:
        return _channel(value)
    return _url(value)


def post_source_keys(names: Iterable[str]) -> frozenset[str]:
    """Keys of a post's sources, each URL also by its host."""
    keys: set[str] = set()
    for name in names:
        key = source_key(name)
        if key is not None:
            keys.add(key)
            keys.add(key.split("/", 1)[0])
    return frozenset(keys)
