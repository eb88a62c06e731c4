"""The publisher: a runner ``progress`` callback that hands events to sinks off the run's thread.

Each sink gets its own worker thread and bounded queue. The run's thread only builds the event
and puts it on the queues (never blocks: a full queue spools the event). A worker sends in
order; when a send fails, the event goes to the spool and the sink is left alone for a back-off
period (new events go straight to the spool, so a dead broker costs one short timeout, not one
per event), then retried: the spool is re-sent first, so order is kept. ``close`` waits a
bounded time; whatever is still queued or in flight then is spooled for the next publisher.
"""

from __future__ import annotations

import logging
import queue
import threading
import time

from notebook_ops.events.envelope import RunEvents
from notebook_ops.events.sinks import Sink, SinkRejected, check_url, open_sink
from notebook_ops.events.spool import Spool
from notebook_ops.util import backoff
from notebook_ops.util.redact import redact, redact_text

log = logging.getLogger(__name__)

QUEUE_SIZE = 1000
ABORT_JOIN_S = 5.0  # the C++ client ends its call on shutdown; slow on a loaded machine
DOWN_GRACE_S = 0.2
_STOP = object()


class SinkWorker:
    def __init__(self, url: str, *, spool_dir=None, retry_s: float = 2.0, max_retry_s: float = 60.0):
        self.url = url
        self.shown = redact(url)  # what logs and thread names say: no credential
        self.spool = Spool(url, spool_dir)
        self.queue: queue.Queue = queue.Queue(maxsize=QUEUE_SIZE)
        self.retry_s, self.max_retry_s = retry_s, max_retry_s
        self._failures = 0
        self._down_until = 0.0
        self._reported = False
        self._sink: Sink | None = None
        self._lock = threading.Lock()
        self._inflight = None
        self._abandoned = False
        self.sent = 0
        self.thread = threading.Thread(target=self._loop, name=f"nbo-events {self.shown}", daemon=True)
        self.thread.start()

    # --- producer side (any thread) ---------------------------------------------------------
    def put(self, event: dict) -> None:
        try:
            self.queue.put_nowait(event)
        except queue.Full:
            self.spool.append(event)

    def close(self, deadline: float) -> None:
        if self._reported:  # down in this outage: what it is still trying goes to the spool now
            deadline = min(deadline, time.monotonic() + DOWN_GRACE_S)
        try:
            self.queue.put(_STOP, timeout=max(0.0, deadline - time.monotonic()))
        except queue.Full:
            pass
        self.thread.join(max(0.0, deadline - time.monotonic()))
        if not self.thread.is_alive():
            return
        with self._lock:  # the worker is stuck in a send: spool what it has not done
            self._abandoned = True
            rest = [self._inflight] if self._inflight is not None else []
            while True:
                try:
                    item = self.queue.get_nowait()
                except queue.Empty:
                    break
                if item is not _STOP:
                    rest.append(item)
            if rest:
                self.spool.append(rest)
                log.info("events for %s spooled at close: %d", self.shown, len(rest))
            sink = self._sink
        if sink is not None:
            try:
                sink.abort()
            except Exception as exc:  # noqa: BLE001
                log.debug("aborting %s: %s", self.shown, redact_text(exc))
            self.thread.join(ABORT_JOIN_S)

    # --- worker thread ------------------------------------------------------------------------
    def _loop(self) -> None:
        while True:
            wait = None
            if self.spool.pending():
                wait = max(0.05, self._down_until - time.monotonic()) if self._is_down() else 0.05
            try:
                item = self.queue.get(timeout=wait)
            except queue.Empty:
                if not self._is_down():
                    self._resend()
                continue
            if item is _STOP:
                if self.spool.pending() and not self._is_down() and not self._reported:
                    self._resend()
                self._close_sink()
                return
            with self._lock:
                if self._abandoned:
                    return
                self._inflight = item
            delivered = self._deliver(item)
            with self._lock:
                self._inflight = None
                if self._abandoned:
                    return
                if not delivered:
                    self.spool.append(item)

    def _is_down(self) -> bool:
        return time.monotonic() < self._down_until

    def _retry_in(self) -> float:
        return backoff.delay(self._failures + 1, self.retry_s, self.max_retry_s)

    def _mark_down(self, exc) -> None:
        # said once per outage (at warning level), not at every retry
        log.log(
            logging.DEBUG if self._reported else logging.WARNING,
            "event sink %s unavailable (%s): spooling, retry in %.0fs",
            self.shown,
            redact_text(exc),
            self._retry_in(),
        )
        self._reported = True
        self._down_until = time.monotonic() + self._retry_in()
        self._failures += 1

    def _mark_up(self) -> None:
        if self._reported:
            log.info("event sink %s is back", self.shown)
        self._reported = False
        self._down_until = 0.0
        self._failures = 0

    def _send(self, event: dict) -> None:
        sink = self._sink
        if sink is None:
            sink = self._sink = open_sink(self.url)
        try:
            sink.send(event)
        except SinkRejected as exc:
            log.warning(
                "event sink %s rejected event %s (%s): dropped",
                self.shown,
                event.get("type"),
                redact_text(exc),
            )
        self.sent += 1

    def _resend(self) -> bool:
        n, exc = self.spool.resend(self._send)
        if n:
            log.info("re-sent %d spooled events to %s", n, self.shown)
        if exc is not None:
            self._mark_down(exc)
            return False
        self._mark_up()
        return True

    def _deliver(self, event: dict) -> bool:
        if self._is_down():
            return False
        if self.spool.pending():  # keep order: older events first
            self.spool.append(event)
            self._resend()
            return True  # it is in the spool (or sent) either way
        try:
            self._send(event)
        except Exception as exc:  # noqa: BLE001 - any failure of a sink spools, never raises
            self._mark_down(exc)
            return False
        self._mark_up()
        return True

    def _close_sink(self) -> None:
        if self._sink is not None:
            try:
                self._sink.close()
            except Exception as exc:  # noqa: BLE001
                log.debug("closing %s: %s", self.shown, redact_text(exc))
            self._sink = None


