"""lemma search, notices and failures as keys

/search matches lemmas (`alerts.store.lemmas`): posts gain `lemmas`, filled here for every
post that was alerted, and indexed instead of the raw text of migration 0003 — SQLite
by the FTS5 table `posts_lemmas_fts` (kept by triggers), PostgreSQL by a GIN index on
`to_tsvector('simple', lemmas)`.

Notices are stored as a kind and arguments (`outbox.notice_kind`, `notice_args`) and
worded when sent; a notice queued before keeps its English text as the kind `text`.
A source's last failure gains its key (`sources.last_failure`).

`posts` is altered with plain ALTER TABLE, never batch mode (see 0003).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from alerts.store.lemmas import lemma_document
from rules.morphology import Morphology

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

BATCH = 500

SQLITE_UP = [
    "DROP TRIGGER posts_fts_update",
    "DROP TRIGGER posts_fts_delete",
    "DROP TRIGGER posts_fts_insert",
    "DROP TABLE posts_fts",
    (
        "CREATE VIRTUAL TABLE posts_lemmas_fts USING fts5(lemmas, content='posts', "
        "content_rowid='id', tokenize='unicode61 remove_diacritics 0')"
    ),
    (
        "CREATE TRIGGER posts_lemmas_insert AFTER INSERT ON posts BEGIN "
        "INSERT INTO posts_lemmas_fts(rowid, lemmas) VALUES (new.id, new.lemmas); END"
    ),
    (
        "CREATE TRIGGER posts_lemmas_delete AFTER DELETE ON posts BEGIN "
        "INSERT INTO posts_lemmas_fts(posts_lemmas_fts, rowid, lemmas) "
        "VALUES ('delete', old.id, old.lemmas); END"
    ),
    (
        "CREATE TRIGGER posts_lemmas_update AFTER UPDATE OF lemmas ON posts BEGIN "
        "INSERT INTO posts_lemmas_fts(posts_lemmas_fts, rowid, lemmas) "
        "VALUES ('delete', old.id, old.lemmas); "
        "INSERT INTO posts_lemmas_fts(rowid, lemmas) VALUES (new.id, new.lemmas); END"
    ),
    "INSERT INTO posts_lemmas_fts(posts_lemmas_fts) VALUES ('rebuild')",
]
SQLITE_DOWN = [
    "DROP TRIGGER posts_lemmas_update",
    "DROP TRIGGER posts_lemmas_delete",
    "DROP TRIGGER posts_lemmas_insert",
    "DROP TABLE posts_lemmas_fts",
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
POSTGRES_UP = [
    "DROP INDEX ix_posts_fts",
    "CREATE INDEX ix_posts_lemmas ON posts USING gin (to_tsvector('simple', coalesce(lemmas, '')))",
]
POSTGRES_DOWN = [
    "DROP INDEX ix_posts_lemmas",
    (
        "CREATE INDEX ix_posts_fts ON posts USING gin "
        "(to_tsvector('simple', coalesce(title, '') || ' ' || text))"
    ),
]

posts = sa.table(
    "posts",
    sa.column("id", sa.Integer),
    sa.column("title", sa.Text),
    sa.column("text", sa.Text),
    sa.column("lemmas", sa.Text),
)
outbox = sa.table(
    "outbox",
    sa.column("id", sa.Integer),
    sa.column("post_id", sa.Integer),
    sa.column("notice", sa.Text),
    sa.column("notice_kind", sa.String),
    sa.column("notice_args", sa.JSON),
)


def _postgres() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def upgrade() -> None:
    op.add_column("posts", sa.Column("lemmas", sa.Text(), nullable=True))
    op.add_column("sources", sa.Column("last_failure", sa.JSON(), nullable=True))
    with op.batch_alter_table("outbox") as batch_op:
        batch_op.add_column(sa.Column("notice_kind", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("notice_args", sa.JSON(), nullable=True))
    _keep_notice_texts()
    with op.batch_alter_table("outbox") as batch_op:
        batch_op.drop_column("notice")
    # Lemmas first: SQLite's index is then built from them in one go, as its triggers
    # expect every row they delete to have been indexed.
    _index_alerted_posts()
    for statement in POSTGRES_UP if _postgres() else SQLITE_UP:
        op.execute(statement)


def _keep_notice_texts() -> None:
    bind = op.get_bind()
    rows = bind.execute(sa.select(outbox.c.id, outbox.c.notice).where(outbox.c.notice.is_not(None)))
    for entry_id, text in rows.all():
        bind.execute(
            outbox.update()
            .where(outbox.c.id == entry_id)
            .values(notice_kind="text", notice_args={"text": text})
        )


def _index_alerted_posts() -> None:
    """Lemmas for every post that caused an alert: the only posts /search reads."""
    bind = op.get_bind()
    alerted = sa.select(outbox.c.post_id).where(outbox.c.post_id.is_not(None))
    ids = [row[0] for row in bind.execute(alerted.distinct())]
    if not ids:
        return
    morphology = Morphology.load()
    for start in range(0, len(ids), BATCH):
        chunk = ids[start : start + BATCH]
        rows = bind.execute(
            sa.select(posts.c.id, posts.c.title, posts.c.text).where(posts.c.id.in_(chunk))
        )
        for post_id, title, text in rows.all():
            document = lemma_document(f"{title or ''}\n{text or ''}", morphology)
            bind.execute(posts.update().where(posts.c.id == post_id).values(lemmas=document))


def downgrade() -> None:
    for statement in POSTGRES_DOWN if _postgres() else SQLITE_DOWN:
        op.execute(statement)
    with op.batch_alter_table("outbox") as batch_op:
        batch_op.add_column(sa.Column("notice", sa.Text(), nullable=True))
    bind = op.get_bind()
    rows = bind.execute(sa.select(outbox.c.id, outbox.c.notice_kind, outbox.c.notice_args))
    for entry_id, kind, arguments in rows.all():
        if kind is not None:
            text = (arguments or {}).get("text") if kind == "text" else kind
            bind.execute(outbox.update().where(outbox.c.id == entry_id).values(notice=text))
    with op.batch_alter_table("outbox") as batch_op:
        batch_op.drop_column("notice_args")
        batch_op.drop_column("notice_kind")
    op.drop_column("sources", "last_failure")
    op.drop_column("posts", "lemmas")
