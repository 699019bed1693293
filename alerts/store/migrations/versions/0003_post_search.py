"""full-text search over posts

SQLite: an FTS5 index `posts_fts` over posts' title and text, kept by triggers.
PostgreSQL: a GIN index on the same text as `alerts.chats.history` searches it.

Note for later migrations: SQLite batch mode rebuilds a table by copying it, which
drops its triggers; a migration that batch-alters `posts` must create them again.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26
"""

from __future__ import annotations

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

SQLITE_UP = [
    (
        "CREATE VIRTUAL TABLE posts_fts USING fts5(title, text, content='posts', "
        "content_rowid='id', tokenize='unicode61 remove_diacritics 2')"
    ),
    (
        "CREATE TRIGGER posts_fts_insert AFTER INSERT ON posts BEGIN "
        "INSERT INTO posts_fts(rowid, title, text) VALUES (new.id, new.title, new.text); END"
    ),
    (
        "CREATE TRIGGER posts_fts_delete AFTER DELETE ON posts BEGIN "
        "INSERT INTO posts_fts(posts_fts, rowid, title, text) "
        "VALUES ('delete', old.id, old.title, old.text); END"
    ),
    (
        "CREATE TRIGGER posts_fts_update AFTER UPDATE OF title, text ON posts BEGIN "
        "INSERT INTO posts_fts(posts_fts, rowid, title, text) "
        "VALUES ('delete', old.id, old.title, old.text); "
        "INSERT INTO posts_fts(rowid, title, text) VALUES (new.id, new.title, new.text); END"
    ),
    "INSERT INTO posts_fts(posts_fts) VALUES ('rebuild')",
]
SQLITE_DOWN = [
    "DROP TRIGGER posts_fts_update",
    "DROP TRIGGER posts_fts_delete",
    "DROP TRIGGER posts_fts_insert",
    "DROP TABLE posts_fts",
]
POSTGRES_UP = [
    (
        "CREATE INDEX ix_posts_fts ON posts USING gin "
        "(to_tsvector('simple', coalesce(title, '') || ' ' || text))"
    ),
]
POSTGRES_DOWN = ["DROP INDEX ix_posts_fts"]


def _statements(up: bool) -> list[str]:
    if op.get_bind().dialect.name == "postgresql":
        return POSTGRES_UP if up else POSTGRES_DOWN
    return SQLITE_UP if up else SQLITE_DOWN


def upgrade() -> None:
    for statement in _statements(up=True):
        op.execute(statement)


def downgrade() -> None:
    for statement in _statements(up=False):
        op.execute(statement)
