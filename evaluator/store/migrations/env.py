"""Alembic environment: migrations run on the connection the store hands over.

The store calls ``alembic.command.upgrade`` with ``config.attributes["connection"]``
set, so migrations never open a second connection or read an ini file.
"""

from __future__ import annotations

from alembic import context

from evaluator.store.schema import metadata

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=connection.dialect.name == "sqlite",  # SQLite alters tables by copy
)
with context.begin_transaction():
    context.run_migrations()
