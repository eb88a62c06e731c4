"""Events: every run, step, export, schedule firing and model promotion as one versioned JSON
event, published to the configured sinks; and triggers that start runs from messages.

Public API (everything else in this package is internal)::

    from notebook_ops.events import run_publisher, publish_bundle_exported, publish_schedule_fired

    publisher = run_publisher(["pulsar://127.0.0.1:6650/runs"])  # + NOTEBOOK_OPS_EVENTS; None if
                                                                # no sink is configured
    run_notebook(nb, progress=publisher.wrap(display))          # a runner progress callback
    publisher.close(timeout=3)                                  # bounded; the rest is spooled

    # both return at once (a process-wide publisher, closed at exit within 2 s)
    publish_bundle_exported(export_result)                      # after an export
    publish_schedule_fired(schedule_id=..., name=..., target=..., scheduled_for=...,
                           parameters=..., attempt=..., run_dir=...)  # when a schedule fires
    publish_model_promoted(record, pipeline=...)               # an alias moved (tracking.promotion)

Modules: ``schema`` (schema/event.schema.json, version 1), ``envelope`` (events from runner
progress, exports, firings), ``sinks`` (interface + registry by URL scheme), ``filesink``,
``webhook``, ``pulsar`` (all Pulsar-specific code: sink and source), ``spool`` (bounded local
spool), ``publisher`` (threads, queues, back-off), ``source`` (trigger source interface),
``trigger`` (message -> parameters; ``scheduler.triggers`` consumes). Client libraries are
imported on first use only.
"""

from __future__ import annotations

import importlib

__all__ = [
    "run_publisher",
    "configured_urls",
    "publish_events",
    "publish_bundle_exported",
    "publish_schedule_fired",
    "publish_model_promoted",
    "Publisher",
    "open_source",
    "EventsConfigError",
    "SCHEMA_VERSION",
    "validate",
]

_WHERE = {
    "run_publisher": "publish",
    "configured_urls": "publish",
    "publish_events": "publish",
    "publish_bundle_exported": "publish",
    "publish_schedule_fired": "publish",
    "publish_model_promoted": "publish",
    "Publisher": "publisher",
    "open_source": "source",
    "EventsConfigError": "sinks",
    "SCHEMA_VERSION": "schema",
    "validate": "schema",
}


def __getattr__(name):
    if name in _WHERE:
        return getattr(importlib.import_module(f"notebook_ops.events.{_WHERE[name]}"), name)
    raise AttributeError(name)
