"""Trigger messages: the parameters a message gives its run (the one consumer that runs them is
``scheduler.triggers.TriggerPump``: trigger schedules and ``notebook-ops listen``).

Parameter templates: ``NAME={{ message.field }}`` (dotted paths into the JSON body, list
indexes as numbers), ``{{ properties.key }}``, ``{{ message_id }}``, ``{{ topic }}``,
``{{ publish_time }}``; text around placeholders is kept. A value that is one placeholder
alone keeps its JSON type (a number stays a number). Without templates, the body's top-level
fields are the parameters.

Bad JSON or a missing field is a ``PoisonMessage``: the consumer dead-letters it, never retried.
"""

from __future__ import annotations

import json

from notebook_ops.errors import ParameterError
from notebook_ops.model.parameters import parse_pairs
from notebook_ops.util import placeholders as templates


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
