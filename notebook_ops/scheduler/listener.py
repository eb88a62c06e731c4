"""``notebook-ops listen``: start a run per message, with parameters taken from the message.

The message -> parameters part (templates, poison messages) is ``events/trigger.py``; this is the
consumer that starts runs, so it sits above the runner and the bundle, beside the scheduler's own
consumer of trigger schedules (``scheduler/triggers.py``). Once a run's run.json holds a final
status its message is acknowledged (succeeded, below target) or negatively acknowledged for
another try (failed, cancelled, crashed), and dead-lettered after ``max_redeliveries``.
"""
from __future__ import annotations

import json
import logging
import threading
from pathlib import Path

from notebook_ops.errors import NotebookOpsError, ParameterError
from notebook_ops.events.trigger import PoisonMessage, message_params

log = logging.getLogger("notebook_ops.events.trigger")   # `listen` shows notebook_ops.events logs

DONE = ("succeeded", "below_target")


class TriggerListener:
    """Consume ``source`` and run ``target`` (a notebook or a bundle) once per message.

    ``run_options`` go to the runner (jobs, cache, track, ...); ``events`` are extra sink URLs
    for the runs' own events. Used by ``notebook-ops listen``; a scheduler can host one in a
    thread (``serve(stop_event)``).
    """

    def __init__(self, source, target, *, templates=None, max_redeliveries: int = 3,
                 events=(), run_options=None, on_settled=None):
        self.source = source
        self.target = str(target)
        self.templates = dict(templates or {})
        self.max_redeliveries = max_redeliveries
        self.events = tuple(events or ())
        self.run_options = dict(run_options or {})
        self.on_settled = on_settled      # callable(outcome: dict) after ack/nack/dead-letter
        self.cancel = threading.Event()
        self.handled = 0

    def _run(self, params: dict, tags: dict):
        # the runner publishes the run's events (these sinks, NOTEBOOK_OPS_EVENTS, settings)
        opts = dict(self.run_options, params=params, tags=tags, cancel=self.cancel,
                    events=self.events)
        if self.target.endswith(".ipynb"):
            from notebook_ops.runner import run_notebook
            return run_notebook(self.target, **opts)
        from notebook_ops.bundle.run import run_bundle
        return run_bundle(self.target, **opts)

    def _settle(self, msg, action: str, reason: str | None = None, result=None) -> dict:
        if action == "nack" and msg.redelivery_count >= self.max_redeliveries:
            action = "dead_letter"
            reason = f"{reason}; gave up after {msg.redelivery_count + 1} attempts"
        if action == "dead_letter":
            try:
                self.source.dead_letter(msg, reason or "")
                log.warning("message %s dead-lettered: %s", msg.message_id, reason)
            except Exception as exc:  # noqa: BLE001 - cannot park it: let it come back
                log.error("message %s could not be dead-lettered (%s): negatively acknowledged",
                          msg.message_id, exc)
                self.source.nack(msg)
                action = "nack"
        elif action == "ack":
            self.source.ack(msg)
            log.info("message %s: run %s %s, acknowledged", msg.message_id,
                     result.run_id, result.status)
        else:
            self.source.nack(msg)
            log.warning("message %s negatively acknowledged: %s", msg.message_id, reason)
        outcome = {"message_id": msg.message_id, "action": action, "reason": reason,
                   "run_id": result.run_id if result else None,
                   "status": result.status if result else None,
                   "run_dir": str(result.run_dir) if result else None}
        if self.on_settled:
            self.on_settled(outcome)
        return outcome

    def handle(self, msg) -> dict:
        self.handled += 1
        try:
            params = message_params(msg, self.templates)
        except PoisonMessage as exc:
            return self._settle(msg, "dead_letter", str(exc))
        tags = {"trigger": self.source.url, "trigger_message_id": msg.message_id}
        try:
            result = self._run(params, tags)
        except ParameterError as exc:
            return self._settle(msg, "dead_letter", f"bad parameters: {exc}")
        except NotebookOpsError as exc:
            return self._settle(msg, "nack", f"the run could not start: {exc}")
        except Exception as exc:  # noqa: BLE001 - a crash of one run must not end the listener
            log.exception("run for message %s crashed", msg.message_id)
            return self._settle(msg, "nack", f"the run crashed: {exc}")
        recorded = Path(result.run_dir, "run.json")
        try:
            status = json.loads(recorded.read_text())["status"]
        except (OSError, ValueError, KeyError):
            status = None
        if status in DONE:
            return self._settle(msg, "ack", result=result)
        why = f"run {result.run_id} {status or 'not recorded'}"
        if result.record.get("error"):
            why += f": {result.record['error']}"
        return self._settle(msg, "nack", why, result=result)

    def serve(self, stop: threading.Event, max_messages: int | None = None,
              poll_s: float = 0.5) -> int:
        """Handle messages until ``stop`` is set (or ``max_messages`` were handled)."""
        while not stop.is_set() and (max_messages is None or self.handled < max_messages):
            msg = self.source.receive(poll_s)
            if msg is not None:
                self.handle(msg)
        return self.handled
