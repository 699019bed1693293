"""worded old pause notices: a source's pause stored as English becomes a kind

Before 0005 a notice was stored as the English sentence it would send. The only one
there ever was says a source is paused; such a row can still be pending in a database
upgraded while it waited. It becomes a `source_paused` notice with the source's id and
name, so it is worded in each chat's language like a new one. Its reason was a free
English detail, not a failure's key, so the row keeps none: the chat is told only that
the source failed. Any other stored sentence is left as it was.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06
"""

from __future__ import annotations

import re

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

# The sentence exactly as versions before 0005 wrote it.
_OLD_PAUSE_NOTICE = re.compile(
    r"Source #(?P<id>\d+) (?P<name>.+?) is paused: it has failed for a day \((?P<detail>.*)\)\. "
    r"An admin can add it again once it works\.",
    re.DOTALL,
)

_outbox = sa.table(
    "outbox",
    sa.column("id", sa.Integer),
    sa.column("notice_kind", sa.String(32)),
    sa.column("notice_args", sa.JSON),
)


def upgrade() -> None:
    connection = op.get_bind()
    rows = connection.execute(
        sa.select(_outbox.c.id, _outbox.c.notice_args).where(_outbox.c.notice_kind == "text")
    )
    for entry_id, arguments in rows.all():
        old = _OLD_PAUSE_NOTICE.fullmatch(str((arguments or {}).get("text", "")))
        if old is None:
            continue
        connection.execute(
            sa.update(_outbox)
            .where(_outbox.c.id == entry_id)
            .values(
                notice_kind="source_paused",
                notice_args={"source_id": int(old["id"]), "name": old["name"]},
            )
        )


def downgrade() -> None:
    # The English detail is gone: the rows stay `source_paused` notices, which every
    # version since 0005 words.
    pass
