"""The migrations build exactly the schema the models describe, on both databases."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from alerts.store.models import Base

# Created by migration 0005 outside the models: full-text search's own tables.
SEARCH_TABLES = {
    "posts_lemmas_fts",
    "posts_lemmas_fts_config",
    "posts_lemmas_fts_data",
    "posts_lemmas_fts_docsize",
    "posts_lemmas_fts_idx",
}


def _differences(connection):
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return [
        change
        for change in compare_metadata(context, Base.metadata)
        if not (change[0] == "remove_table" and change[1].name in SEARCH_TABLES)
        and not (change[0] == "remove_index" and change[1].name == "ix_posts_lemmas")
    ]


async def test_migrated_schema_matches_the_models(engine) -> None:
    async with engine.connect() as connection:
        differences = await connection.run_sync(_differences)
    assert differences == []
