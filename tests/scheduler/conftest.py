"""Scheduler test fixtures: a clock the test sets, a store in a temp folder, a fake child command."""
from __future__ import annotations

import json
import sys
import threading
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
FAKE_RUN = HERE / "fake_run.py"
UTC = timezone.utc


class ManualClock:
    """The service's time source, moved by the test (``advance``/``set``); sleeps are short real
    waits so child processes make progress."""

    def __init__(self, start: datetime):
        self.t = start
        self.lock = threading.Lock()

    def now(self) -> datetime:
        with self.lock:
            return self.t

    def set(self, t: datetime) -> None:
        with self.lock:
            self.t = t

    def advance(self, **kw) -> datetime:
        with self.lock:
            self.t += timedelta(**kw)
            return self.t

    def sleep(self, seconds, stop) -> None:
        stop.wait(0.02)


def fake_command(target, run_dir, params):
    return [sys.executable, str(FAKE_RUN), "--run-dir", str(run_dir), json.dumps(params)]


def drive(services, until, timeout=60.0, what="condition"):
    """Tick the services (real time passes for the children) until ``until()`` is true."""
    if not isinstance(services, (list, tuple)):
        services = [services]
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        for s in services:
            s.tick()
        if until():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.fixture
def clock():
    return ManualClock(datetime(2026, 3, 2, 9, 0, 0, tzinfo=UTC))


@pytest.fixture
def db_url(tmp_path):
    return f"sqlite:///{tmp_path / 'sched.db'}"


@pytest.fixture
def store(db_url):
    from notebook_ops.scheduler.store import Store

    s = Store(db_url)
    yield s
    s.close()


@pytest.fixture
def add_schedule(store, clock, tmp_path):
    """Insert a schedule straight into the store (the service tests use a fake target)."""
    from notebook_ops.scheduler.cron import Cron
    from notebook_ops.scheduler.models import Schedule

    def add(name="job", cron="* * * * *", **kw):
        kw.setdefault("target", str(tmp_path / "job.ipynb"))
        kw.setdefault("workdir", str(tmp_path))
        s = Schedule(name=name, cron=cron, **kw)
        s.next_fire_at = Cron(cron, s.tz).next_after(clock.now())
        return store.add_schedule(s, clock.now())
    return add


@pytest.fixture
def service(store, clock):
    from notebook_ops.scheduler.service import SchedulerService

    made = []

    def make(**kw):
        kw.setdefault("workers", 4)
        kw.setdefault("command", fake_command)
        svc = SchedulerService(store if "store" not in kw else kw.pop("store"), clock=clock, **kw)
        svc.start()
        made.append(svc)
        return svc
    yield make
    for svc in made:
        for w in list(svc.children.values()):
            w.child.stop()
            w.child.reap_tree()
            try:
                import os
                import signal
                os.killpg(w.child.pid, signal.SIGKILL)
            except OSError:
                pass
