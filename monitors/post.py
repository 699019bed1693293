"""`Post`: one item of one source, as every parser hands it over.

Contract:

- ``external_id`` is stable for the item within its source: a feed entry's
  guid/id, else its link, else ``sha256:`` of title and text; a channel post's
  message number as a decimal string (``"539"``), so it also orders posts.
- ``text`` is plain text: HTML stripped, the words of links kept, paragraphs
  separated by blank lines, no leading or trailing whitespace.
- ``published_at`` is timezone-aware UTC or None when the source gave no
  usable date; a naive datetime is a bug and is refused at construction.
- The remaining fields are what channel previews add and the pipeline reads
  (a forward's original and a reply's parent join stories, an edit is re-matched,
  the link preview is matched too); they default to "none" so feed parsers and
  tests need not mention them. A page shows more (views, signatures, media kinds);
  nothing downstream uses it, so it is not parsed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True, slots=True)
class LinkPreview:
    """The card Telegram shows under a post with a link."""

    url: str | None
    site_name: str | None
    title: str | None
    description: str | None


@dataclass(frozen=True, slots=True)
class Post:
    """One item of one source; see the module docstring for the contract."""

    external_id: str
    url: str | None
    title: str
    text: str
    published_at: datetime | None
    forwarded_url: str | None = None
    """URL of the original of a forwarded post (``https://t.me/name/123``)."""
    reply_to: str | None = None
    """``external_id`` of the post this one replies to, in the same source."""
    edited: bool = False
    """The source marks the post as edited, or a poll saw its text change."""
    link_preview: LinkPreview | None = None

    def __post_init__(self) -> None:
        at = self.published_at
        if at is not None and at.utcoffset() != timedelta(0):
            raise ValueError(f"published_at must be timezone-aware UTC, got {at!r}")

    @property
    def full_text(self) -> str:
        """Title, text and link preview together: what rules should match against."""
        parts = [self.title, self.text]
        if self.link_preview is not None:
            parts += [self.link_preview.title or "", self.link_preview.description or ""]
        return "\n\n".join(part for part in parts if part)
