"""Opening a local sqlite MLflow store: one process at a time, a half-migrated store repaired.

MLflow creates and migrates a fresh sqlite store when a client first touches it, with no lock
between processes: four runs started at once in a fresh folder (a scheduler catching up four
firings) migrate it together and leave it half-migrated (``_alembic_tmp_*`` tables, an old
schema version) for good. ``opened`` holds an flock on the store's folder while the store is
created or checked, so one process migrates it and the others find it ready. A store an older
(unlocked) version left half-migrated is repaired under the same lock when that is safe (the
temporary tables are copies beside their originals: they are dropped and the migration run
again); otherwise ``StoreDamaged`` says in one line how to recover.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator
from pathlib import Path

from notebook_ops.errors import NotebookOpsError
from notebook_ops.util.locks import folder_lock

TMP_PREFIX = "_alembic_tmp_"


class StoreDamaged(NotebookOpsError):
    """The MLflow store cannot be opened as it is; the message says how to recover."""


def sqlite_path(uri: str) -> Path | None:
    """The database file of a ``sqlite:///`` tracking URI (None for any other store)."""
    if not uri.startswith("sqlite:///"):
        return None
    db = uri[len("sqlite:///") :].split("?", 1)[0]
    return None if not db or db == ":memory:" else Path(db)


@contextlib.contextmanager
def opened(uri: str) -> Iterator[None]:
    """Hold the store's lock (sqlite stores only) and repair a half-migrated store first."""
    db = sqlite_path(uri)
    if db is None or not db.parent.is_dir():
        yield
        return
    with folder_lock(db.parent):
        if db.is_file():
            repair(db, uri)
        yield


def leftover_tables(db: Path) -> tuple[list[str], set[str]]:
    """(``_alembic_tmp_*`` tables, every table) of the database ``db``."""
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=60)
    try:
        names = {row[0] for row in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    finally:
        con.close()
    return sorted(n for n in names if n.startswith(TMP_PREFIX)), names


def repair(db: Path, uri: str) -> None:
    """Drop the temporary tables an interrupted migration left beside their originals, then
    bring the schema to MLflow's head; ``StoreDamaged`` when that cannot be done safely."""
    try:
        tmp, names = leftover_tables(db)
    except sqlite3.DatabaseError as exc:
        raise StoreDamaged(
            f"the MLflow store is not a readable database ({exc})",
            path=db,
            hint=_move_aside(db),
        ) from None
    if not tmp:
        return
    orphans = [t for t in tmp if t[len(TMP_PREFIX) :] not in names]
    if orphans:
        raise StoreDamaged(
            f"the MLflow store was left half-migrated (table {orphans[0]} replaced its original)",
            path=db,
            hint=_move_aside(db),
        )
    con = sqlite3.connect(db, timeout=60)
    try:
        with con:
            for name in tmp:
                con.execute(f'DROP TABLE "{name}"')
    finally:
        con.close()
    upgrade(uri)


def _move_aside(db: Path) -> str:
    return (
        f"move it aside (mv {db} {db}.broken); the next run or `notebook-ops runs sync` logs into a new one"
    )


def upgrade(uri: str) -> None:
    """Run MLflow's own migrations to its head revision (what ``mlflow db upgrade`` does)."""
    import sqlalchemy  # noqa: PLC0415 - sqlalchemy costs 240 ms CPU to import, loaded on first use
    from mlflow.store.db import utils  # noqa: PLC0415 - mlflow costs 1703 ms CPU to import, loaded on first use

    engine = sqlalchemy.create_engine(uri)
    try:
        if utils._all_tables_exist(engine):
            utils._upgrade_db(engine)
    finally:
        engine.dispose()
