"""Scheduler test helpers: a clock the test sets, the fake child command, a tick loop."""

from __future__ import annotations

import json
import sys
import threading
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

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
