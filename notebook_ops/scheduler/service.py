"""The scheduler service: turns due cron times into recorded firings and runs them, exactly once.

One pass (``tick``):
1. heartbeat: extend the leases of the runs this service watches (and its service row);
2. reap: collect finished children, kill timed-out ones (whole tree), record the result, retry
   with backoff or notify;
3. reconcile (at start-up and now and then): runs left "running" by a dead service are adopted
   if their process still lives, otherwise settled from their run.json (or failed / retried);
4. generate: for each due cron schedule, insert one row per firing time (schedule id + time unique,
   so two services or a restart never record one twice), missed ones per the catch-up policy,
   then move the schedule's next firing on;
5. launch: claim pending rows with an atomic UPDATE (free workers, the schedule's concurrency
   limit) and start their child processes.

Schedules of kind "trigger" have no cron: a consumer thread per schedule (``triggers.py``) records
a firing per message (then acknowledges it) and wakes the loop, which runs it like any other.

The clock is injectable (``clock.SystemClock`` by default) and the child command too
(the run service's ``child_command``), so tests drive all of this without waiting or kernels.
"""

from __future__ import annotations

import logging
import os
import secrets
import socket
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy.exc import DBAPIError

from notebook_ops.bundle.run import is_bundle
from notebook_ops.events import publish_schedule_fired
from notebook_ops.execution.run_service import child_command
from notebook_ops.execution.runfolder import new_run_id
from notebook_ops.model.contracts.schedules import RETRYABLE_STATES, Schedule, ScheduledRun
from notebook_ops.model.folder import split_source
from notebook_ops.model.multi import SOURCE_SUFFIXES
from notebook_ops.alerts.dispatch import Deliverer
from notebook_ops.scheduler import executor, notify
from notebook_ops.scheduler import schedule_alerts
from notebook_ops.scheduler.clock import SystemClock
from notebook_ops.scheduler.db_connect import one_line
from notebook_ops.scheduler.firings import record_firings
from notebook_ops.scheduler.schedule_errors import ScheduleNotFound, StoreError, StoreGone
from notebook_ops.scheduler.triggers import TriggerPumps
from notebook_ops.tracking import sync
from notebook_ops.util import backoff, procs

log = logging.getLogger("notebook_ops.scheduler")


def _store_errors() -> tuple:

    return (DBAPIError, StoreError)


STORE_DOWN = _store_errors()


def _one_line(exc) -> str:
    """The driver's own message (a DBAPIError's ``orig``; not the SQL statement) on one line."""
    return one_line(getattr(exc, "orig", None) or exc)


@dataclass
class Watch:
    run: ScheduledRun
    schedule: Schedule
    child: executor.Child
    deadline: datetime | None
    timed_out: bool = False
    exited_at: datetime | None = None  # the child has ended; its MLflow records may lag
    tracking: object = None  # the Future of this service's own sync of the run's MLflow records


TRACKING_WAIT = timedelta(seconds=120)
ALERTS_JOIN_S = 15.0


def _sync_quietly(run_dir) -> None:
    """Log what a run's dead follower left; nothing while it lives (it holds the lock)."""
    try:
        sync.sync_folder(run_dir, wait=False)
    except sync.Busy:
        pass


def _runs_dir(schedule: Schedule) -> Path:
    """Scheduled runs go where ``notebook-ops runs list`` looks: beside the notebook, or under
    the schedule's working folder for a bundle."""
    target = Path(schedule.target)
    folder = split_source(target) if not is_bundle(target) else None
    base = (
        target.parent
        if target.suffix in SOURCE_SUFFIXES
        else folder[0]  # a folder of notebooks: runs beside them
        if folder
        else Path(schedule.workdir)
    )
    return base / ".notebook_ops" / "runs"


