"""Alembic environment: always run programmatically by monitor.storage.migrate on a live connection."""

from __future__ import annotations

from alembic import context

from monitor.storage.schema import metadata

connection = context.config.attributes["connection"]
# SQLite cannot ALTER most things; batch mode rebuilds the table inside the same transaction.
context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    transactional_ddl=True,
)
with context.begin_transaction():
    context.run_migrations()
