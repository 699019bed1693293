"""`parse_channel_page`: one public channel preview page (``/s/name``) into posts.

Contract:

- Every message block with a ``data-post="name/N"`` becomes a `Post` with
  ``external_id`` ``"N"``, in page order (oldest first), except service
  messages ("Channel created", new photo...), which are skipped.
- Text is the message text (or media caption) as plain text with link words
  kept; the quoted text of a replied-to message is not part of it. A poll's
  question and options are appended, since people match on them too.
- Extras: ``forwarded_url`` (the original of a forward), ``reply_to`` (id of
  the replied post), ``edited`` when the page says so, and the link preview.
- ``before`` is the id the page's "load older" link asks for, None at the
  start of the channel.
- Bounds: only the newest `MAX_POSTS_PER_PAGE` messages of a page are read (a
  real page has about 20); post ids have at most 15 digits; links (the post's,
  a forward's, a preview's) are kept only when they are http(s) URLs that fit
  `monitors.parsedfeed.MAX_LINK_CHARS`, so a ``tg:`` or ``javascript:`` link on
  a page never reaches an alert.
- Class names are matched by how a class token ends (``message_text``
  finds ``tgme_widget_message_text`` and ``js-message_text`` but not
  ``message_text_wrap``), so a renamed prefix or an extra class does not
  blind the parser.
- A landing page (the ``/s/`` preview redirected away) raises
  `SourceUnavailable` saying why: no such name, a group, or a channel or
  user without a public preview. A preview with no posts at all is what
  Telegram serves when it throttles us ("No posts found"): `Throttled`
  (every real channel has at least its "Channel created" message). Anything
  else without messages raises `SourceParseError`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from selectolax.lexbor import LexborHTMLParser

from monitors.errors import SourceParseError, SourceUnavailable, Throttled
from monitors.parsedfeed import as_utc, safe_link
from monitors.plaintext import html_to_text, normalize_text
from monitors.post import LinkPreview, Post

if TYPE_CHECKING:
    from selectolax.lexbor import LexborNode

_MESSAGE = '[class*="widget_message"][data-post]'
_TEXT = "message_text"
_REPLY = "message_reply"
_POLL = "message_poll"
MAX_POSTS_PER_PAGE = 100
_POST_ID = re.compile(r"/(\d{1,15})(?:$|[?#/])", re.ASCII)


@dataclass(frozen=True, slots=True)
class ChannelPage:
    """Posts of one preview page, oldest first, and where older ones start."""

    title: str | None
    posts: tuple[Post, ...]
    before: int | None
    problems: tuple[str, ...] = field(default=())


def parse_channel_page(html: bytes | str, *, name: str, base_url: str) -> ChannelPage:
    """Parse one ``/s/name`` page; see the module docstring."""
    tree = LexborHTMLParser(html)
    messages = tree.css(_MESSAGE)
    if not messages:
        _raise_for_empty(tree, name)
    posts: list[Post] = []
    problems: list[str] = []
    if len(messages) > MAX_POSTS_PER_PAGE:
        problems.append(f"{len(messages)} messages on one page; the newest were read")
        messages = messages[-MAX_POSTS_PER_PAGE:]
    for message in messages:
        if "service_message" in (message.attributes.get("class") or ""):
            continue
        post = _post(message, name, base_url)
        if post is None:
            problems.append(
                f"a message without a readable id: {message.attributes.get('data-post')}"
            )
        else:
            posts.append(post)
    return ChannelPage(_title(tree), tuple(posts), _before(tree), tuple(problems))


def _raise_for_empty(tree: LexborHTMLParser, name: str) -> None:
    if _first(tree.root, "channel_history") or _first(tree.root, "channel_info"):
        raise Throttled(None, f"t.me shows no posts for @{name}; it throttles us")
    if _first(tree.root, "tgme_page") is None:
        raise SourceParseError(f"the page for @{name} is not a Telegram channel preview")
    extra = _text_of(_first(tree.root, "tgme_page_extra"))
    if _first(tree.root, "tgme_page_title") is None:
        reason = f"there is no public channel @{name}"
    elif re.search(r"\bmembers?\b", extra):
        reason = f"@{name} is a group, not a channel; groups have no public preview"
    elif re.search(r"\bsubscribers?\b", extra):
        reason = f"@{name} is a channel without a public web preview"
    else:
        reason = f"@{name} is not a public channel"
    raise SourceUnavailable(reason)


def _post(message: LexborNode, name: str, base_url: str) -> Post | None:
    match = _POST_ID.search("/" + (message.attributes.get("data-post") or ""))
    if match is None:
        return None
    number = match.group(1)
    date_link = _first(message, "message_date")
    own_url = f"{base_url.rstrip('/')}/{name}/{number}"
    url = safe_link(date_link.attributes.get("href") if date_link else None, own_url) or own_url
    forwarded = _first(message, "forwarded_from_name")
    forwarded_url = safe_link(forwarded.attributes.get("href") if forwarded else None, own_url)
    return Post(
        external_id=number,
        url=url,
        title="",
        text=_message_text(message),
        published_at=_published(message),
        forwarded_url=forwarded_url,
        reply_to=_reply_to(message),
        edited="edited" in _text_of(_first(message, "message_meta")).lower(),
        link_preview=_link_preview(_first(message, "message_link_preview"), own_url),
    )


def _message_text(message: LexborNode) -> str:
    parts = []
    for node in _all(message, _TEXT):
        # The replied-to message's text is a quote, and an album caption nests a
        # second text block inside the first: both are skipped.
        if _inside(node, message, _REPLY) or _inside(node, message, _TEXT):
            continue
        parts.append(html_to_text(node.html or ""))
        break
    if any(not _inside(node, message, _REPLY) for node in _all(message, _POLL)):
        question = _text_of(_first(message, "poll_question"))
        options = [_text_of(n) for n in _all(message, "poll_option_text")]
        parts.append("\n".join([question, *options]))
    return "\n\n".join(part for part in parts if part)


def _inside(node: LexborNode, stop: LexborNode, suffix: str) -> bool:
    parent = node.parent
    while parent is not None and parent.mem_id != stop.mem_id:
        if _has_class(parent, suffix):
            return True
        parent = parent.parent
    return False


def _has_class(node: LexborNode, suffix: str) -> bool:
    return any(token.endswith(suffix) for token in (node.attributes.get("class") or "").split())


def _all(node: LexborNode | None, suffix: str) -> list[LexborNode]:
    """Elements under ``node`` with a class token ending in ``suffix``."""
    if node is None:
        return []
    return [found for found in node.css(f'[class*="{suffix}"]') if _has_class(found, suffix)]


def _first(node: LexborNode | None, suffix: str) -> LexborNode | None:
    found = _all(node, suffix)
    return found[0] if found else None


def _published(message: LexborNode) -> datetime | None:
    date_link = _first(message, "message_date")
    time = (date_link and date_link.css_first("time[datetime]")) or message.css_first(
        "time[datetime]"
    )
    value = time.attributes.get("datetime") if time else None
    try:
        return as_utc(datetime.fromisoformat(value)) if value else None
    except ValueError:
        return None


def _reply_to(message: LexborNode) -> str | None:
    reply = _first(message, _REPLY)
    href = reply.attributes.get("href") if reply else None
    match = _POST_ID.search(urlsplit(href).path) if href else None
    return match.group(1) if match else None


def _link_preview(node: LexborNode | None, base: str) -> LinkPreview | None:
    if node is None:
        return None
    return LinkPreview(
        url=safe_link(node.attributes.get("href"), base),
        site_name=_text_of(_first(node, "preview_site_name")) or None,
        title=_text_of(_first(node, "preview_title")) or None,
        description=_text_of(_first(node, "preview_description")) or None,
    )


def _title(tree: LexborHTMLParser) -> str | None:
    title = _text_of(_first(tree.root, "channel_info_header_title"))
    if not title:
        meta = tree.css_first('meta[property="og:title"]')
        title = normalize_text((meta.attributes.get("content") or "") if meta else "")
    return title or None


def _before(tree: LexborHTMLParser) -> int | None:
    for node in tree.css("[data-before]"):
        value = node.attributes.get("data-before") or ""
        if value.isascii() and value.isdigit() and len(value) <= 15:
            return int(value)
    return None


def _text_of(node: LexborNode | None) -> str:
    return normalize_text(node.text()) if node is not None else ""