class SchedulerService:
    def __init__(
        self,
        store,
        *,
        clock=None,
        workers: int = 4,
        command=None,
        kind: str = "cli",
        lease_ttl: float = 60.0,
        heartbeat_s: float = 10.0,
        poll_s: float = 1.0,
        misfire_grace_s: float = 60.0,
        reconcile_s: float = 30.0,
        lock: str | None = None,
        env: dict | None = None,
        triggers: bool = True,
    ):
        self.store = store
        self.clock = clock or SystemClock()
        self.workers = max(1, int(workers))
        self.command = command or child_command
        self.kind = kind
        self.lease_ttl, self.heartbeat_s, self.poll_s = lease_ttl, heartbeat_s, poll_s
        self.misfire_grace = timedelta(seconds=misfire_grace_s)
        self.reconcile_every = timedelta(seconds=reconcile_s)
        self.lock = lock
        self.env = env
        self.host = socket.gethostname()
        self.id = f"{self.host}:{os.getpid()}:{secrets.token_hex(4)}"
        self.children: dict[int, Watch] = {}
        self.gone: Exception | None = None  # why the service stopped by itself (its store is gone)
        self.stop_event = threading.Event()
        self.wake = threading.Event()  # set by stop() and by a child that exits
        self.active = lock is None  # False while another host holds the lock
        self.started = False
        self._last_hb: datetime | None = None
        self._last_reconcile: datetime | None = None
        self.notifications: list[threading.Thread] = []
        self.deliverer = Deliverer()  # sends the alerts outbox's due rows off the loop

        self._tracking_pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="nbo-sched-mlflow")
        self.triggers = None  # the consumers of trigger schedules (``triggers.py``)
        if triggers:
            self.triggers = TriggerPumps(
                store, self.clock, poll_s=min(poll_s, 0.5), on_recorded=self.wake.set
            )

    # lifecycle --------------------------------------------------------------------------
    def start(self) -> None:
        now = self.clock.now()
        self.store.register_service(self.id, self.host, os.getpid(), self.kind, self.workers, now)
        self.started = True
        log.info(
            "scheduler %s started: %d workers, store %s",
            self.id,
            self.workers,
            getattr(self.store, "safe_url", self.store.url),
        )

    def run(self, once: bool = False) -> None:
        """Loop until ``stop()`` (or, with ``once``, until nothing due is left to run)."""
        if not self.started:
            self.start()
        down = None  # the store error of an outage, logged once
        try:
            while not self.stop_event.is_set():
                self.wake.clear()  # a child ending during the pass wakes the sleep
                try:
                    wait, launched = self.tick()
                except StoreGone as exc:  # firing into a deleted file would lose every run
                    log.error("scheduler %s stops: %s", self.id, exc)
                    self.gone = exc
                    break
                except STORE_DOWN as exc:  # a database restart must not end the service:
                    if down is None:  # runs go on, and the next pass records them
                        log.error(
                            "scheduler %s: the store is unreachable (%s); retrying every %g s",
                            self.id,
                            _one_line(exc),
                            self.poll_s,
                        )
                    down, wait, launched = exc, self.poll_s, 0
                else:
                    if down is not None:
                        log.info("scheduler %s: the store is back", self.id)
                        down = None
                if once and not self.children and not launched and down is None:
                    break
                self.clock.sleep(wait, self.wake)
        finally:
            self.shutdown()

    def stop(self) -> None:
        self.stop_event.set()
        self.wake.set()

    def shutdown(self) -> None:
        """Stop: runs in progress go on; their leases lapse now so the next service adopts them."""
        if self.triggers is not None:
            self.triggers.stop_all()  # unacknowledged messages go back to the broker
        self.deliverer.join(ALERTS_JOIN_S)  # a send in progress ends before the process does
        now = self.clock.now()
        try:
            n = self.store.release(self.id, now)
            if self.lock:
                self.store.release_lock(self.lock, self.id)
        except STORE_DOWN as exc:  # the leases lapse by themselves
            log.warning("scheduler %s: could not release its leases (%s)", self.id, _one_line(exc))
            n = len(self.children)
        if n:
            log.info("scheduler stopped; %d run(s) go on and the next start records them", n)
        else:
            log.info("scheduler stopped")
        self.children.clear()
        self.started = False

    # one pass -------------------------------------------------------------------------------
    def tick(self) -> tuple[float, int]:
        """One pass; returns (seconds until the next pass is useful, runs launched)."""
        check = getattr(self.store, "check_file", None)
        if check is not None:
            check()
        now = self.clock.now()
        if self._last_hb is None or (now - self._last_hb).total_seconds() >= self.heartbeat_s:
            self._last_hb = now
            self.store.heartbeat(self.id, now, self.lease_ttl)
            if self.lock:
                was = self.active
                self.active = self.store.acquire_lock(self.lock, self.id, now, self.lease_ttl)
                if self.active != was:
                    log.info(
                        "scheduler %s: %s the %r lock",
                        self.id,
                        "holds" if self.active else "waits for",
                        self.lock,
                    )
        self._reap(now)
        if not self.active:
            if self.triggers is not None:
                self.triggers.stop_all()
            return self.poll_s, 0
        if self.triggers is not None:
            self.triggers.sync()
        if self._last_reconcile is None or now - self._last_reconcile >= self.reconcile_every:
            self._last_reconcile = now
            self.reconcile(now)
        if record_firings(self.store, self.misfire_grace, now):
            self.deliverer.kick(force=True)  # a missed firing's alerts
        launched = self._launch(now)
        if schedule_alerts.outbox_exists():
            self.deliverer.kick()  # alerts a receiver could not take yet
        wait = self.poll_s
        nxt = self.store.next_due()
        if nxt is not None:
            wait = min(wait, max(0.005, (nxt - self.clock.now()).total_seconds()))
        for w in self.children.values():  # our children wake us when they exit
            if isinstance(w.child, executor.Adopted) or w.timed_out:
                wait = min(wait, 0.2)  # no exit signal / SIGKILL after the grace
            elif w.deadline is not None:
                wait = min(wait, max(0.01, (w.deadline - now).total_seconds()))
        return wait, launched

    # 5. launch ------------------------------------------------------------------------------
    def _launch(self, now: datetime) -> int:
        free = self.workers - len(self.children)
        claimed = self.store.claim(now, self.id, self.lease_ttl, free) if free > 0 else []
        for run in claimed:
            try:
                s = self.store.get_schedule(run.schedule_id)
            except ScheduleNotFound:
                continue
            self._start(run, s, now)
        return len(claimed)

    def _start(self, run: ScheduledRun, s: Schedule, now: datetime) -> None:
        run_dir = str(_runs_dir(s) / f"{new_run_id()}-s{s.id}r{run.id}a{run.attempt}")
        # the folder is recorded before the process exists: a crash in between is found by it
        self.store.set_child(run.id, self.id, None, run_dir)
        env = dict(os.environ if self.env is None else self.env)
        env.update(
            NOTEBOOK_OPS_SCHEDULE=s.name,
            NOTEBOOK_OPS_SCHEDULED_FOR=run.scheduled_for.isoformat(),
            NOTEBOOK_OPS_ATTEMPT=str(run.attempt),
        )
        if run.message_id:
            env["NOTEBOOK_OPS_TRIGGER_MESSAGE_ID"] = run.message_id
        try:
            argv = self.command(s.target, run_dir, run.parameters)
            child = executor.Launched(argv, run_dir, cwd=s.workdir, env=env, on_exit=self.wake.set)
        except (OSError, ValueError) as exc:
            log.error("schedule %s: cannot start run %d: %s", s.name, run.id, exc)
            self._settle(run, s, {"state": "failed", "error": f"cannot start: {exc}"}, now)
            return
        self.store.set_child(run.id, self.id, child.pid, run_dir)
        more = {"message_id": run.message_id} if run.message_id else {}
        publish_schedule_fired(  # returns at once; never raises
            schedule_id=s.id,
            name=s.name,
            target=s.target,
            attempt=run.attempt,
            scheduled_for=run.scheduled_for,
            parameters=run.parameters,
            run_dir=run_dir,
            kind=s.kind,
            run_id=Path(run_dir).name,
            **more,
        )
        run.child_pid, run.run_dir = child.pid, run_dir
        deadline = now + timedelta(seconds=s.timeout_s) if s.timeout_s else None
        self.children[run.stored_id] = Watch(run, s, child, deadline)
        log.info(
            "schedule %s: run %d (for %s, attempt %d) started: pid %d, %s",
            s.name,
            run.id,
            run.scheduled_for.isoformat(timespec="seconds"),
            run.attempt,
            child.pid,
            run_dir,
        )

    # 2. reap --------------------------------------------------------------------------------
    def _reap(self, now: datetime) -> None:
        for rid, w in list(self.children.items()):
            done, rc = w.child.poll()
            if not done:
                if w.deadline is not None and now >= w.deadline:
                    if not w.timed_out:
                        log.warning(
                            "schedule %s: run %d timed out; killing its process tree", w.schedule.name, rid
                        )
                    w.timed_out = True
                    w.child.stop()
                continue
            if w.timed_out:
                w.child.reap_tree()
            if not self._tracking_settled(w, now):
                continue
            res = executor.outcome(w.child.run_dir, rc, timed_out=w.timed_out, timeout_s=w.schedule.timeout_s)
            self._settle(w.run, w.schedule, res, now)
            del self.children[rid]  # after it is recorded: a store error retries next pass

    def _tracking_settled(self, w: Watch, now: datetime) -> bool:
        """Whether an ended child's MLflow records are written (so its row gets the MLflow run
        id). Its follower process writes them; if it died, this service does (in a thread, so
        MLflow stays loaded for the next run). Waits ``TRACKING_WAIT`` at most."""
        run_dir = w.child.run_dir
        if not run_dir or not (Path(run_dir) / sync.TRACKING).is_dir() or not sync.pending(run_dir):
            return True
        w.exited_at = w.exited_at or now
        error = sync.logged(run_dir).get("error")
        if error and w.tracking is not None and w.tracking.done():  # type: ignore[attr-defined]
            # the follower gave up and this service's own try failed too: waiting longer
            # would only hold the worker slot; the error is in run.json for `runs sync`
            log.warning(
                "schedule %s: run %d is not in MLflow (%s); `runs sync` logs it",
                w.schedule.name,
                w.run.id,
                error,
            )
            return True
        if now - w.exited_at > TRACKING_WAIT:
            log.warning(
                "schedule %s: run %d is not in MLflow yet; `runs sync` logs it", w.schedule.name, w.run.id
            )
            return True
        if w.tracking is None or w.tracking.done():  # type: ignore[attr-defined]
            w.tracking = self._tracking_pool.submit(_sync_quietly, run_dir)
        return False

    def _settle(self, run: ScheduledRun, s: Schedule, res: dict, now: datetime) -> None:
        res = dict(res)
        state = res.pop("state")
        bad_input = res.pop("bad_input", False)
        res.setdefault("run_dir", run.run_dir)
        if state in RETRYABLE_STATES and not bad_input and run.attempt <= s.retries:
            delay = backoff.delay(run.attempt, s.retry_delay_s)
            if self.store.requeue(run.id, self.id, now + timedelta(seconds=delay), **res):
                log.warning(
                    "schedule %s: run %d %s (attempt %d of %d); retry in %g s",
                    s.name,
                    run.id,
                    state,
                    run.attempt,
                    s.retries + 1,
                    delay,
                )
            return
        if not self.store.finish(run.id, self.id, now, state, **res):
            log.warning(
                "schedule %s: run %d ended %s but is not recorded (the schedule was removed "
                "or another service took its lease)",
                s.name,
                run.id,
                state,
            )
            return
        log.info("schedule %s: run %d %s", s.name, run.id, state)
        if s.alerts:
            schedule_alerts.after_run(s, run.run_id or res.get("run_id"), state, res, self.store)
            self.deliverer.kick(force=True)
        if state in notify.NOTIFY_STATES and s.webhook:
            body = notify.message(s, self.store.get_run(run.id).view())
            self.notifications.append(
                notify.send(
                    s.webhook, body, on_sent=lambda: self.store.mark_notified(run.id, self.clock.now())
                )
            )

    # 3. reconcile ---------------------------------------------------------------------------
    def reconcile(self, now: datetime) -> None:
        for r in self.store.orphans(now, f"{self.host}:", self.id):
            o_host, o_pid = _owner(r.owner)
            local_owner_alive = o_host == self.host and o_pid is not None and procs.alive(o_pid)
            if not r.child_pid and local_owner_alive:
                continue  # its live owner is starting it (claimed; run folder, then process next)
            expired = r.lease_expires_at is None or r.lease_expires_at < now
            if not expired and not (o_host == self.host and o_pid and not local_owner_alive):
                continue  # a live service on this host holds it
            if not self.store.adopt(r.id, r.owner, self.id, now, self.lease_ttl):
                continue
            try:
                s = self.store.get_schedule(r.schedule_id)
            except ScheduleNotFound:
                continue
            run = self.store.get_run(r.id)
            pid = run.child_pid
            if o_host == self.host and run.run_dir and not pid:
                pid = procs.find(run.run_dir)
            if o_host == self.host and pid and procs.alive(pid, run.run_dir):
                deadline = (
                    run.started_at + timedelta(seconds=s.timeout_s)
                    if s.timeout_s and run.started_at
                    else None
                )
                self.children[run.stored_id] = Watch(run, s, executor.Adopted(pid, run.run_dir), deadline)
                log.info("schedule %s: adopted run %d (pid %d) from %s", s.name, run.id, pid, r.owner)
                continue
            res = (
                executor.outcome(run.run_dir, None)
                if run.run_dir
                else {"state": "failed", "error": "the scheduler stopped before the run started"}
            )
            log.info("schedule %s: run %d of a stopped scheduler settled as %s", s.name, run.id, res["state"])
            self._settle(run, s, res, now)

    def wait_notifications(self, timeout: float = 30.0) -> None:
        for t in self.notifications:
            t.join(timeout)
        self.deliverer.join(timeout)


def _owner(owner: str | None) -> tuple[str | None, int | None]:
    try:
        host, pid, _ = (owner or "").rsplit(":", 2)
        return host, int(pid)
    except ValueError:
        return None, None
