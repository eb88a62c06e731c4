"""From what happened to the outbox: the alerts whose conditions match an occurrence are queued
(once per destination) and sent within a bounded time; what is not sent by then waits in the
outbox for the next pass (the scheduler service retries every few seconds; a run or a
follower retries what earlier ones left at its own end). Alerts never fail a run or a firing:
nothing here raises.
"""

from __future__ import annotations

import logging
import threading
import time

from notebook_ops.alerts.occurrences import Occurrence
from notebook_ops.alerts.alert_outbox import Outbox
from notebook_ops.model.contracts.alerts import AlertError, AlertSpec, parse_alerts

log = logging.getLogger("notebook_ops.alerts")

SEND_WAIT_S = 15.0  # how long a run's end waits for its alerts to go out


def specs_of(items, where: str = "alerts") -> list[AlertSpec]:
    """Alerts from settings, a manifest or a schedule row; a bad list is logged and skipped
    (``lint`` and ``schedule add`` refuse it before it gets here)."""
    try:
        return parse_alerts(items or [], where)
    except AlertError as exc:
        log.warning("alerts not sent: %s", exc.message)
        return []


def queue(occurrences: list[Occurrence], specs: list[AlertSpec], outbox: Outbox | None = None) -> int:
    """Queue each occurrence for the destinations whose ``on`` names its condition."""
    if not occurrences or not specs:
        return 0
    box = outbox or Outbox()
    n = 0
    for o in occurrences:
        for spec in specs:
            if o.condition in spec.on:
                n += box.add(o, spec.to, spec.format)
    return n


def notify(
    occurrences: list[Occurrence], specs, *, wait_s: float = SEND_WAIT_S, outbox: Outbox | None = None
) -> None:
    """Queue and send (within ``wait_s``); every failure logged, none raised."""
    try:
        specs = specs if all(isinstance(s, AlertSpec) for s in specs or []) else specs_of(specs)
        matching = [o for o in occurrences if any(o.condition in s.on for s in specs)]
        if not matching:
            return
        box = outbox or Outbox()
        queue(matching, specs, box)
        box.deliver_due(deadline=time.monotonic() + wait_s)
    except Exception as exc:  # noqa: BLE001 - an alert must never fail what it reports on
        log.warning("alerts not sent: %s", exc)


class Deliverer:
    """Delivers the outbox's due rows on a thread of its own, one pass at a time (a scheduler
    service calls ``kick`` each tick: a slow receiver never holds its loop)."""

    def __init__(self, outbox: Outbox | None = None, every_s: float = 2.0):
        self.outbox = outbox
        self.every_s = every_s
        self._thread: threading.Thread | None = None
        self._last = 0.0

    def kick(self, force: bool = False) -> None:
        now = time.monotonic()
        if self._thread is not None and self._thread.is_alive():
            return
        if not force and now - self._last < self.every_s:
            return
        self._last = now
        self._thread = threading.Thread(target=self._pass, name="nbo-alerts", daemon=True)
        self._thread.start()

    def _pass(self) -> None:
        try:
            (self.outbox or Outbox()).deliver_due()
        except Exception as exc:  # noqa: BLE001 - logged; the next pass tries again
            log.warning("alerts outbox: %s", exc)

    def join(self, timeout: float = 30.0) -> None:
        if self._thread is not None:
            self._thread.join(timeout)
