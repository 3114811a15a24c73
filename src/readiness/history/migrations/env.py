"""Alembic environment: always online, on the connection `schema.upgrade` passes in.

There is no alembic.ini: `schema.upgrade` builds the Config in code and holds the store's lock
(BEGIN IMMEDIATE on SQLite, an advisory lock on PostgreSQL) in the transaction it hands over,
so the migrations run inside it.
"""

from __future__ import annotations

from alembic import context

connection = context.config.attributes["connection"]
# render_as_batch: SQLite cannot ALTER most things; batch mode copies the table instead.
context.configure(connection=connection, target_metadata=None, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
