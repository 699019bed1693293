"""Alembic environment: runs on the connection that `alerts.store.migrate` hands over.

Migrations run inside the application's event loop through `AsyncConnection.run_sync`,
so this file never creates an engine or a loop of its own.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from alembic import context

from alerts.store.models import Base

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection


def run_migrations(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        # SQLite cannot ALTER most things in place; batch mode copies the table instead.
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through alerts.store.migrate, which supplies a connection")
run_migrations(connection)
