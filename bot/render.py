"""Alert messages as Telegram HTML, as plain text, and for the terminal.

Contract:
- every piece of source or user text is escaped (`<`, `>`, `&`); the only markup is
  ours: the source in bold, matched words in bold, links;
- an alert reads: source and time (in the chat's zone); the headline; the post text,
  trimmed; a line of the regions and topics hit; the link; then, once other sources
  report the same story, "Also:" with links to them (at most `ALSO_SHOWN`, then
  "+N more") and "✅ confirmed by …" when one of them is official;
- the message never exceeds Telegram's 4096 characters as Telegram counts them (UTF-16
  code units of the visible text): the post text gives way first, then the headline.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from html import escape
from typing import TYPE_CHECKING, Protocol
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

if TYPE_CHECKING:
    from alerts.outbox import PendingAlert, StorySource

TELEGRAM_TEXT_LIMIT = 4096
HEADLINE_LIMIT = 300
SOURCE_LIMIT = 100
LINK_LIMIT = 1024
ALSO_SHOWN = 5
ELLIPSIS = "…"
# What separates a repeated title from the rest: punctuation, spaces, em and en dashes.
TITLE_TRAILERS = " .:;,-\n\u2014\u2013"


class TagNames(Protocol):
    """Human names of region and topic keys, in a language ("en", "ru", "uk")."""

    def region(self, key: str, language: str) -> str: ...

    def topic(self, key: str, language: str) -> str: ...


@dataclass(frozen=True, slots=True)
class _Piece:
    """A part of a message: its HTML and the length Telegram counts for it."""

    html: str
    length: int


def render_alert(alert: PendingAlert, names: TagNames | None = None) -> str:
    if alert.notice is not None:
        return escape(_trim_units(alert.notice, TELEGRAM_TEXT_LIMIT))
    headline, body = _headline_and_body(alert)
    head = _piece(_header(alert), bold=True)
    tail = [_tags(alert, names), _link(alert.url), *_story(alert)]
    fixed = head.length + sum(piece.length for piece in tail if piece.length) + 8
    headline = _trim_units(headline, min(HEADLINE_LIMIT, TELEGRAM_TEXT_LIMIT - fixed))
    room = TELEGRAM_TEXT_LIMIT - fixed - _units(headline) - 2
    body = _trim_units(body, room) if room > 0 else ""
    parts = [head.html, _emphasize(headline, alert.terms), _emphasize(body, alert.terms)]
    parts += [piece.html for piece in tail]
    return "\n".join(part for part in parts if part)


def render_alert_plain(alert: PendingAlert) -> str:
    """The same alert without markup, for when Telegram refuses our HTML."""
    if alert.notice is not None:
        return _trim_units(alert.notice, TELEGRAM_TEXT_LIMIT)
    headline, body = _headline_and_body(alert)
    also = ", ".join(source.name for source in alert.also)
    parts = [_header(alert), headline, body, alert.url or "", f"Also: {also}" if also else ""]
    return _trim_units("\n".join(part for part in parts if part), TELEGRAM_TEXT_LIMIT)


def render_console(alert: PendingAlert, *, update: bool = False) -> str:
    if alert.notice is not None:
        return f"[notice] {alert.notice}"
    headline, _body = _headline_and_body(alert)
    tags = ", ".join([*alert.regions, *alert.topics])
    suffix = f" [{tags}]" if tags else ""
    also = ", ".join(source.name for source in alert.also)
    lines = [
        f"{'[update] ' if update else ''}[{alert.source_name}] {headline}{suffix}",
        f"    {alert.url or ''}",
        f"    also: {also}" if also else "",
    ]
    return "\n".join(line.rstrip() for line in lines if line.strip())


def _header(alert: PendingAlert) -> str:
    name = _trim_units(alert.source_name, SOURCE_LIMIT)
    if alert.published_at is None:
        return name
    try:
        zone = ZoneInfo(alert.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        zone = ZoneInfo("UTC")
    return f"{name} · {alert.published_at.astimezone(zone):%H:%M}"


def _tags(alert: PendingAlert, names: TagNames | None) -> _Piece:
    language = alert.language or "en"
    regions = [names.region(key, language) if names else key for key in alert.regions]
    topics = [names.topic(key, language) if names else key for key in alert.topics]
    text = ", ".join([*regions, *topics])
    return _piece(f"📍 {text}") if text else _Piece("", 0)


def _link(url: str | None) -> _Piece:
    if not url or len(url) > LINK_LIMIT:
        return _Piece("", 0)
    return _piece(url)


def _story(alert: PendingAlert) -> list[_Piece]:
    if not alert.also:
        return [_piece("✅ official source")] if alert.official else []
    pieces = [_also(alert.also)]
    official = next((source for source in alert.also if source.official), None)
    if alert.official:
        pieces.append(_piece("✅ official source"))
    elif official is not None:
        pieces.append(_piece(f"✅ confirmed by {_trim_units(official.name, SOURCE_LIMIT)}"))
    return pieces


def _also(sources: tuple[StorySource, ...]) -> _Piece:
    shown = sources[:ALSO_SHOWN]
    links, visible = [], []
    for source in shown:
        name = _trim_units(source.name, SOURCE_LIMIT)
        visible.append(name)
        if source.url and len(source.url) <= LINK_LIMIT:
            links.append(f'<a href="{escape(source.url, quote=True)}">{escape(name)}</a>')
        else:
            links.append(escape(name))
    more = len(sources) - len(shown)
    extra = f" +{more} more" if more > 0 else ""
    text = "Also: " + ", ".join(visible) + extra
    return _Piece("Also: " + ", ".join(links) + extra, _units(text))


def _piece(text: str, *, bold: bool = False) -> _Piece:
    html = f"<b>{escape(text)}</b>" if bold else escape(text)
    return _Piece(html, _units(text))


def _headline_and_body(alert: PendingAlert) -> tuple[str, str]:
    title = alert.title.strip()
    text = alert.text.strip()
    if title:
        # Feeds often repeat the title at the start of the description.
        body = text[len(title) :].lstrip(TITLE_TRAILERS) if text.startswith(title) else text
        return title, body
    first, _, rest = text.partition("\n")
    return first.strip(), rest.strip()


def _units(text: str) -> int:
    """Length as Telegram counts it: UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


def _trim_units(text: str, limit: int) -> str:
    """At most `limit` UTF-16 units, cut at a space where one is near, with an ellipsis."""
    if _units(text) <= limit:
        return text
    if limit <= 1:
        return ""
    cut = text[: limit - 1]
    while _units(cut) > limit - 1:
        cut = cut[:-1]
    space = cut.rfind(" ")
    if space > len(cut) // 2:
        cut = cut[:space]
    return cut + ELLIPSIS


def _emphasize(text: str, terms: tuple[str, ...]) -> str:
    """Escape `text`, setting each whole-word occurrence of a matched term in bold."""
    words = sorted({term for term in terms if term.strip()}, key=len, reverse=True)
    if not words or not text:
        return escape(text)
    alternatives = "|".join(re.escape(word) for word in words)
    pattern = re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)", re.IGNORECASE)
    out: list[str] = []
    last = 0
    for found in pattern.finditer(text):
        out.append(escape(text[last : found.start()]))
        out.append(f"<b>{escape(found.group())}</b>")
        last = found.end()
    out.append(escape(text[last:]))
    return "".join(out)
