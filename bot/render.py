"""Outgoing messages, built with aiogram's `utils.formatting`, in the chat's language.

One function per kind of message: `render_alert` (a new alert), `render_edit` (a sent
alert rewritten because its story grew), `render_notice` (something the chat is told,
such as a paused source, or that alerts now come as a digest) — digests themselves
are `bot.digest`'s. Each returns a formatting
`Text`: user and source text is never parsed as markup, and sizes are counted in
UTF-16 units as Telegram counts them. `render_console` is the terminal's one line.

A notice of kind `NOTICE_TEXT` is a sentence stored as it is shown; the one such
sentence older versions stored for a source's pause is turned into its kind by
migration 0009.

Contract of an alert: source and time (in the chat's zone) in bold; the headline; the
post text, trimmed; a line of the regions and topics hit, named in the chat's
language; the link; then, once other sources report the same story, "Also:" with
links to them (at most `ALSO_SHOWN`, then how many more) and a line saying an official
source confirms it. Matched words are bold. The message never exceeds Telegram's 4096
units: the post text gives way first, then the headline.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Protocol
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from aiogram.utils.formatting import Bold, Code, Text, TextLink, Url, as_line, as_list

from alerts.ingest.failures import Failure
from alerts.ingest.health import NOTICE_TEXT, SOURCE_PAUSED
from alerts.outbox.queue import DIGEST_STARTED, Edit, Notice
from bot.fitting import MESSAGE_LIMIT
from bot.problems import failure_text
from bot.wording import clip, fill

if TYPE_CHECKING:
    from aiogram.utils.formatting import NodeType

    from alerts.outbox.queue import Alert, StorySource
    from bot.i18n import Words

HEADLINE_LIMIT = 300
SOURCE_LIMIT = 100
LINK_LIMIT = 1024
ALSO_SHOWN = 5
# What separates a repeated title from the rest: punctuation, spaces, em and en dashes.
TITLE_TRAILERS = " .:;,-\n\u2014\u2013"


class TagNames(Protocol):
    """Human names of region and topic keys, in a language ("en", "ru", "uk")."""

    def region(self, key: str, language: str) -> str: ...

    def topic(self, key: str, language: str) -> str: ...


def render_alert(alert: Alert, words: Words, names: TagNames | None = None) -> Text:
    headline, body = headline_and_body(alert)
    tail = [
        piece
        for piece in (_tags(alert, words, names), _link(alert.url), *_story(alert, words))
        if piece is not None
    ]
    head = Bold(header(alert))
    # Newlines between the parts, and one spare unit per part for the trims' rounding.
    fixed = len(head) + sum(len(piece) for piece in tail) + 2 * (len(tail) + 3)
    headline = clip(headline, min(HEADLINE_LIMIT, MESSAGE_LIMIT - fixed))
    room = MESSAGE_LIMIT - fixed - len(Text(headline))
    body = clip(body, room) if room > 0 else ""
    parts: list[NodeType] = [head, emphasize(headline, alert.terms)]
    if body:
        parts.append(emphasize(body, alert.terms))
    return as_list(*parts, *tail)


def render_edit(edit: Edit, words: Words, names: TagNames | None = None) -> Text:
    """The sent alert as its story stands now: the same message, with the new sources."""
    return render_alert(edit.alert, words, names)


def render_notice(notice: Notice, words: Words) -> Text:
    arguments = notice.arguments
    if notice.kind == SOURCE_PAUSED:
        failure = Failure.from_json(arguments.get("failure"))
        return _source_paused(
            arguments.get("source_id", "?"), arguments.get("name"), failure, words
        )
    if notice.kind == DIGEST_STARTED:
        return _digest_started(int(arguments.get("minutes", 10)), words)
    if notice.kind == NOTICE_TEXT:
        return Text(clip(str(arguments.get("text", "")), MESSAGE_LIMIT))
    # A kind this version does not know (queued by a newer one): say it plainly, never fail.
    return fill(
        words.gettext("A notice this version cannot show (%(kind)s)."), {"kind": notice.kind}
    )


def _source_paused(source_id: object, name: object, failure: Failure | None, words: Words) -> Text:
    template = words.gettext(
        "Source #%(id)s %(name)s is paused: it has failed for a day (%(reason)s). "
        "An admin can add it again once it works."
    )
    values = {"id": str(source_id), "name": Bold(clip(str(name or ""), SOURCE_LIMIT))}
    return fill(template, values | {"reason": failure_text(failure, words)})


def _digest_started(minutes: int, words: Words) -> Text:
    first = words.ngettext(
        "Many alerts for this chat: from now on they come together, as a digest every "
        "%(minutes)d minute.",
        "Many alerts for this chat: from now on they come together, as a digest every "
        "%(minutes)d minutes.",
        minutes,
    )
    second = words.gettext(
        "To get fewer, narrow your rules: name a region (%(region)s) or leave words out "
        "(%(exclude)s). /rules lists yours."
    )
    examples = {"region": Code("region:kursk"), "exclude": Code("-учения")}
    return as_list(fill(first, {"minutes": minutes}), fill(second, examples))


def render_console(message: Alert | Notice | Edit, words: Words) -> str:
    """One line (and its link) for the terminal."""
    if isinstance(message, Notice):
        return "[notice] " + render_notice(message, words).render()[0]
    alert = message.alert if isinstance(message, Edit) else message
    headline, _body = headline_and_body(alert)
    tags = ", ".join([*alert.regions, *alert.topics])
    suffix = f" [{tags}]" if tags else ""
    also = ", ".join(source.name for source in alert.also)
    update = "[update] " if isinstance(message, Edit) else ""
    lines = [
        f"{update}[{alert.source_name}] {headline}{suffix}",
        f"    {alert.url or ''}",
        f"    also: {also}" if also else "",
    ]
    return "\n".join(line.rstrip() for line in lines if line.strip())


def header(alert: Alert) -> str:
    """The source's name and the post's time in the chat's zone."""
    name = clip(alert.source_name, SOURCE_LIMIT)
    if alert.published_at is None:
        return name
    try:
        zone = ZoneInfo(alert.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        zone = ZoneInfo("UTC")
    return f"{name} · {alert.published_at.astimezone(zone):%H:%M}"


def _tags(alert: Alert, words: Words, names: TagNames | None) -> Text | None:
    language = words.language
    regions = [names.region(key, language) if names else key for key in alert.regions]
    topics = [names.topic(key, language) if names else key for key in alert.topics]
    text = ", ".join([*regions, *topics])
    return Text(f"📍 {text}") if text else None


def _link(url: str | None) -> Text | None:
    if not url or len(url) > LINK_LIMIT:
        return None
    return Url(url)


def _story(alert: Alert, words: Words) -> list[Text]:
    pieces = [_also(alert.also, words)] if alert.also else []
    official = next((source for source in alert.also if source.official), None)
    if alert.official:
        pieces.append(Text("✅ ", words.gettext("official source")))
    elif official is not None:
        name = clip(official.name, SOURCE_LIMIT)
        pieces.append(Text("✅ ", fill(words.gettext("confirmed by %(source)s"), {"source": name})))
    return pieces


def _also(sources: tuple[StorySource, ...], words: Words) -> Text:
    shown = sources[:ALSO_SHOWN]
    links: list[NodeType] = []
    for number, source in enumerate(shown):
        if number:
            links.append(", ")
        name = clip(source.name, SOURCE_LIMIT)
        usable = source.url and len(source.url) <= LINK_LIMIT
        links.append(TextLink(name, url=source.url) if usable and source.url else name)
    line = fill(words.gettext("Also: %(sources)s"), {"sources": Text(*links)})
    more = len(sources) - len(shown)
    if more > 0:
        extra = words.ngettext("and %(count)d more", "and %(count)d more", more)
        line = as_line(line, fill(extra, {"count": more}), sep=" ", end="")
    return line


def headline_and_body(alert: Alert) -> tuple[str, str]:
    title = alert.title.strip()
    text = alert.text.strip()
    if title:
        # Feeds often repeat the title at the start of the description.
        body = text[len(title) :].lstrip(TITLE_TRAILERS) if text.startswith(title) else text
        return title, body
    first, _, rest = text.partition("\n")
    return first.strip(), rest.strip()


def emphasize(text: str, terms: tuple[str, ...]) -> Text:
    """`text` with each whole-word occurrence of a matched term in bold."""
    words = sorted({term for term in terms if term.strip()}, key=len, reverse=True)
    if not words or not text:
        return Text(text)
    alternatives = "|".join(re.escape(word) for word in words)
    pattern = re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)", re.IGNORECASE)
    parts: list[NodeType] = []
    last = 0
    for found in pattern.finditer(text):
        parts.append(text[last : found.start()])
        parts.append(Bold(found.group()))
        last = found.end()
    parts.append(text[last:])
    return Text(*(part for part in parts if part != ""))
