"""post replies: the post of its own channel a post replies to

`posts.reply_to_url` holds the link of the replied post (``https://t.me/name/120``), so
stories rebuilt from the database after a restart join a channel's reply to the post
it answers, as the running process did.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("posts", sa.Column("reply_to_url", sa.String(length=2048), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("posts") as batch:
        batch.drop_column("reply_to_url")
