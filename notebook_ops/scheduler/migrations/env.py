"""Alembic environment for the scheduler store: run from ``store.migrate`` on an open connection.

``alembic`` on the command line works too (``-x url=sqlite:///...``), for whoever manages a
server database by hand.

Several processes may open a new store at once: on SQLite the caller's BEGIN IMMEDIATE lets one
migrate at a time; on PostgreSQL a transaction-scoped advisory lock does, and the next one then
finds the schema at head (alembic reads the version after the lock is held).
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine, text

from notebook_ops.scheduler.orm import metadata

config = context.config
VERSION_TABLE = "notebook_ops_scheduler_version"
MIGRATE_LOCK = 0x6E626F5F73636864  # pg_advisory_xact_lock key: "nbo_schd"


def _run(connection):
    context.configure(
        connection=connection, target_metadata=metadata, version_table=VERSION_TABLE, render_as_batch=True
    )
    with context.begin_transaction():
        if connection.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": MIGRATE_LOCK})
        context.run_migrations()


connection = config.attributes.get("connection")
if connection is not None:
    _run(connection)
else:  # pragma: no cover - the alembic CLI
    url = context.get_x_argument(as_dictionary=True).get("url") or config.get_main_option("sqlalchemy.url")
    if not url:
        raise SystemExit("alembic: give the store's URL with -x url=... or sqlalchemy.url")
    with create_engine(url).connect() as conn:
        _run(conn)
