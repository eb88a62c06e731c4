"""The alerts outbox: one row per (alert, destination), so each alert is delivered once.

A small SQLite table (``$NOTEBOOK_OPS_ALERTS_DB``, default ``~/.local/state/notebook-ops/
alerts.db`` beside the events spool), shared by every process of the user on this machine: a
run, its tracking follower and the scheduler service that watched it add the same alert under
the same key, and only the first row counts. The key is the alert's id and a digest of where it
really goes (``env:NAME`` resolved), so one receiver named twice (in the pipeline's settings
and on its schedule) hears once; the row keeps the destination as configured, never resolved.

A row's life: ``pending`` -> ``sending`` (claimed by one process, committed before the send)
-> ``sent``; a failed send goes back to ``pending`` with a backoff (``util.backoff``), or to
``failed`` when the destination refused it for good or after ``MAX_ATTEMPTS``. A process that
died during a send leaves its row ``sending``: the next delivery pass marks it
``unconfirmed`` and does not send it again (the receiver may have it already: an alert must
not arrive twice). The window is the send itself; everything else is retried. Settled rows are
forgotten after ``KEEP_S`` (30 days).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import socket
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

from notebook_ops.alerts.delivery import DeliveryError, resolve, send
from notebook_ops.alerts.occurrences import Occurrence
from notebook_ops.model.contracts.alerts import shown
from notebook_ops.util import backoff, faults, procs

log = logging.getLogger("notebook_ops.alerts")

ENV = "NOTEBOOK_OPS_ALERTS_DB"
MAX_ATTEMPTS = 8
RETRY_BASE_S = 5.0
RETRY_CAP_S = 600.0
STALE_SENDING_S = 300.0  # a claim older than this is a dead sender's, wherever it ran
KEEP_S = 30 * 24 * 3600.0  # settled rows are kept this long (a late duplicate is still known)

SCHEMA = """
CREATE TABLE IF NOT EXISTS deliveries (
    alert_id    TEXT NOT NULL,
    target_key  TEXT NOT NULL,
    destination TEXT NOT NULL,
    format      TEXT NOT NULL,
    condition   TEXT NOT NULL,
    occurrence  TEXT NOT NULL,
    state       TEXT NOT NULL,
    attempts    INTEGER NOT NULL DEFAULT 0,
    next_at     REAL NOT NULL,
    owner       TEXT,
    claimed_at  REAL,
    error       TEXT,
    created_at  REAL NOT NULL,
    sent_at     REAL,
    PRIMARY KEY (alert_id, target_key)
);
CREATE INDEX IF NOT EXISTS ix_deliveries_due ON deliveries (state, next_at);
"""


def default_path() -> Path:
    env = os.environ.get(ENV)
    if env:
        return Path(env).expanduser()
    state = os.environ.get("XDG_STATE_HOME") or os.path.join(os.path.expanduser("~"), ".local", "state")
    return Path(state) / "notebook-ops" / "alerts.db"


@dataclass
class Delivery:
    rowid: int
    alert_id: str
    destination: str
    format: str
    condition: str
    state: str
    attempts: int
    error: str | None
    sent_at: float | None
    occurrence: Occurrence

    @property
    def shown(self) -> str:
        return shown(self.destination)


def target_key(destination: str) -> str:
    """A digest of where ``destination`` really goes (``env:NAME`` read here; an unset one is
    keyed as written: its send fails and says so)."""
    try:
        real = resolve(destination)
    except DeliveryError:
        real = destination
    return hashlib.sha256(real.strip().encode()).hexdigest()[:32]


def _owner() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


class Outbox:
    def __init__(self, path=None):
        self.path = Path(path) if path else default_path()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._db() as db:
            db.executescript(SCHEMA)
        with contextlib.suppress(OSError):
            os.chmod(self.path, 0o600)  # destinations may be credentials themselves

    @contextlib.contextmanager
    def _db(self):
        db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        try:
            db.execute("PRAGMA busy_timeout = 30000")
            yield db
        finally:
            db.close()

    # --- adding ---------------------------------------------------------------------------
    def add(
        self, occurrence: Occurrence, destination: str, fmt: str = "auto", now: float | None = None
    ) -> bool:
        """Queue ``occurrence`` for ``destination``; False when it is queued (or sent) already."""
        now = time.time() if now is None else now
        with self._db() as db:
            cur = db.execute(
                "INSERT OR IGNORE INTO deliveries (alert_id, target_key, destination, format, condition,"
                " occurrence, state, next_at, created_at) VALUES (?, ?, ?, ?, ?, ?, 'pending', ?, ?)",
                (
                    occurrence.id,
                    target_key(destination),
                    destination,
                    fmt,
                    occurrence.condition,
                    json.dumps(occurrence.to_dict(), sort_keys=True),
                    now,
                    now,
                ),
            )
            return cur.rowcount == 1

    # --- delivering -----------------------------------------------------------------------
    def deliver_due(self, now: float | None = None, deadline: float | None = None) -> int:
        """Send every due row (one at a time, each claimed first); returns how many were sent.
        Stops at ``deadline`` (a ``time.monotonic()`` value): the rest waits for the next pass."""
        self.settle_stale(now)
        self.prune(now)
        sent = 0
        while deadline is None or time.monotonic() < deadline:
            row = self._claim(time.time() if now is None else now)
            if row is None:
                break
            sent += self._deliver(row)
        return sent

    def _claim(self, now: float) -> Delivery | None:
        with self._db() as db:
            db.execute("BEGIN IMMEDIATE")
            try:
                found = db.execute(
                    "SELECT rowid FROM deliveries WHERE state = 'pending' AND next_at <= ?"
                    " ORDER BY next_at LIMIT 1",
                    (now,),
                ).fetchone()
                if found is None:
                    db.execute("COMMIT")
                    return None
                db.execute(
                    "UPDATE deliveries SET state = 'sending', owner = ?, claimed_at = ?,"
                    " attempts = attempts + 1 WHERE rowid = ?",
                    (_owner(), time.time(), found[0]),
                )
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise
        rows = self._select("WHERE rowid = ?", (found[0],))
        return rows[0] if rows else None

    def _deliver(self, d: Delivery) -> int:
        try:
            send(d.occurrence, d.destination, d.format, d.alert_id)
        except DeliveryError as exc:
            self._failed(d, str(exc), exc.retryable)
            return 0
        except Exception as exc:  # noqa: BLE001 - a bug in a message must not stop the others
            self._failed(d, f"{type(exc).__name__}: {exc}", False)
            return 0
        faults.point("alerts.outbox.after_send")  # a crash here: sent, not yet recorded
        self._set(d, state="sent", sent_at=time.time(), error=None, owner=None)
        log.info("alert %s sent to %s", d.alert_id, d.shown)
        return 1

    def _failed(self, d: Delivery, error: str, retryable: bool) -> None:
        if retryable and d.attempts < MAX_ATTEMPTS:
            wait = backoff.delay(d.attempts, RETRY_BASE_S, RETRY_CAP_S)
            self._set(d, state="pending", next_at=time.time() + wait, error=error, owner=None)
            log.warning(
                "alert %s to %s not sent (%s): retry %d of %d in %.0f s",
                d.alert_id,
                d.shown,
                error,
                d.attempts,
                MAX_ATTEMPTS - 1,
                wait,
            )
        else:
            self._set(d, state="failed", error=error, owner=None)
            log.error("alert %s to %s not sent: %s", d.alert_id, d.shown, error)

    def settle_stale(self, now: float | None = None) -> int:
        """Rows left ``sending`` by a process that is gone -> ``unconfirmed`` (never re-sent)."""
        now = time.time() if now is None else now
        host = socket.gethostname()
        n = 0
        with self._db() as db:
            rows = db.execute(
                "SELECT rowid, alert_id, destination, owner, claimed_at FROM deliveries"
                " WHERE state = 'sending'"
            ).fetchall()
        for rowid, alert_id, destination, owner, claimed_at in rows:
            o_host, _, o_pid = (owner or "").rpartition(":")
            dead_here = o_host == host and o_pid.isdigit() and not procs.alive(int(o_pid))
            if not dead_here and (claimed_at or 0) > now - STALE_SENDING_S:
                continue
            with self._db() as db:
                cur = db.execute(
                    "UPDATE deliveries SET state = 'unconfirmed', error = ? WHERE rowid = ?"
                    " AND state = 'sending' AND owner IS ?",
                    (
                        "the sender stopped during the send: it may have arrived, so it is not sent again",
                        rowid,
                        owner,
                    ),
                )
            if cur.rowcount:
                n += 1
                log.warning(
                    "alert %s to %s: its sender stopped during the send; not sent again",
                    alert_id,
                    shown(destination),
                )
        return n

    def prune(self, now: float | None = None) -> int:
        """Forget settled rows older than ``KEEP_S`` (the file stays small)."""
        now = time.time() if now is None else now
        with self._db() as db:
            cur = db.execute(
                "DELETE FROM deliveries WHERE state IN ('sent', 'failed', 'unconfirmed') AND created_at < ?",
                (now - KEEP_S,),
            )
            return cur.rowcount

    # --- reading --------------------------------------------------------------------------
    def _set(self, d: Delivery, **values) -> None:
        cols = ", ".join(f"{k} = ?" for k in values)
        with self._db() as db:
            db.execute(
                f"UPDATE deliveries SET {cols} WHERE rowid = ?",  # noqa: S608 - our column names
                (*values.values(), d.rowid),
            )

    def get(self, alert_id: str, destination: str) -> Delivery | None:
        rows = self._select("WHERE alert_id = ? AND destination = ?", (alert_id, destination))
        return rows[0] if rows else None

    def deliveries(self, alert_id: str | None = None) -> list[Delivery]:
        if alert_id is None:
            return self._select("ORDER BY created_at", ())
        return self._select("WHERE alert_id = ? ORDER BY created_at", (alert_id,))

    def _select(self, where: str, args: tuple) -> list[Delivery]:
        with self._db() as db:
            rows = db.execute(
                "SELECT rowid, alert_id, destination, format, condition, state, attempts, error, sent_at,"
                f" occurrence FROM deliveries {where}",  # noqa: S608 - fixed clauses
                args,
            ).fetchall()
        names = (
            "rowid",
            "alert_id",
            "destination",
            "format",
            "condition",
            "state",
            "attempts",
            "error",
            "sent_at",
        )
        return [
            Delivery(
                **dict(zip(names, r[:9], strict=True)), occurrence=Occurrence.from_dict(json.loads(r[9]))
            )
            for r in rows
        ]
