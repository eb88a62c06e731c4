"""Alembic environment for the scheduler store: run from ``store.migrate`` on an open connection.

``alembic`` on the command line works too (``-x url=sqlite:///...``), for whoever manages a
server database by hand.
"""
from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from notebook_ops.scheduler.orm import metadata

config = context.config
VERSION_TABLE = "notebook_ops_scheduler_version"


def _run(connection):
    context.configure(connection=connection, target_metadata=metadata,
                      version_table=VERSION_TABLE, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


connection = config.attributes.get("connection")
if connection is not None:
    _run(connection)
else:  # pragma: no cover - the alembic CLI
    url = context.get_x_argument(as_dictionary=True).get("url") or config.get_main_option("sqlalchemy.url")
    with create_engine(url).connect() as conn:
        _run(conn)
