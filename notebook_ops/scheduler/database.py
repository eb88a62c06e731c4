"""The schedule store: schedules, one row per firing, leases, services and locks, in SQLAlchemy.

Where: the SQLAlchemy URL in ``NOTEBOOK_OPS_DB`` (a plain path means a SQLite file), else the
SQLite file ``.notebook_ops/scheduler.db`` under the current folder (or under the folder given
as ``base_dir``, e.g. the Jupyter server's root). SQLite runs in WAL mode with a busy timeout and
every transaction starts with ``BEGIN IMMEDIATE``, so several processes share one file and each
check-then-write (claim a firing, take a lease) is atomic. On a server database (PostgreSQL,
``postgresql+psycopg://``; READ COMMITTED) transactions overlap, so what a check-then-write reads
is locked first: a claim locks its schedules' rows (``FOR NO KEY UPDATE``), so does recording a
trigger message; a lock or a firing inserted twice at once ends in a unique key, not an error;
migrations take an advisory lock (``migrations/env.py``). The schema is made and upgraded by the
alembic migrations shipped in ``migrations/`` when a store is opened.

Every method takes the time as an argument: the service's clock decides, never this module.
"""

from __future__ import annotations

import os
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, delete, event, func, insert, or_, select, update
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError

from notebook_ops.scheduler import orm
from notebook_ops.scheduler.schedule_errors import ScheduleExists, ScheduleNotFound, StoreError, StoreGone
from notebook_ops.model.contracts.schedules import RUN_FIELDS, SCHEDULE_FIELDS, Schedule, ScheduledRun
from notebook_ops.util import faults
from notebook_ops.scheduler.db_connect import (
    ENV_URL,
    begin_immediate,
    default_url,
    engine_url,
    one_line,
    safe_url,
    sqlite_pragmas,
)
from notebook_ops.scheduler.service_locks import ServicesAndLocks
from notebook_ops.scheduler.db_rows import (
    as_row,
    insert_ignoring_conflict,
    inserted_id,
    json_values,
    row_values,
)

HEAD = "0004"  # the newest migration (a test keeps it equal to alembic's head)
VERSION_TABLE = "notebook_ops_scheduler_version"
_MAX_ID = 2**31 - 1  # Integer ids: 32 bits on PostgreSQL
_RECORD_TRIES = 5  # record_message on a dialect without row locks: retries


