"""source key: every spelling of a channel or feed in one form, stored on the source

`sources.key` is `rules.source.source_key` of the source (``@kursk_gov``,
``xn--d1abbgf6aiiy.xn--p1ai/rss``), computed here for the rows that exist. `source:`
in rules and adding a source compare keys, so ``https://telegram.dog/Kursk_Gov`` and
``@kursk_gov`` are one source.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from rules.source import stored_key

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

_sources = sa.table(
    "sources",
    sa.column("id", sa.Integer),
    sa.column("kind"),
    sa.column("locator"),
    sa.column("key", sa.Text),
)


def upgrade() -> None:
    # SQLite adds a NOT NULL column only with a default; every row gets its key below.
    op.add_column("sources", sa.Column("key", sa.Text(), nullable=False, server_default=""))
    connection = op.get_bind()
    rows = connection.execute(sa.select(_sources.c.id, _sources.c.kind, _sources.c.locator))
    for source_id, kind, locator in rows.all():
        # The key as the function defines it today: a later change of the function
        # brings its own migration to recompute the keys.
        key = stored_key(locator, channel=kind == "channel")
        connection.execute(sa.update(_sources).where(_sources.c.id == source_id).values(key=key))


def downgrade() -> None:
    # Not in batch mode: rebuilding `sources` on SQLite would cascade to its posts.
    op.drop_column("sources", "key")
