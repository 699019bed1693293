"""update replies: an alert about a changed fact answers the first alert of its story

`outbox.reply_to_message` holds the Telegram message id of the chat's first alert of
the story; the update is sent as a reply to it, so the chat sees the thread.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("outbox", sa.Column("reply_to_message", sa.BigInteger(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.drop_column("reply_to_message")
