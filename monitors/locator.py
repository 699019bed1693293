"""What a person types to name a source, and the `SourceRef` it means.

Accepted forms (surrounding whitespace ignored):

- a feed: an ``http://`` or ``https://`` URL with a host, no spaces, no
  credentials; kept as typed except that scheme and host are lower-cased;
- a public Telegram channel: ``@name``, ``t.me/name``, ``https://t.me/name``,
  ``https://t.me/s/name`` (on any host of `TELEGRAM_HOSTS`, with or without
  ``www.``), optionally with a trailing post number or slash, which are dropped.
  A name has 4-32 characters from ``[A-Za-z0-9_]`` and starts with a letter; it
  is kept as typed, since Telegram names are case-insensitive but people like
  their capitals.

Anything else raises `BadSourceError` (a `ValueError`) whose message says what
is wrong in words a bot user understands.

Which source a `SourceRef` is (its key: every spelling of one channel or feed in one
form) is decided by `rules.source.source_key`, which `alerts` stores on the source.
`TELEGRAM_HOSTS` here must equal the list there (the packages may not import each
other): a test holds them equal.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal
from urllib.parse import urlsplit, urlunsplit

_CHANNEL_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]{3,31}")
TELEGRAM_HOSTS = frozenset({"t.me", "telegram.me", "telegram.dog"})
"""Hosts of public channel pages, without ``www.``."""
_TELEGRAM_HOSTS = TELEGRAM_HOSTS | {f"www.{host}" for host in TELEGRAM_HOSTS}
# Paths under t.me that are not channels; "s" is the preview prefix itself.
_TELEGRAM_RESERVED = frozenset({"joinchat", "addstickers", "share", "proxy", "socks", "iv"})


class BadSourceError(ValueError):
    """The text does not name a feed URL or a public channel."""


@dataclass(frozen=True, slots=True)
class SourceRef:
    """A source: a feed URL or a channel name (without ``@``)."""

    kind: Literal["feed", "channel"]
    locator: str


def parse_source(text: str) -> SourceRef:
    """Parse what a person typed into a `SourceRef`, or raise `BadSourceError`."""
    text = text.strip()
    if not text:
        raise BadSourceError("give a feed URL (https://…) or a channel (@name)")
    if any(ch.isspace() for ch in text):
        raise BadSourceError("a source is one URL or @name, without spaces")
    if text.startswith("@"):
        return _channel(text[1:])
    lowered = text.lower()
    if lowered.split("/", 1)[0] in _TELEGRAM_HOSTS:
        return _telegram_url("https://" + text)
    scheme, sep, _ = text.partition(":")
    if not sep or "." in scheme:
        raise BadSourceError(
            f"{text!r} is neither a URL (https://…) nor a channel (@name, t.me/name)"
        )
    if scheme.lower() not in ("http", "https"):
        raise BadSourceError(f"only http:// and https:// feeds are supported, not {scheme}:")
    parts = urlsplit(text)
    if (parts.hostname or "") in _TELEGRAM_HOSTS:
        return _telegram_url(text)
    return SourceRef("feed", _feed_url(text))


def _feed_url(text: str) -> str:
    try:
        parts = urlsplit(text)
        host = parts.hostname
        port = parts.port
    except ValueError as exc:
        raise BadSourceError(f"{text!r} is not a valid URL: {exc}") from None
    if not host or not parts.netloc:
        raise BadSourceError(f"{text!r} has no host name")
    if parts.username is not None or parts.password is not None:
        raise BadSourceError("feed URLs with a user name or password are not supported")
    netloc = f"[{host}]" if ":" in host else host
    if port is not None:
        netloc += f":{port}"
    return urlunsplit((parts.scheme.lower(), netloc, parts.path or "/", parts.query, ""))


def _telegram_url(text: str) -> SourceRef:
    segments = [seg for seg in urlsplit(text).path.split("/") if seg]
    if segments and segments[0] == "s":
        segments = segments[1:]
    if not segments:
        raise BadSourceError("that Telegram link names no channel; use t.me/name")
    name = segments[0]
    if name.lower() in _TELEGRAM_RESERVED or name.startswith("+"):
        raise BadSourceError("only public channels can be watched, not invite or share links")
    if len(segments) > 2 or (len(segments) == 2 and not segments[1].isdigit()):
        raise BadSourceError(f"{text!r} is not a channel link; use t.me/name")
    return _channel(name)


def _channel(name: str) -> SourceRef:
    if not _CHANNEL_NAME.fullmatch(name):
        raise BadSourceError(
            f"@{name} is not a channel name: 4-32 letters, digits or _, starting with a letter"
        )
    return SourceRef("channel", name)
