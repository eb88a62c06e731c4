"""Triggers: start a run per message, with parameters taken from the message.

Parameter templates: ``NAME={{ message.field }}`` (dotted paths into the JSON body, list
indexes as numbers), ``{{ properties.key }}``, ``{{ message_id }}``, ``{{ topic }}``,
``{{ publish_time }}``; text around placeholders is kept. A value that is one placeholder
alone keeps its JSON type (a number stays a number). Without templates, the body's top-level
fields are the parameters.

Per message: bad JSON, a missing field or a parameter the pipeline refuses (unknown name, a value
that does not convert) is a poison message: dead-lettered with the reason, logged, never retried.
Otherwise the run starts; once its run.json holds a final status it is acknowledged (succeeded,
below target) or negatively acknowledged for another try (failed, cancelled, crashed), and
dead-lettered after ``max_redeliveries``.
"""

from __future__ import annotations

import json
import logging
import threading

from notebook_ops.errors import NotebookOpsError, ParameterError
from notebook_ops.model.contracts.runs import DONE_STATUSES, RunRecord
from notebook_ops.model.parameters import parse_pairs
from notebook_ops.util import templates

log = logging.getLogger(__name__)


class PoisonMessage(Exception):
    """This message can never start a good run: dead-letter it."""


ROOTS = ("message", "properties", "message_id", "topic", "publish_time")


def check_templates(values: dict) -> dict:
    """Every placeholder in the values names something a message has (else ParameterError)."""
    bad = templates.unknown(values, ROOTS, paths=True)
    if bad:
        name, path = bad[0]
        raise ParameterError(
            f"unknown placeholder {{{{ {path} }}}} in {name}",
            hint="use message.FIELD, properties.KEY, message_id, topic or publish_time",
        )
    return values


def parse_templates(pairs) -> dict[str, str]:
    """``-p NAME=TEMPLATE`` options, checked."""
    return check_templates(parse_pairs(pairs))


def message_params(msg, values: dict[str, str]) -> dict:
    """The run's parameters from ``msg``: ``values`` rendered, else the body's fields."""
    try:
        body = json.loads(msg.data.decode("utf-8")) if msg.data.strip() else {}
    except (UnicodeDecodeError, ValueError) as exc:
        raise PoisonMessage(f"the message is not JSON: {exc}") from None
    if not values:
        if not isinstance(body, dict):
            raise PoisonMessage("the message is not a JSON object of parameters")
        return dict(body)
    context = {
        "message": body,
        "properties": msg.properties,
        "message_id": msg.message_id,
        "topic": msg.topic,
        "publish_time": msg.publish_time,
    }
    try:
        return templates.render_all(values, context)
    except templates.MissingValue as exc:
        raise PoisonMessage(f"the message has no {exc.path}") from None


class TriggerListener:
    """Consume ``source`` and run ``target`` (a notebook or a bundle) once per message.

    ``run`` starts a run and returns its result (``notebook_ops.runs.service.run``: the events
    package never imports the runner); ``run_options`` go to it (jobs, cache, track, ...);
    ``events`` are extra sink URLs for the runs' own events. Used by ``notebook-ops listen``; a
    scheduler can host one in a thread (``serve(stop_event)``).
    """

    def __init__(
        self,
        source,
        target,
        *,
        run,
        templates=None,
        max_redeliveries: int = 3,
        events=(),
        run_options=None,
        on_settled=None,
    ):
        self.source = source
        self.target = str(target)
        self.run = run  # the run service's ``run(target, **options)``
        self.templates = dict(templates or {})
        self.max_redeliveries = max_redeliveries
        self.events = tuple(events or ())
        self.run_options = dict(run_options or {})
        self.on_settled = on_settled  # callable(outcome: dict) after ack/nack/dead-letter
        self.cancel = threading.Event()
        self.handled = 0

    def _run(self, params: dict, tags: dict):
        # the runner publishes the run's events (these sinks, NOTEBOOK_OPS_EVENTS, settings)
        return self.run(
            self.target,
            **dict(self.run_options, params=params, tags=tags, cancel=self.cancel, events=self.events),
        )

    def _settle(self, msg, action: str, reason: str | None = None, result=None) -> dict:
        if action == "nack" and msg.redelivery_count >= self.max_redeliveries:
            action = "dead_letter"
            reason = f"{reason}; gave up after {msg.redelivery_count + 1} attempts"
        if action == "dead_letter":
            try:
                self.source.dead_letter(msg, reason or "")
                log.warning("message %s dead-lettered: %s", msg.message_id, reason)
            except Exception as exc:  # noqa: BLE001 - cannot park it: let it come back
                log.error(
                    "message %s could not be dead-lettered (%s): negatively acknowledged", msg.message_id, exc
                )
                self.source.nack(msg)
                action = "nack"
        elif action == "ack":
            self.source.ack(msg)
            log.info("message %s: run %s %s, acknowledged", msg.message_id, result.run_id, result.status)
        else:
            self.source.nack(msg)
            log.warning("message %s negatively acknowledged: %s", msg.message_id, reason)
        outcome = {
            "message_id": msg.message_id,
            "action": action,
            "reason": reason,
            "run_id": result.run_id if result else None,
            "status": result.status if result else None,
            "run_dir": str(result.run_dir) if result else None,
        }
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
        recorded = RunRecord.read(result.run_dir)
        status = recorded.status if recorded else None
        if status in DONE_STATUSES:
            return self._settle(msg, "ack", result=result)
        why = f"run {result.run_id} {status or 'not recorded'}"
        if result.record.get("error"):
            why += f": {result.record['error']}"
        return self._settle(msg, "nack", why, result=result)

    def serve(self, stop: threading.Event, max_messages: int | None = None, poll_s: float = 0.5) -> int:
        """Handle messages until ``stop`` is set (or ``max_messages`` were handled)."""
        while not stop.is_set() and (max_messages is None or self.handled < max_messages):
            msg = self.source.receive(poll_s)
            if msg is not None:
                self.handle(msg)
        return self.handled
