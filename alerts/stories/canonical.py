"""Canonical URLs: one spelling per page, so "same URL" means "same page".

Contract of ``canonical_url(url)``:

- Only absolute ``http``/``https`` URLs with a host have a canonical form; anything
  else (other schemes, relative or scheme-less URLs, garbage) gives None. It never
  raises.
- The scheme becomes ``https``: a page served over both is one page, and feeds still
  hand out ``http`` links to pages channels share as ``https``. The URL is an identity
  here, not an address to fetch.
- The host is lower-cased, IDNA-encoded (``президент.рф`` → ``xn--d1abbgf6aiiy.xn--p1ai``),
  without a trailing dot and without a ``www.`` or ``m.`` prefix; user info is dropped;
  default ports (80, 443) are dropped, other ports kept.
- The path keeps its case, its percent-encoding is normalized (Cyrillic paths compare
  equal whether encoded or not) and a trailing slash is dropped.
- The fragment is dropped; the query loses tracking parameters (`TRACKING_PARAMS`,
  `TRACKING_PREFIXES`) and is sorted.
- Telegram post links take one form: ``https://t.me/{channel}/{post}`` with the channel
  lower-cased (usernames are case-insensitive), whether they came as ``t.me/s/...``,
  ``telegram.me/...`` or with ``?single``/``?comment=`` queries.
- It is idempotent: a canonical URL is its own canonical form.

``telegram_origin(url)`` returns ``(channel, post_id)`` for a public t.me post link,
else None; ``canonical_origin(canonical)`` the same for a URL already canonical.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, quote, unquote_to_bytes, urlencode, urlsplit, urlunsplit

from rules.source import TELEGRAM_HOSTS

TRACKING_PARAMS = frozenset({"fbclid", "gclid", "yclid", "ref", "ref_src", "igshid", "_openstat"})
"""Query parameters that only say who sent the reader (exact names, lower-cased)."""
TRACKING_PREFIXES = ("utm_", "mc_")
"""Query parameter name prefixes of the same kind (Google Analytics, Mailchimp)."""

_SCHEMES = frozenset({"http", "https"})
_DROPPED_HOST_PREFIXES = ("www.", "m.")
# Telegram usernames: a letter, then letters, digits and underscores; 4 characters is the
# floor for old usernames, 32 the ceiling.
_TELEGRAM_POST = re.compile(r"/(?:s/)?([a-z][a-z0-9_]{3,31})/(\d{1,12})(?:/\d{1,12})?", re.I)
_TELEGRAM_PREVIEW = re.compile(r"^/s/")
# RFC 3986 unreserved characters plus the sub-delimiters and separators a path may hold
# literally; everything else is percent-encoded, so both spellings meet in one form.
_HOST = re.compile(r"[a-z0-9.\-_:]+")
# A Telegram post link already in its canonical form: most posts' own URLs are.
_CANONICAL_POST = re.compile(r"https://t\.me/[a-z][a-z0-9_]{3,31}/(?:0|[1-9][0-9]{0,11})")
_PATH_SAFE = "/:@!$&'()*+,;=-._~"


def canonical_url(url: str) -> str | None:
    """The canonical form of ``url``; see the module docstring."""
    if _CANONICAL_POST.fullmatch(url):
        return url
    try:
        parts = urlsplit(url.strip())
        scheme = parts.scheme.lower()
        if scheme not in _SCHEMES or not parts.hostname:
            return None
        host = _canonical_host(parts.hostname)
        port = parts.port
    except (ValueError, UnicodeError):
        return None
    if host is None:
        return None
    path = quote(unquote_to_bytes(parts.path), safe=_PATH_SAFE).rstrip("/")
    if host in TELEGRAM_HOSTS:
        origin = _telegram_post(path)
        if origin is not None:
            return f"https://t.me/{origin[0]}/{origin[1]}"
        host, path = "t.me", _TELEGRAM_PREVIEW.sub("/", path).lower()
    if ":" in host:
        host = f"[{host}]"  # an IPv6 literal
    netloc = host if port in (None, 80, 443) else f"{host}:{port}"
    return urlunsplit(("https", netloc, path, _canonical_query(parts.query), ""))


def telegram_origin(url: str) -> tuple[str, int] | None:
    """``(channel, post_id)`` of a public Telegram post link, channel lower-cased."""
    canonical = canonical_url(url)
    return None if canonical is None else canonical_origin(canonical)


def canonical_origin(canonical: str) -> tuple[str, int] | None:
    """`telegram_origin` of a URL already in canonical form, without reading it again."""
    if not canonical.startswith("https://t.me/"):
        return None
    return _telegram_post(canonical[len("https://t.me") :])


def _canonical_host(hostname: str) -> str | None:
    host = hostname.rstrip(".")
    if not host:
        return None
    if not host.isascii():
        # The stdlib IDNA codec (2003) also lower-cases and maps full-width dots.
        host = host.encode("idna").decode("ascii")
    host = host.lower()
    if any(not label for label in host.split(".")) or not _HOST.fullmatch(host):
        return None
    for prefix in _DROPPED_HOST_PREFIXES:
        if host.startswith(prefix) and "." in host[len(prefix) :]:
            return host[len(prefix) :]
    return host


def _telegram_post(path: str) -> tuple[str, int] | None:
    found = _TELEGRAM_POST.fullmatch(path)
    if found is None:
        return None
    return found.group(1).lower(), int(found.group(2))


def _canonical_query(query: str) -> str:
    pairs = [
        (name, value)
        for name, value in parse_qsl(query, keep_blank_values=True)
        if not _is_tracking(name.lower())
    ]
    return urlencode(sorted(pairs), quote_via=quote)


def _is_tracking(name: str) -> bool:
    return name in TRACKING_PARAMS or name.startswith(TRACKING_PREFIXES)
