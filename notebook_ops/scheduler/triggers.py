"""Trigger schedules inside the scheduler service: one consumer thread per active schedule of kind
"trigger", turning each message into a recorded firing that the service then runs like any other.

Per message (``TriggerPump.handle``):
1. parameters from the message (the schedule's parameters are templates such as
   ``{{ message.day }}``; none means the message's top-level fields), checked against the
   pipeline. A message that can never start a good run (not JSON, a missing field, an unknown
   parameter, a value of the wrong type) is recorded as ``rejected`` and dead-lettered with the
   reason: never retried.
2. the firing is recorded in the store (``Store.record_message``: unique per schedule and message
   id, so a message redelivered after a crash between 2 and 3 is not run twice);
3. only then the message is acknowledged. From here the store owns it, as it owns a cron firing:
   the schedule's retries, timeout, overlap policy and failure webhook apply, and a restarted
   service runs or adopts it. If the store cannot record it, the message is negatively
   acknowledged and comes back.

Back-pressure: with overlap "queue" a pump takes a message only while its schedule has a free
slot (fewer than ``max_concurrent`` firings pending or running), so the backlog waits in the
broker, where other services on the same shared subscription can take it. With overlap "skip"
every message is taken, and one that finds the schedule busy is recorded as skipped.

A broker that is down or goes away is retried with back-off (1 s doubling to 30 s), logged once
per cause; the service's cron work never waits for it.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path

from notebook_ops.scheduler.models import Schedule, ScheduledRun
from notebook_ops.util import backoff

log = logging.getLogger("notebook_ops.scheduler")
BACKOFF_MAX_S = 30.0


def pump_key(s: Schedule) -> tuple:
    """What a running pump depends on: when it changes, the pump is restarted."""
    return (s.id, s.updated_at, s.source, s.subscription, s.dead_letter_topic, s.target)


class TriggerPump(threading.Thread):
    def __init__(self, schedule: Schedule, store, clock, *, poll_s: float = 0.5, on_recorded=None):
        super().__init__(daemon=True, name=f"nbo-trigger-{schedule.name}")
        self.schedule = schedule
        self.key = pump_key(schedule)
        self.store, self.clock, self.poll_s = store, clock, poll_s
        self.on_recorded = on_recorded or (lambda: None)
        self.stopping = threading.Event()
        self.connected = threading.Event()  # set while a consumer is open (tests wait on it)
        self._pipeline = None
        self._pipeline_loaded = False

    def stop(self) -> None:
        self.stopping.set()

    # the loop -------------------------------------------------------------------------------
    def run(self) -> None:
        from notebook_ops.events.source import open_source

        s, failures, last_error = self.schedule, 0, None
        while not self.stopping.is_set():
            try:
                url, subscription = s.listens_on()
                source = open_source(url, subscription=subscription, dead_letter_topic=s.dead_letter_topic)
            except Exception as exc:  # noqa: BLE001 - broker down, bad TLS, ...: retry later
                if str(exc) != last_error:
                    log.warning("schedule %s: cannot listen on %s (%s); retrying", s.name, s.source, exc)
                    last_error = str(exc)
                failures += 1
                self.stopping.wait(backoff.delay(failures, 1.0, BACKOFF_MAX_S))
                continue
            failures, last_error = 0, None
            log.info("schedule %s: listening on %s (subscription %s)", s.name, s.source, s.subscription)
            self.connected.set()
            try:
                while not self.stopping.is_set():
                    if not self._has_room():
                        self.stopping.wait(self.poll_s)
                        continue
                    msg = source.receive(self.poll_s)
                    if msg is not None:
                        self.handle(source, msg)
            except Exception as exc:  # noqa: BLE001 - the consumer broke: open a new one
                log.warning("schedule %s: lost %s (%s); reconnecting", s.name, s.source, exc)
                self.stopping.wait(backoff.delay(1))
            finally:
                self.connected.clear()
                source.close()

    def _has_room(self) -> bool:
        s = self.schedule
        return s.overlap == "skip" or self.store.count_active(s.id) < s.max_concurrent

    # one message ----------------------------------------------------------------------------
    def _check(self, params: dict) -> None:
        """ParameterError when the pipeline refuses ``params``. A target that does not load now
        rejects nothing: the run reports that (as for a cron firing)."""
        if not self._pipeline_loaded:
            self._pipeline_loaded = True
            try:
                from notebook_ops.scheduler.api import pipeline_of

                self._pipeline = pipeline_of(Path(self.schedule.target))
            except Exception as exc:  # noqa: BLE001
                log.warning(
                    "schedule %s: %s; messages are not checked before their runs", self.schedule.name, exc
                )
        if self._pipeline is not None:
            from notebook_ops.model.parameters import resolve_params

            resolve_params(self._pipeline, params)

    def handle(self, source, msg) -> str:
        """Record the firing ``msg`` asks for, then settle the message; -> what was done."""
        from notebook_ops.errors import ParameterError
        from notebook_ops.events.trigger import PoisonMessage, message_params

        s, now = self.schedule, self.clock.now()
        row = ScheduledRun(
            schedule_id=s.stored_id, scheduled_for=now, trigger="message", message_id=msg.message_id
        )
        try:
            row.parameters = message_params(msg, s.parameters)
            self._check(row.parameters)
        except (PoisonMessage, ParameterError) as exc:
            reason = str(exc) if isinstance(exc, PoisonMessage) else f"bad parameters: {exc}"
            row.parameters, row.state, row.finished_at, row.error = {}, "rejected", now, reason
        if (
            row.state == "pending"
            and s.overlap == "skip"
            and self.store.count_active(s.id) >= s.max_concurrent
        ):
            row.state, row.finished_at = "skipped", now
            row.error = "skipped: the schedule's earlier runs were still going (overlap skip)"
        try:
            rec, new = self.store.record_message(row, now)
        except Exception as exc:  # noqa: BLE001 - not recorded: it must come back
            log.error(
                "schedule %s: message %s not recorded (%s); negatively acknowledged",
                s.name,
                msg.message_id,
                exc,
            )
            source.nack(msg)
            return "nack"
        if rec.state == "rejected":
            try:
                source.dead_letter(msg, rec.error or "rejected")
            except Exception as exc:  # noqa: BLE001 - cannot park it: let it come back
                log.error(
                    "schedule %s: message %s could not be dead-lettered (%s)", s.name, msg.message_id, exc
                )
                source.nack(msg)
                return "nack"
            log.warning(
                "schedule %s: message %s rejected and dead-lettered: %s", s.name, msg.message_id, rec.error
            )
            return "rejected"
        source.ack(msg)
        if not new:
            log.info(
                "schedule %s: message %s was already recorded (run %d); acknowledged",
                s.name,
                msg.message_id,
                rec.id,
            )
            return "duplicate"
        log.info("schedule %s: message %s recorded as run %d (%s)", s.name, msg.message_id, rec.id, rec.state)
        self.on_recorded()
        return rec.state


class TriggerPumps:
    """The pumps of one service: started, restarted and stopped to match the store."""

    def __init__(self, store, clock, *, poll_s: float = 0.5, on_recorded=None):
        self.store, self.clock, self.poll_s, self.on_recorded = store, clock, poll_s, on_recorded
        self.pumps: dict[int, TriggerPump] = {}

    def sync(self) -> None:
        wanted = {s.id: s for s in self.store.trigger_schedules()}
        for sid, pump in list(self.pumps.items()):
            if sid not in wanted or pump_key(wanted[sid]) != pump.key or not pump.is_alive():
                self._stop(sid)
        for sid, s in wanted.items():
            if sid not in self.pumps:
                pump = TriggerPump(
                    s, self.store, self.clock, poll_s=self.poll_s, on_recorded=self.on_recorded
                )
                self.pumps[sid] = pump
                pump.start()

    def _stop(self, sid: int, join_s: float = 10.0) -> None:
        pump = self.pumps.pop(sid)
        pump.stop()
        pump.join(join_s)

    def stop_all(self) -> None:
        for pump in self.pumps.values():
            pump.stop()
        for sid in list(self.pumps):
            self._stop(sid)
