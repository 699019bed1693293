"""Alert messages as Telegram HTML.

Every piece of source or user text is escaped (`<`, `>`, `&`); the only markup is
ours. Matched terms are set in bold where they occur in the text. A message never
exceeds Telegram's 4096 characters after entities: the post text is trimmed first.
"""

from __future__ import annotations

import re
from html import escape
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from alerts.outbox import PendingAlert

TELEGRAM_TEXT_LIMIT = 4096
# Room for source, regions, link and ellipsis around the trimmed body.
BODY_LIMIT = 3000
ELLIPSIS = "…"
# What separates a repeated title from the rest: punctuation, spaces, em and en dashes.
TITLE_TRAILERS = " .:;,-\n\u2014\u2013"


def render_alert(alert: PendingAlert) -> str:
    if alert.notice is not None:
        return escape(_trim(alert.notice, TELEGRAM_TEXT_LIMIT - 100))
    lines = [f"<b>{escape(alert.source_name)}</b>"]
    headline, body = _headline_and_body(alert)
    if headline:
        lines.append(_emphasize(headline, alert.terms))
    if body:
        lines.append(_emphasize(_trim(body, BODY_LIMIT), alert.terms))
    tags = [*alert.regions, *alert.topics]
    if tags:
        lines.append("📍 " + escape(", ".join(tags)))
    if alert.url:
        lines.append(escape(alert.url))
    return "\n".join(lines)


def render_alert_plain(alert: PendingAlert) -> str:
    """The same alert without markup, for when Telegram refuses our HTML."""
    if alert.notice is not None:
        return alert.notice[:TELEGRAM_TEXT_LIMIT]
    headline, body = _headline_and_body(alert)
    parts = [alert.source_name, headline, _trim(body, BODY_LIMIT), alert.url or ""]
    return "\n".join(part for part in parts if part)[:TELEGRAM_TEXT_LIMIT]


def render_console(alert: PendingAlert) -> str:
    if alert.notice is not None:
        return f"[notice] {alert.notice}"
    headline, _body = _headline_and_body(alert)
    tags = ", ".join([*alert.regions, *alert.topics])
    suffix = f" [{tags}]" if tags else ""
    return f"[{alert.source_name}] {headline}{suffix}\n    {alert.url or ''}".rstrip()


def _headline_and_body(alert: PendingAlert) -> tuple[str, str]:
    title = alert.title.strip()
    text = alert.text.strip()
    if title:
        # Feeds often repeat the title at the start of the description.
        body = text[len(title) :].lstrip(TITLE_TRAILERS) if text.startswith(title) else text
        return _trim(title, 300), body
    first, _, rest = text.partition("\n")
    return _trim(first.strip(), 300), rest.strip()


def _trim(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    if space > limit // 2:
        cut = cut[:space]
    return cut + ELLIPSIS


def _emphasize(text: str, terms: tuple[str, ...]) -> str:
    """Escape `text`, setting each occurrence of a matched term in bold."""
    words = sorted({term for term in terms if term.strip()}, key=len, reverse=True)
    if not words:
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