class Store(ServicesAndLocks):
    def __init__(self, url: str | None = None, *, base_dir=None, migrate: bool = True):
        self.url = url or default_url(base_dir)
        self.safe_url = safe_url(self.url)
        kw: dict[str, Any] = {}
        self.is_sqlite = self.url.startswith("sqlite")
        self.path: Path | None = None  # the database file of a sqlite store
        if self.is_sqlite:
            path = self.url.split("///", 1)[-1] if "///" in self.url else ""
            if path and path != ":memory:":
                self.path = Path(path.split("?", 1)[0])
                self.path.parent.mkdir(parents=True, exist_ok=True)
            kw["connect_args"] = {"timeout": 30, "check_same_thread": False}
        else:
            kw["pool_pre_ping"] = True  # a server restarted since: reconnect, not fail
        try:
            self.engine = create_engine(engine_url(self.url), **kw)
        except Exception as exc:  # bad URL, missing driver
            hint = f"set {ENV_URL} (or --db) to a SQLAlchemy URL"
            if self.url.startswith("postgres"):
                hint = (
                    "PostgreSQL: postgresql+psycopg://USER@HOST:PORT/DB with psycopg installed "
                    "(pip install 'psycopg[binary]')"
                )
            raise StoreError(
                f"cannot open the schedule store {self.safe_url!r}: {one_line(exc)}", hint=hint
            ) from None
        if self.is_sqlite:
            event.listen(self.engine, "connect", sqlite_pragmas)
            event.listen(self.engine, "begin", begin_immediate)
        if migrate:
            self.migrate()
        self._identity = self._file_identity()

    def _file_identity(self) -> tuple[int, int] | None:
        if self.path is None:
            return None
        try:
            st = os.stat(self.path)
        except FileNotFoundError:
            return None
        return st.st_dev, st.st_ino

    def check_file(self) -> None:
        """``StoreGone`` when the sqlite file this store opened was deleted or replaced since
        (sqlite would go on writing into the deleted file: every firing lost)."""
        if self.path is None or self._identity is None:
            return
        now = self._file_identity()
        if now != self._identity:
            what = "deleted" if now is None else "replaced by another file"
            raise StoreGone(
                f"the schedule store {self.path} was {what} while the scheduler ran",
                hint="restore it (or let the next `notebook-ops scheduler` start a new one) and "
                "start the scheduler again",
            )

    def close(self) -> None:
        self.engine.dispose()

    # schema -----------------------------------------------------------------------------
    def revision(self) -> str | None:
        try:
            with self.engine.connect() as c:
                return c.exec_driver_sql(f"SELECT version_num FROM {VERSION_TABLE}").scalar()
        except OperationalError:
            return None
        except Exception:
            return None

    def migrate(self) -> None:
        """Bring the schema to the newest migration (alembic), safely from several processes."""
        if self.revision() == HEAD:
            return
        from alembic import command  # noqa: PLC0415 - alembic only when a store migrates
        from alembic.config import Config  # noqa: PLC0415 - alembic only when a store migrates

        cfg = Config()
        cfg.set_main_option("script_location", str(Path(__file__).parent / "migrations"))
        try:
            # one migrator at a time: SQLite's BEGIN IMMEDIATE; elsewhere an advisory lock (env.py)
            with self.engine.begin() as conn:
                cfg.attributes["connection"] = conn
                command.upgrade(cfg, "head")
                faults.point("scheduler.store.migrate.before_commit")
        except DBAPIError as exc:
            hint = None if self.is_sqlite else "is the database server up, and the URL right?"
            raise StoreError(
                f"cannot open or upgrade the schedule store: {one_line(exc.orig)}",
                path=self.safe_url,
                hint=hint,
            ) from None

    # schedules --------------------------------------------------------------------------
    def add_schedule(self, s: Schedule, now: datetime) -> Schedule:
        values = row_values(s, SCHEDULE_FIELDS, created_at=now, updated_at=now)
        try:
            with self.engine.begin() as c:
                sid = inserted_id(c.execute(insert(orm.schedules).values(**json_values(values))))
        except IntegrityError:
            raise ScheduleExists(
                f"a schedule named {s.name!r} exists", hint="choose another --name or remove it first"
            ) from None
        return self.get_schedule(sid)

    def get_schedule(self, ref) -> Schedule:
        t = orm.schedules
        is_id = (isinstance(ref, int) or str(ref).isdigit()) and int(ref) <= _MAX_ID
        cond = t.c.id == int(ref) if is_id else t.c.name == str(ref)
        with self.engine.connect() as c:
            row = c.execute(select(t).where(cond)).first()
            if row is None and str(ref).isdigit():
                row = c.execute(select(t).where(t.c.name == str(ref))).first()
        if row is None:
            raise ScheduleNotFound(f"no schedule {ref!r}", hint="see: notebook-ops schedule list")
        return as_row(Schedule, SCHEDULE_FIELDS, row)

    def list_schedules(self) -> list[Schedule]:
        with self.engine.connect() as c:
            rows = c.execute(select(orm.schedules).order_by(orm.schedules.c.name)).all()
        return [as_row(Schedule, SCHEDULE_FIELDS, r) for r in rows]

    def update_schedule(self, sid: int, now: datetime, **values) -> Schedule:
        with self.engine.begin() as c:
            c.execute(
                update(orm.schedules)
                .where(orm.schedules.c.id == sid)
                .values(updated_at=now, **json_values(values))
            )
        return self.get_schedule(sid)

    def delete_schedule(self, sid: int) -> None:
        with self.engine.begin() as c:
            self._lock_schedules(c, [sid], key_share=False)  # claims wait, not deadlock
            c.execute(delete(orm.runs).where(orm.runs.c.schedule_id == sid))
            c.execute(delete(orm.schedules).where(orm.schedules.c.id == sid))

    def due_schedules(self, now: datetime) -> list[Schedule]:
        t = orm.schedules
        with self.engine.connect() as c:
            rows = c.execute(
                select(t).where(t.c.paused.is_(False), t.c.next_fire_at <= now).order_by(t.c.next_fire_at)
            ).all()
        return [as_row(Schedule, SCHEDULE_FIELDS, r) for r in rows]

    def next_due(self) -> datetime | None:
        """The earliest next firing of any active schedule."""
        t = orm.schedules
        with self.engine.connect() as c:
            return c.execute(
                select(t.c.next_fire_at)
                .where(t.c.paused.is_(False), t.c.next_fire_at.is_not(None))
                .order_by(t.c.next_fire_at)
                .limit(1)
            ).scalar()

    def advance(self, sid: int, old: datetime | None, new: datetime | None, now: datetime) -> bool:
        """Move a schedule's next firing from ``old`` to ``new``; False if someone else did."""
        t = orm.schedules
        cond = t.c.next_fire_at.is_(None) if old is None else t.c.next_fire_at == old
        with self.engine.begin() as c:
            return (
                c.execute(
                    update(t).where(t.c.id == sid, cond).values(next_fire_at=new, updated_at=now)
                ).rowcount
                == 1
            )

    # firings ----------------------------------------------------------------------------
    def insert_runs(self, rows: list[ScheduledRun], now: datetime) -> int:
        """Insert firings; one already recorded (same schedule and time) is left as it is."""
        n = 0
        with self.engine.begin() as c:
            for r in rows:
                values = row_values(r, RUN_FIELDS, created_at=now, not_before=r.not_before or r.scheduled_for)
                if self.engine.dialect.name == "sqlite":
                    n += c.execute(insert_ignoring_conflict("sqlite", values)).rowcount
                    continue
                if self.engine.dialect.name == "postgresql":  # rowcount is -1 there: count rows
                    n += len(
                        c.execute(
                            insert_ignoring_conflict("postgresql", values).returning(orm.runs.c.id)
                        ).all()
                    )
                    continue
                with c.begin_nested():
                    try:
                        c.execute(insert(orm.runs).values(**json_values(values)))
                        n += 1
                    except IntegrityError:
                        pass
            faults.point("scheduler.store.firings.before_commit")
        faults.point("scheduler.store.firings.after_commit")
        return n

    def record_message(self, row: ScheduledRun, now: datetime) -> tuple[ScheduledRun, bool]:
        """Record the firing a trigger message asks for, once: -> (the row, newly recorded).

        A message already recorded for this schedule (a redelivery after the service stopped
        between recording and acknowledging) gives back its row. The firing time is the time
        of receipt, moved on by a microsecond if another message took that instant."""
        for attempt in range(_RECORD_TRIES):
            try:
                return self._record_message(row, now)
            except IntegrityError:  # recorded at once by another service: look again
                if attempt == _RECORD_TRIES - 1:
                    raise
        raise StoreError(f"message {row.message_id} not recorded after {_RECORD_TRIES} tries")

    def _record_message(self, row: ScheduledRun, now: datetime) -> tuple[ScheduledRun, bool]:
        r = orm.runs
        with self.engine.begin() as c:
            self._lock_schedules(c, [row.schedule_id])  # recorders of one schedule in turn
            old = c.execute(
                select(r.c.id).where(r.c.schedule_id == row.schedule_id, r.c.message_id == row.message_id)
            ).scalar()
            if old is None:
                taken = set(
                    c.execute(
                        select(r.c.scheduled_for).where(
                            r.c.schedule_id == row.schedule_id,
                            r.c.scheduled_for >= row.scheduled_for,
                            r.c.scheduled_for < row.scheduled_for + timedelta(seconds=1),
                        )
                    ).scalars()
                )
                while row.scheduled_for in taken:
                    row.scheduled_for += timedelta(microseconds=1)
                values = row_values(
                    row, RUN_FIELDS, created_at=now, not_before=row.not_before or row.scheduled_for
                )
                rid = inserted_id(c.execute(insert(r).values(**json_values(values))))
        if old is not None:
            return self.get_run(old), False
        return self.get_run(rid), True

    def _lock_schedules(self, c, ids, key_share: bool = True) -> None:
        """Lock these schedules' rows until the transaction ends (in id order: no deadlock).
        SQLite needs none: its transactions run one at a time. ``key_share`` (FOR NO KEY
        UPDATE) still lets firings be inserted meanwhile."""
        if self.is_sqlite or not ids:
            return
        t = orm.schedules
        c.execute(
            select(t.c.id)
            .where(t.c.id.in_(sorted(set(ids))))
            .order_by(t.c.id)
            .with_for_update(key_share=key_share)
        ).all()

    def trigger_schedules(self) -> list[Schedule]:
        """Active schedules of kind trigger (the service keeps a consumer open for each)."""
        t = orm.schedules
        with self.engine.connect() as c:
            rows = c.execute(
                select(t).where(t.c.kind == "trigger", t.c.paused.is_(False)).order_by(t.c.id)
            ).all()
        return [as_row(Schedule, SCHEDULE_FIELDS, r) for r in rows]

    def claim(self, now: datetime, owner: str, ttl: float, limit: int) -> list[ScheduledRun]:
        """Take up to ``limit`` due pending firings: each by one atomic UPDATE that also checks
        the schedule's concurrency limit; another service's claim on the same row fails, and
        claims on one schedule run in turn (SQLite: BEGIN IMMEDIATE; else a row lock)."""
        if limit <= 0:
            return []
        r, s = orm.runs, orm.schedules
        r2 = r.alias("r2")
        running = (
            select(func.count())
            .select_from(r2)
            .where(r2.c.schedule_id == r.c.schedule_id, r2.c.state == "running")
            .scalar_subquery()
        )
        limit_q = select(s.c.max_concurrent).where(s.c.id == r.c.schedule_id).scalar_subquery()
        got: list[int] = []
        with self.engine.begin() as c:
            cands = c.execute(
                select(r.c.id, r.c.schedule_id)
                .where(r.c.state == "pending", r.c.not_before <= now)
                .order_by(r.c.not_before, r.c.id)
                .limit(limit * 8 + 8)
            ).all()
            # READ COMMITTED: the count below sees only committed runs, so two services could
            # each start one; with the schedules locked, the second counts the first's claim
            self._lock_schedules(c, [sid for _, sid in cands])
            for rid, _ in cands:
                if len(got) >= limit:
                    break
                res = c.execute(
                    update(r)
                    .where(r.c.id == rid, r.c.state == "pending", running < limit_q)
                    .values(
                        state="running",
                        owner=owner,
                        attempt=r.c.attempt + 1,
                        lease_expires_at=now + timedelta(seconds=ttl),
                        started_at=now,
                        finished_at=None,
                        child_pid=None,
                        exit_code=None,
                        error=None,
                    )
                )
                if res.rowcount == 1:
                    got.append(rid)
            if got:  # the points mark a claim, not a pass that found nothing to claim
                faults.point("scheduler.store.claim.before_commit")
        if got:
            faults.point("scheduler.store.claim.after_commit")
        return [self.get_run(i) for i in got]

    def _update_held(self, rid: int, holder: str, values: dict) -> bool:
        """Update run ``rid`` only while ``holder`` holds it (running); -> whether it did."""
        r = orm.runs
        with self.engine.begin() as c:
            held = update(r).where(r.c.id == rid, r.c.owner == holder, r.c.state == "running")
            done = c.execute(held.values(**values)).rowcount == 1
            faults.point("scheduler.store.run.before_commit")
        faults.point("scheduler.store.run.after_commit")
        return done

    def set_child(self, rid: int, owner: str, pid: int | None, run_dir: str) -> bool:
        return self._update_held(rid, owner, {"child_pid": pid, "run_dir": run_dir})

    def heartbeat(self, owner: str, now: datetime, ttl: float) -> int:
        """Extend every lease ``owner`` holds; also its service row."""
        r = orm.runs
        with self.engine.begin() as c:
            c.execute(update(orm.services).where(orm.services.c.id == owner).values(heartbeat_at=now))
            return c.execute(
                update(r)
                .where(r.c.owner == owner, r.c.state == "running")
                .values(lease_expires_at=now + timedelta(seconds=ttl))
            ).rowcount

    def finish(self, rid: int, owner: str, now: datetime, state: str, **values) -> bool:
        """Record a final state, only if ``owner`` still holds the run."""
        final = {"state": state, "finished_at": now, "lease_expires_at": None}
        return self._update_held(rid, owner, {**final, **json_values(values)})

    def requeue(self, rid: int, owner: str, not_before: datetime, **values) -> bool:
        """Back to pending for a retry after ``not_before`` (keeps the attempt count)."""
        back = {"state": "pending", "owner": None, "lease_expires_at": None, "not_before": not_before}
        return self._update_held(rid, owner, {**back, **json_values(values)})

    def mark_notified(self, rid: int, now: datetime) -> None:
        with self.engine.begin() as c:
            c.execute(update(orm.runs).where(orm.runs.c.id == rid).values(notified_at=now))

    def orphans(self, now: datetime, host_prefix: str, me: str) -> list[ScheduledRun]:
        """Running firings whose lease ran out, or held by another process on this host."""
        r = orm.runs
        with self.engine.connect() as c:
            rows = c.execute(
                select(r).where(
                    r.c.state == "running",
                    r.c.owner != me,
                    or_(r.c.lease_expires_at < now, r.c.owner.like(host_prefix + "%")),
                )
            ).all()
        return [as_row(ScheduledRun, RUN_FIELDS, x) for x in rows]

    def adopt(self, rid: int, old_owner: str, me: str, now: datetime, ttl: float) -> bool:
        r = orm.runs
        with self.engine.begin() as c:
            return (
                c.execute(
                    update(r)
                    .where(r.c.id == rid, r.c.state == "running", r.c.owner == old_owner)
                    .values(owner=me, lease_expires_at=now + timedelta(seconds=ttl))
                ).rowcount
                == 1
            )

    def release(self, owner: str, now: datetime) -> int:
        """Let go of ``owner``'s running firings (their runs go on); the next service adopts them."""
        r = orm.runs
        with self.engine.begin() as c:
            c.execute(delete(orm.services).where(orm.services.c.id == owner))
            return c.execute(
                update(r).where(r.c.owner == owner, r.c.state == "running").values(lease_expires_at=now)
            ).rowcount

    def get_run(self, rid: int) -> ScheduledRun:
        with self.engine.connect() as c:
            row = c.execute(self._runs_query().where(orm.runs.c.id == rid)).first()
        if row is None:
            raise ScheduleNotFound(f"no scheduled run {rid}")
        return as_row(ScheduledRun, RUN_FIELDS, row)

    def _runs_query(self):
        return select(orm.runs, orm.schedules.c.name.label("schedule_name")).join(
            orm.schedules, orm.schedules.c.id == orm.runs.c.schedule_id
        )

    def list_runs(
        self, schedule_id: int | None = None, *, limit: int = 50, states=None
    ) -> list[ScheduledRun]:
        q = self._runs_query()
        if schedule_id is not None:
            q = q.where(orm.runs.c.schedule_id == schedule_id)
        if states:
            q = q.where(orm.runs.c.state.in_(list(states)))
        q = q.order_by(orm.runs.c.scheduled_for.desc(), orm.runs.c.id.desc())
        if limit:
            q = q.limit(limit)
        with self.engine.connect() as c:
            return [as_row(ScheduledRun, RUN_FIELDS, x) for x in c.execute(q).all()]

    def count_active(self, schedule_id: int) -> int:
        r = orm.runs
        with self.engine.connect() as c:
            return c.execute(
                select(func.count())
                .select_from(r)
                .where(r.c.schedule_id == schedule_id, r.c.state.in_(("pending", "running")))
            ).scalar_one()

    def count_runs(self, schedule_id: int | None = None, state: str | None = None) -> int:
        r = orm.runs
        q = select(func.count()).select_from(r)
        if schedule_id is not None:
            q = q.where(r.c.schedule_id == schedule_id)
        if state:
            q = q.where(r.c.state == state)
        with self.engine.connect() as c:
            return c.execute(q).scalar_one()
