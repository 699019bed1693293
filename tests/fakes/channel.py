"""Public channel preview pages (`t.me/s/NAME`) as Telegram renders them, for the fakes.

The markup follows the real pages in ../shared/fixtures/telegram: the classes the
channel parser reads, newest post last, the "load older" link on top.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from html import escape


@dataclass(frozen=True)
class ChannelPost:
    number: int
    text: str
    published_at: datetime
    forwarded_from: str | None = None  # channel username of the original
    forwarded_number: int | None = None


def channel_page(name: str, title: str, posts: list[ChannelPost]) -> str:
    ordered = sorted(posts, key=lambda post: post.number)
    more = ""
    if ordered:
        oldest = ordered[0].number
        more = (
            '<div class="tgme_widget_message_centered js-messages_more_wrap">'
            f'<a href="/s/{name}?before={oldest}" class="tme_messages_more js-messages_more" '
            f'data-before="{oldest}"></a></div>'
        )
    body = "".join(_post(name, title, post) for post in ordered)
    return f"""<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>{escape(title)} – Telegram</title>
<meta property="og:title" content="{escape(title)}"></head>
<body class="widget_frame_base tgme_webpreview"><main class="tgme_main">
<section class="tgme_right_column"><div class="tgme_channel_info">
<div class="tgme_channel_info_header"><div class="tgme_channel_info_header_title_wrap">
<div class="tgme_channel_info_header_title"><span dir="auto">{escape(title)}</span></div></div>
<div class="tgme_channel_info_header_username"><a href="https://t.me/{name}">@{name}</a></div>
</div></div></section>
<section class="tgme_channel_history js-message_history">{more}{body}</section>
</main></body></html>"""


def _post(name: str, title: str, post: ChannelPost) -> str:
    forwarded = ""
    if post.forwarded_from is not None:
        link = f"https://t.me/{post.forwarded_from}/{post.forwarded_number or 1}"
        forwarded = (
            '<div class="tgme_widget_message_forwarded_from accent_color">Forwarded from '
            f'<a class="tgme_widget_message_forwarded_from_name" href="{link}">'
            f'<span dir="auto">{escape(post.forwarded_from)}</span></a></div>'
        )
    when = post.published_at.astimezone(UTC).isoformat()
    return f"""<div class="tgme_widget_message_wrap js-widget_message_wrap">
<div class="tgme_widget_message js-widget_message" data-post="{name}/{post.number}">
<div class="tgme_widget_message_bubble">
<div class="tgme_widget_message_author accent_color"><a class="tgme_widget_message_owner_name"
 href="https://t.me/{name}"><span dir="auto">{escape(title)}</span></a></div>
{forwarded}<div class="tgme_widget_message_text js-message_text" dir="auto">
{escape(post.text)}</div>
<div class="tgme_widget_message_footer compact js-message_footer">
<div class="tgme_widget_message_info short js-message_info">
<span class="tgme_widget_message_views">{post.number * 10}</span>
<span class="tgme_widget_message_meta"><a class="tgme_widget_message_date"
 href="https://t.me/{name}/{post.number}"><time datetime="{when}" class="time">00:00</time></a>
</span></div></div></div></div></div>"""
