"""Scheduler test helpers: a clock the test sets, the fake child command, a tick loop."""

from __future__ import annotations

import json
import sys
import threading
from datetime import datetime, timedelta, timezone
from pathlib import Path

from waiting import eventually

HERE = Path(__file__).resolve().parent
FAKE_RUN = HERE / "fake_run.py"
UTC = timezone.utc


class ManualClock:
    """The service's time source, moved by the test (``advance``/``set``); sleeps are short real
    waits so child processes make progress. The service sleeps once per pass of its loop, so
    ``passes`` tells a test that the service had its chance (instead of a sleep and a hope)."""

    def __init__(self, start: datetime):
        self.t = start
        self.lock = threading.Lock()
        self.passes = 0

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
        with self.lock:
            self.passes += 1
        stop.wait(0.02)

    def passed(self, n: int, what: str = "the service") -> None:
        """Wait until the service made ``n`` more passes of its loop than it has so far."""
        start = self.passes
        eventually(lambda: self.passes >= start + n, what=f"{what} to make {n} passes")


def fake_command(target, run_dir, params):
    return [sys.executable, str(FAKE_RUN), "--run-dir", str(run_dir), json.dumps(params)]


def drive(services, until, timeout=60.0, what="condition"):
    """Tick the services (real time passes for the children) until ``until()`` is true."""
    if not isinstance(services, (list, tuple)):
        services = [services]

    def ticked():
        for s in services:
            s.tick()
        return until()

    return eventually(ticked, timeout=timeout, what=what)
