"""The pipeline's memory: sources, posts, chats, watch rules and the alert outbox.

Every timestamp is timezone-aware UTC on the way in and out, on SQLite (which stores
naive values) as on PostgreSQL. Schema changes go through Alembic migrations in
`alerts/migrations`; `lookout run` applies them at start.
"""

from __future__ import annotations

import enum
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    Dialect,
    Enum,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from typing_extensions import override

from rules.source import stored_key

if TYPE_CHECKING:
    from sqlalchemy.engine.default import DefaultExecutionContext

# Column widths that outside text must fit, the same on SQLite and PostgreSQL;
# monitors and handlers bound their values to these before they get here.
URL_CHARS = 2048
EXTERNAL_ID_CHARS = 1024
ETAG_CHARS = 1024
LAST_MODIFIED_CHARS = 128
SOURCE_TITLE_CHARS = 512
RULE_CHARS = 512


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp that is always aware UTC in Python, whatever the database keeps."""

    impl = DateTime(timezone=True)
    cache_ok = True

    @override
    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC)

    @override
    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


# Stable constraint names keep migrations identical on SQLite and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class SourceKind(enum.StrEnum):
    FEED = "feed"
    CHANNEL = "channel"


class SourceState(enum.StrEnum):
    ACTIVE = "active"
    PAUSED = "paused"


class OutboxState(enum.StrEnum):
    PENDING = "pending"
    SENT = "sent"
    CANCELLED = "cancelled"


def source_title(title: str | None) -> str | None:
    """A feed's or channel's own title, cut to fit its column."""
    return title[:SOURCE_TITLE_CHARS] if title else None


def _enum(cls: type[enum.StrEnum], name: str) -> Enum:
    # Stored as plain strings: adding a member needs no database type migration.
    return Enum(
        cls, name=name, native_enum=False, length=16, values_callable=lambda e: [m.value for m in e]
    )


def _key_of_locator(context: DefaultExecutionContext) -> str:
    # SQLAlchemy's own signature is untyped; it returns the row's values by column name.
    row = context.get_current_parameters()  # type: ignore[no-untyped-call]
    return stored_key(row["locator"], channel=row["kind"] == SourceKind.CHANNEL)


class Source(Base):
    __tablename__ = "sources"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[SourceKind] = mapped_column(_enum(SourceKind, "source_kind"))
    locator: Mapped[str] = mapped_column(String(URL_CHARS), unique=True)
    # Which source this is: every spelling of one channel or feed has one key, computed
    # from the locator when the row is written. Not unique in the schema: rows stored
    # before keys existed may share one; adding a source finds the existing row by key.
    key: Mapped[str] = mapped_column(Text, default=_key_of_locator)
    title: Mapped[str | None] = mapped_column(String(SOURCE_TITLE_CHARS))
    state: Mapped[SourceState] = mapped_column(
        _enum(SourceState, "source_state"), default=SourceState.ACTIVE
    )
    official: Mapped[bool] = mapped_column(Boolean, default=False)
    added_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    poll_interval: Mapped[float | None] = mapped_column()
    next_check_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    etag: Mapped[str | None] = mapped_column(String(ETAG_CHARS))
    last_modified: Mapped[str | None] = mapped_column(String(LAST_MODIFIED_CHARS))
    body_hash: Mapped[str | None] = mapped_column(String(64))
    # The channel poller's own state (last seen post, recent texts for edits): opaque here.
    cursor: Mapped[str | None] = mapped_column(Text)
    posts_per_day: Mapped[float] = mapped_column(default=0.0)
    last_success_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    # The same failure as a key and arguments (`alerts.ingest.failures`), for the bot to word.
    last_failure: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    last_error_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    error_count: Mapped[int] = mapped_column(Integer, default=0)
    # When the current run of failures began; None while the source answers.
    failing_since: Mapped[datetime | None] = mapped_column(UTCDateTime)
    paused_reason: Mapped[str | None] = mapped_column(String(512))


class Post(Base):
    __tablename__ = "posts"
    __table_args__ = (
        UniqueConstraint("source_id", "external_id"),
        Index("ix_posts_source_published", "source_id", "published_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("sources.id", ondelete="CASCADE"))
    external_id: Mapped[str] = mapped_column(String(EXTERNAL_ID_CHARS))
    url: Mapped[str | None] = mapped_column(String(URL_CHARS))
    title: Mapped[str] = mapped_column(Text, default="")
    text: Mapped[str] = mapped_column(Text, default="")
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    first_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    # Posts present when their source was added: kept for /test and dedup, never alerted.
    baseline: Mapped[bool] = mapped_column(Boolean, default=False)
    edited_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The original of a forward or repost (https://t.me/name/123), for story grouping.
    forwarded_url: Mapped[str | None] = mapped_column(String(URL_CHARS))
    # The post of its own channel this one replies to (https://t.me/name/120): a reply is
    # the channel saying both are one event, also when stories are rebuilt after a restart.
    reply_to_url: Mapped[str | None] = mapped_column(String(URL_CHARS))
    # A story is named by its first post's id: a post that starts one has story_id == id.
    story_id: Mapped[int | None] = mapped_column(Integer, index=True)
    # The lemmas of title and text (`alerts.store.lemmas`), what /search matches; set once the
    # post causes an alert, since only alerted posts are ever searched.
    lemmas: Mapped[str | None] = mapped_column(Text)


class Chat(Base):
    __tablename__ = "chats"

    # Telegram's chat id; the console pseudo-chat is 0.
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    type: Mapped[str] = mapped_column(String(16))
    title: Mapped[str | None] = mapped_column(String(256))
    language: Mapped[str | None] = mapped_column(String(16))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    paused: Mapped[bool] = mapped_column(Boolean, default=False)
    # Quiet hours as minutes after local midnight; alerts then arrive without sound.
    quiet_start: Mapped[int | None] = mapped_column(Integer)
    quiet_end: Mapped[int | None] = mapped_column(Integer)
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")


class WatchRule(Base):
    __tablename__ = "watch_rules"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    chat_id: Mapped[int] = mapped_column(ForeignKey("chats.id", ondelete="CASCADE"), index=True)
    text: Mapped[str] = mapped_column(String(RULE_CHARS))
    urgent: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class OutboxEntry(Base):
    """One alert for one chat, written in the transaction that stored its post."""

    __tablename__ = "outbox"
    __table_args__ = (
        # A chat hears of a story once; later reports edit that message.
        UniqueConstraint("chat_id", "story_id", name="uq_outbox_chat_story"),
        Index("ix_outbox_due", "state", "next_attempt_at"),
        # A chat's recent sends: the digest threshold and /history read these.
        Index("ix_outbox_chat_sent", "chat_id", "state", "sent_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    chat_id: Mapped[int] = mapped_column(ForeignKey("chats.id", ondelete="CASCADE"))
    # An alert names the post that caused it and its story; a notice (a source paused,
    # say) has a kind and arguments instead, worded in the chat's language when sent.
    post_id: Mapped[int | None] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"))
    story_id: Mapped[int | None] = mapped_column(Integer)
    # Bumped when the story gains a source; a sent message behind its revision is edited.
    revision: Mapped[int] = mapped_column(Integer, default=0)
    sent_revision: Mapped[int] = mapped_column(Integer, default=0)
    notice_kind: Mapped[str | None] = mapped_column(String(32))
    notice_args: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    rule_id: Mapped[int | None] = mapped_column(ForeignKey("watch_rules.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    state: Mapped[OutboxState] = mapped_column(
        _enum(OutboxState, "outbox_state"), default=OutboxState.PENDING
    )
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    message_id: Mapped[int | None] = mapped_column(BigInteger)
    # An update whose facts changed (a count, a place) answers the chat's first alert
    # of its story: that message's id. Such an update has no story of its own.
    reply_to_message: Mapped[int | None] = mapped_column(BigInteger)
    last_error: Mapped[str | None] = mapped_column(Text)
    cancel_reason: Mapped[str | None] = mapped_column(String(256))
    # What the rule hit, kept for rendering: {"terms": [...], "regions": [...], "topics": [...]}.
    highlights: Mapped[dict[str, list[str]]] = mapped_column(JSON, default=dict)
