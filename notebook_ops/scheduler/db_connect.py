"""Where the schedule store is and how to connect to it: its URL (``$NOTEBOOK_OPS_DB`` or a SQLite
file under the folder), SQLite's pragmas and ``BEGIN IMMEDIATE``, the psycopg driver, and the URL
with its password masked for messages (``database.Store`` opens it)."""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

from sqlalchemy.engine import make_url

ENV_URL = "NOTEBOOK_OPS_DB"
DEFAULT_PATH = Path(".notebook_ops") / "scheduler.db"


def default_url(base_dir=None) -> str:
    """``$NOTEBOOK_OPS_DB``, else ``sqlite:///<base_dir or cwd>/.notebook_ops/scheduler.db``."""
    env = os.environ.get(ENV_URL)
    if env:
        return env if "://" in env else f"sqlite:///{Path(env).expanduser().resolve()}"
    return f"sqlite:///{(Path(base_dir or os.getcwd()).resolve() / DEFAULT_PATH)}"


def sqlite_pragmas(dbapi_conn, _record):
    dbapi_conn.isolation_level = None  # we issue BEGIN ourselves (below)
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA busy_timeout = 30000")
    cur.execute("PRAGMA journal_mode = WAL")
    cur.execute("PRAGMA synchronous = NORMAL")
    cur.execute("PRAGMA foreign_keys = ON")
    cur.close()


def begin_immediate(conn):
    conn.exec_driver_sql("BEGIN IMMEDIATE")


def engine_url(url: str) -> str:
    """``postgresql://`` means psycopg2 to SQLAlchemy; use psycopg (3) when only it is here."""
    head, sep, rest = url.partition("://")
    if sep and head in ("postgresql", "postgres"):
        if importlib.util.find_spec("psycopg2") is None and importlib.util.find_spec("psycopg"):
            return f"postgresql+psycopg://{rest}"
    return url


def one_line(exc) -> str:
    return " ".join(str(exc).split())


def safe_url(url: str) -> str:
    """The URL with any password masked, for messages and logs."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # noqa: BLE001 - not a URL: nothing to hide
        return url