class Publisher:
    """``Publisher(urls)``: call it with runner progress events (or ``publish(event)`` with built
    events); ``close()`` when done. Construction checks the URLs (EventsConfigError), imports no
    client library and opens no connection."""

    def __init__(self, urls, *, spool_dir=None, retry_s: float = 2.0):

        self.urls = [check_url(u) for u in dict.fromkeys(urls)]
        self.workers = [SinkWorker(u, spool_dir=spool_dir, retry_s=retry_s) for u in self.urls]
        self._events = RunEvents()
        self._closed = False

    def __call__(self, progress: dict) -> None:
        try:
            event = self._events.from_progress(progress)
        except Exception as exc:  # noqa: BLE001 - publishing must never break a run
            log.warning("could not build an event from %s: %s", progress.get("event"), exc)
            return
        if event is not None:
            self.publish(event)

    @property
    def event_urls(self) -> tuple:
        """The sinks this callback publishes to (the runner adds no second publisher for them)."""
        return tuple(self.urls)

    def wrap(self, progress=None):
        """A progress callback that calls ``progress`` (the display) and publishes."""
        if progress is None:
            return self

        def both(event):
            try:
                progress(event)
            finally:
                self(event)

        urls = self.event_urls + tuple(getattr(progress, "event_urls", ()) or ())
        both.event_urls = urls  # type: ignore[attr-defined]  # read back with getattr
        return both

    def publish(self, event: dict) -> None:
        if self._closed:
            raise RuntimeError("publisher is closed")
        for w in self.workers:
            w.put(event)

    def close(self, timeout: float = 3.0) -> None:
        """Deliver what is queued within ``timeout`` seconds; spool the rest."""
        if self._closed:
            return
        self._closed = True
        deadline = time.monotonic() + timeout
        for w in self.workers:
            w.close(deadline)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False
