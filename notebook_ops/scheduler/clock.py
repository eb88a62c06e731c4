"""Where the service gets the time. Every decision (what is due, leases, timeouts) asks the
clock, so tests can drive a service through days, DST changes and expiring leases by setting
the time instead of waiting for it."""

from __future__ import annotations

import threading
from datetime import datetime, timezone


class SystemClock:
    """The real time. A clock is any object with these two methods."""

    def now(self) -> datetime:
        """The current time, an aware UTC datetime."""
        return datetime.now(timezone.utc)

    def sleep(self, seconds: float, stop: threading.Event) -> None:
        """Wait ``seconds`` of this clock's time, or until ``stop`` is set."""
        stop.wait(max(0.0, seconds))
