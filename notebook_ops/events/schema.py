"""The one event schema (``schema/event.schema.json``, version 1) and its validator.

fastjsonschema (already needed by nbformat) compiles it in milliseconds; jsonschema's import
costs seconds here, too much for a publisher that runs beside every run.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path

from notebook_ops.errors import NotebookOpsError

SCHEMA_VERSION = 1
SCHEMA_PATH = Path(__file__).with_name("schema") / "event.schema.json"
EVENT_TYPES = (
    "run.started",
    "step.started",
    "step.finished",
    "run.finished",
    "bundle.exported",
    "schedule.fired",
    "model.promoted",
)


class EventInvalid(NotebookOpsError):
    """An event that does not match the schema (a bug in a publisher, never the user's input)."""


@functools.lru_cache(maxsize=1)
def schema() -> dict:
    return json.loads(SCHEMA_PATH.read_text())


@functools.lru_cache(maxsize=1)
def _validator():
    import fastjsonschema  # noqa: PLC0415 - fastjsonschema costs 25 ms CPU to import, loaded on first use

    return fastjsonschema.compile(schema(), formats={"date-time": r"^\d{4}-\d\d-\d\dT"})


def validate(event) -> dict:
    import fastjsonschema  # noqa: PLC0415 - fastjsonschema costs 25 ms CPU to import, loaded on first use

    try:
        _validator()(event)
    except fastjsonschema.JsonSchemaValueException as err:
        where = "/".join(str(p) for p in (err.path or [])[1:]) or "(top)"
        raise EventInvalid(f"event does not match its schema at {where}: {err.message}") from None
    return event
