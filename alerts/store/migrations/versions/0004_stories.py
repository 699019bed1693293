"""stories: posts grouped by event, one alert per chat and story

A story is named by the id of its first post. Posts gain `story_id` (an existing post
is its own story); the outbox is unique per chat and story instead of per post, and
keeps a revision so that sent alerts can be edited when more sources report.

`posts` is altered with plain ALTER TABLE, never batch mode: rebuilding it on SQLite
would drop the full-text triggers of migration 0003.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("posts", sa.Column("story_id", sa.Integer(), nullable=True))
    op.add_column("posts", sa.Column("forwarded_url", sa.String(length=2048), nullable=True))
    op.execute("UPDATE posts SET story_id = id")
    op.create_index("ix_posts_story_id", "posts", ["story_id"])
    with op.batch_alter_table("outbox") as batch_op:
        batch_op.add_column(sa.Column("story_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("revision", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(
            sa.Column("sent_revision", sa.Integer(), nullable=False, server_default="0")
        )
        batch_op.drop_constraint("uq_outbox_chat_id", type_="unique")
        batch_op.create_unique_constraint("uq_outbox_chat_story", ["chat_id", "story_id"])
        batch_op.create_index("ix_outbox_chat_sent", ["chat_id", "state", "sent_at"])
    op.execute("UPDATE outbox SET story_id = post_id")


def downgrade() -> None:
    with op.batch_alter_table("outbox") as batch_op:
        batch_op.drop_index("ix_outbox_chat_sent")
        batch_op.drop_constraint("uq_outbox_chat_story", type_="unique")
        batch_op.create_unique_constraint("uq_outbox_chat_id", ["chat_id", "post_id"])
        batch_op.drop_column("sent_revision")
        batch_op.drop_column("revision")
        batch_op.drop_column("story_id")
    op.drop_index("ix_posts_story_id", table_name="posts")
    op.drop_column("posts", "forwarded_url")
    op.drop_column("posts", "story_id")
