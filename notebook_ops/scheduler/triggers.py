"""The one consumer of trigger messages: a ``TriggerPump`` per trigger schedule, turning each
message into a firing that its recorder owns. Two recorders:

- the scheduler's store (``Store``): the firing is a row that the service then runs like a cron
  firing (the schedule's retries, timeout, overlap policy and failure webhook apply, and a
  restarted service runs or adopts it);
- ``RunHere``, for ``notebook-ops listen``: a trigger schedule without a store. The firing runs
  at once in this process, one at a time. With no store the broker holds the only durable copy,
  so the message is settled only once the run's record is final: recording it first and losing
  the process would lose the message.

Per message (``TriggerPump.handle``):
1. parameters from the message (the schedule's parameters are templates such as
   ``{{ message.day }}``; none means the message's top-level fields), checked against the
   pipeline. A message that can never start a good run (not JSON, a missing field, an unknown
   parameter, a value of the wrong type) is a ``rejected`` firing: dead-lettered with the
   reason, never retried.
2. the recorder records it (``record_message``: the store keeps one row per schedule and message
   id, so a message redelivered after a crash between 2 and 3 is not run twice);
3. only then the message is settled: acknowledged when the firing is pending (the store owns it),
   skipped or done; negatively acknowledged (redelivered) when it could not be recorded or its
   run failed, and dead-lettered once a failed run has had ``retries`` redeliveries.

Back-pressure: with overlap "queue" a pump takes a message only while its schedule has a free
slot (fewer than ``max_concurrent`` firings pending or running), so the backlog waits in the
broker, where other consumers of the same shared subscription can take it. With overlap "skip"
every message is taken, and one that finds the schedule busy is recorded as skipped.

A broker that is down or goes away is retried with back-off (1 s doubling to 30 s), logged once
per cause; the service's cron work never waits for it.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path

from notebook_ops.errors import NotebookOpsError, ParameterError
from notebook_ops.events.source import open_source
from notebook_ops.events.trigger import PoisonMessage, message_params
from notebook_ops.execution.run_service import read_record, run
from notebook_ops.model.contracts.schedules import Schedule, ScheduledRun
from notebook_ops.model.parameters import resolve_params
from notebook_ops.model.secrets import env_name
from notebook_ops.scheduler.api import pipeline_of
from notebook_ops.scheduler.clock import SystemClock
from notebook_ops.util import backoff

log = logging.getLogger("notebook_ops.scheduler")
BACKOFF_MAX_S = 30.0
SETTLED_BY_ACK = ("pending", "skipped", "succeeded", "below_target")  # else a run that failed


def pump_key(s: Schedule) -> tuple:
    """What a running pump depends on: when it changes, the pump is restarted."""
    return (s.id, s.updated_at, s.source, s.subscription, s.dead_letter_topic, s.target)


class TriggerPump(threading.Thread):
    """Consume the schedule's topic; ``recorder`` is a ``Store`` or ``RunHere``.

    ``on_settled(outcome)`` is called after each message is settled (``outcome``: message_id,
    action ack/nack/dead_letter, state, reason, run_id, run_dir); ``max_messages`` ends the
    pump after that many."""

    def __init__(
        self,
        schedule: Schedule,
        recorder,
        clock,
        *,
        poll_s: float = 0.5,
        on_settled=None,
        max_messages: int | None = None,
    ):
        super().__init__(daemon=True, name=f"nbo-trigger-{schedule.name}")
        self.schedule = schedule
        self.key = pump_key(schedule)
        self.recorder, self.clock, self.poll_s = recorder, clock, poll_s
        self.on_settled = on_settled or (lambda outcome: None)
        self.max_messages = max_messages
        self.handled = 0
        self.stopping = threading.Event()
        self.connected = threading.Event()  # set while a consumer is open (tests wait on it)
        self._pipeline = None
        self._pipeline_loaded = False

    def stop(self) -> None:
        self.stopping.set()

    def _done(self) -> bool:
        return self.stopping.is_set() or (self.max_messages is not None and self.handled >= self.max_messages)

    # the loop -------------------------------------------------------------------------------
    def run(self) -> None:
        s, failures, last_error = self.schedule, 0, None
        while not self._done():
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
            try:
                self.serve(source)
            except Exception as exc:  # noqa: BLE001 - the consumer broke: open a new one
                log.warning("schedule %s: lost %s (%s); reconnecting", s.name, s.source, exc)
                self.stopping.wait(backoff.delay(1))
            finally:
                source.close()

    def serve(self, source) -> int:
        """Handle messages from the open ``source`` until stopped; -> messages handled."""
        self.connected.set()
        try:
            while not self._done():
                if self.schedule.overlap == "queue" and self._busy():
                    self.stopping.wait(self.poll_s)
                    continue
                msg = source.receive(self.poll_s)
                if msg is not None and not self.stopping.is_set():  # else closing returns it
                    self.handle(source, msg)
        finally:
            self.connected.clear()
        return self.handled

    def _busy(self) -> bool:
        s = self.schedule
        return self.recorder.count_active(s.id) >= s.max_concurrent

    # one message ----------------------------------------------------------------------------
    def _check(self, params: dict) -> None:
        """ParameterError when the pipeline refuses ``params``. A target that does not load now
        rejects nothing: the run reports that (as for a cron firing)."""
        if not self._pipeline_loaded:
            self._pipeline_loaded = True
            try:
                self._pipeline = pipeline_of(Path(self.schedule.target))
            except Exception as exc:  # noqa: BLE001
                log.warning(
                    "schedule %s: %s; messages are not checked before their runs", self.schedule.name, exc
                )
        if self._pipeline is not None:
            for p in self._pipeline.parameters:  # stored with the firing: never a secret
                if p.secret and p.name in params:
                    raise ParameterError(
                        f"parameter {p.name!r} is secret: a message cannot carry it "
                        f"(set {env_name(p.name)} in the scheduler's environment)"
                    )
            resolve_params(self._pipeline, params)

    def _firing(self, msg, now) -> ScheduledRun:
        s = self.schedule
        row = ScheduledRun(
            schedule_id=s.id or 0, scheduled_for=now, trigger="message", message_id=msg.message_id
        )
        try:
            row.parameters = message_params(msg, s.parameters)
            self._check(row.parameters)
        except (PoisonMessage, ParameterError) as exc:
            reason = str(exc) if isinstance(exc, PoisonMessage) else f"bad parameters: {exc}"
            row.parameters, row.state, row.finished_at, row.error = {}, "rejected", now, reason
        if row.state == "pending" and s.overlap == "skip" and self._busy():
            row.state, row.finished_at = "skipped", now
            row.error = "skipped: the schedule's earlier runs were still going (overlap skip)"
        return row

    def handle(self, source, msg) -> dict:
        """Record the firing ``msg`` asks for, then settle the message; -> the outcome."""
        try:
            return self._handle(source, msg)
        finally:
            self.handled += 1

    def _handle(self, source, msg) -> dict:
        s, now = self.schedule, self.clock.now()
        try:
            rec, new = self.recorder.record_message(self._firing(msg, now), now)
        except Exception as exc:  # noqa: BLE001 - not recorded: it must come back
            return self._settle(source, msg, "nack", None, f"not recorded: {exc}")
        if rec.state == "rejected":
            return self._settle(source, msg, "dead_letter", rec, rec.error or "rejected", "rejected and ")
        if rec.state in SETTLED_BY_ACK:
            if rec.id is None:  # run here
                note = f": run {rec.run_id} {rec.state};"
            else:
                note = (
                    f" recorded as run {rec.id} ({rec.state});"
                    if new
                    else f" was already recorded (run {rec.id});"
                )
            return self._settle(source, msg, "ack", rec, None, note)
        reason = f"run {rec.run_id} {rec.state}" + (f": {rec.error}" if rec.error else "")
        if msg.redelivery_count >= s.retries:
            reason += f"; gave up after {msg.redelivery_count + 1} attempts"
            return self._settle(source, msg, "dead_letter", rec, reason)
        return self._settle(source, msg, "nack", rec, reason)

    def _settle(
        self, source, msg, action: str, rec: ScheduledRun | None, reason: str | None, note=""
    ) -> dict:
        """Settle ``msg``; ``note``: what the log says before the action."""
        s, mid = self.schedule, msg.message_id
        if action == "dead_letter":
            try:
                source.dead_letter(msg, reason or "")
                log.warning("schedule %s: message %s %sdead-lettered: %s", s.name, mid, note, reason)
            except Exception as exc:  # noqa: BLE001 - cannot park it: let it come back
                log.error("schedule %s: message %s could not be dead-lettered (%s)", s.name, mid, exc)
                action = "nack"
        if action == "nack":
            source.nack(msg)
            log.warning("schedule %s: message %s negatively acknowledged: %s", s.name, mid, reason)
        elif action == "ack":
            source.ack(msg)
            log.info("schedule %s: message %s%s acknowledged", s.name, mid, note)
        outcome = {
            "message_id": mid,
            "action": action,
            "state": rec.state if rec else None,
            "reason": reason,
            "run_id": rec.run_id if rec else None,
            "run_dir": rec.run_dir if rec else None,
        }
        self.on_settled(outcome)
        return outcome


class RunHere:
    """The recorder of a trigger schedule without a store (``notebook-ops listen``): each firing
    runs at once, in the pump's thread, through the run service; ``record_message`` returns when
    its record is final. ``cancel`` stops the current run (its message is then redelivered)."""

    def __init__(self, schedule: Schedule, *, events=(), run_options=None):
        self.schedule = schedule
        self.events = tuple(events or ())
        self.run_options = dict(run_options or {})
        self.cancel = threading.Event()

    def count_active(self, schedule_id) -> int:
        return 0  # one firing at a time, in the pump's own thread

    def record_message(self, row: ScheduledRun, now) -> tuple[ScheduledRun, bool]:
        if row.state != "pending":
            return row, True
        s = self.schedule
        options = dict(self.run_options, params=row.parameters, cancel=self.cancel, events=self.events)
        options["tags"] = {"trigger": s.source, "trigger_message_id": row.message_id}
        try:
            result = run(s.target, **options)
        except ParameterError as exc:
            row.state, row.error = "rejected", f"bad parameters: {exc}"
            return row, True
        except NotebookOpsError as exc:
            row.state, row.error = "failed", f"the run could not start: {exc}"
            return row, True
        except Exception as exc:  # noqa: BLE001 - a crash of one run must not end the listener
            log.exception("schedule %s: the run for message %s crashed", s.name, row.message_id)
            row.state, row.error = "failed", f"the run crashed: {exc}"
            return row, True
        recorded = read_record(result.run_dir)
        row.run_id, row.run_dir = result.run_id, str(result.run_dir)
        row.state = recorded.status if recorded else "failed"
        row.error = result.record.get("error") or (None if recorded else "not recorded")
        return row, True


def listen_schedule(
    url: str,
    target,
    *,
    subscription: str,
    parameters: dict | None = None,
    max_redeliveries: int = 3,
    dead_letter_topic: str | None = None,
    events=(),
    run_options=None,
    on_settled=None,
    max_messages: int | None = None,
) -> TriggerPump:
    """``notebook-ops listen``: a trigger schedule of ``target`` on ``url`` that runs without a
    store (``RunHere``); a failed run is redelivered ``max_redeliveries`` times. Start it as a
    thread, call ``run()``, or ``serve(source)`` on a source already open."""
    schedule = Schedule(
        name="listen",
        target=str(target),
        kind="trigger",
        parameters=dict(parameters or {}),
        retries=max_redeliveries,
        source=url,
        subscription=subscription,
        dead_letter_topic=dead_letter_topic,
    )
    schedule.check()
    recorder = RunHere(schedule, events=events, run_options=run_options)
    return TriggerPump(schedule, recorder, SystemClock(), on_settled=on_settled, max_messages=max_messages)


class TriggerPumps:
    """The pumps of one service: started, restarted and stopped to match the store."""

    def __init__(self, store, clock, *, poll_s: float = 0.5, on_recorded=None):
        self.store, self.clock, self.poll_s = store, clock, poll_s
        self.on_recorded = on_recorded or (lambda: None)
        self.pumps: dict[int, TriggerPump] = {}

    def sync(self) -> None:
        wanted = {s.id: s for s in self.store.trigger_schedules()}
        for sid, pump in list(self.pumps.items()):
            if sid not in wanted or pump_key(wanted[sid]) != pump.key or not pump.is_alive():
                self._stop(sid)
        for sid, s in wanted.items():
            if sid not in self.pumps:
                pump = TriggerPump(
                    s, self.store, self.clock, poll_s=self.poll_s, on_settled=lambda _o: self.on_recorded()
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
