"""Entry points for the services: which sinks are configured, a publisher for a run, and
one-shot publishing of export and schedule events.

Configured sinks: ``NOTEBOOK_OPS_EVENTS`` (comma-separated URLs) plus any passed explicitly
(``--events URL``). With none, nothing is started and nothing is imported.
"""
from __future__ import annotations

import logging
import os

log = logging.getLogger(__name__)

ENV = "NOTEBOOK_OPS_EVENTS"


def configured_urls(extra=()) -> list[str]:
    urls = [u.strip() for u in os.environ.get(ENV, "").split(",") if u.strip()]
    urls += [u.strip() for u in extra or () if u and u.strip()]
    return list(dict.fromkeys(urls))


def run_publisher(extra=(), **kw):
    """A Publisher for the configured sinks, or None. Bad URLs raise EventsConfigError (exit 2)
    here, before the run starts. Use as ``progress=publisher.wrap(progress)``; ``close()`` after."""
    urls = configured_urls(extra)
    if not urls:
        return None
    from notebook_ops.events.publisher import Publisher

    return Publisher(urls, **kw)


def publish_events(events, extra=(), *, timeout: float = 2.0) -> None:
    """Publish already-built events to the configured sinks; never raises for a sink problem
    (the spool keeps what could not be sent within ``timeout``)."""
    try:
        publisher = run_publisher(extra)
    except Exception as exc:  # noqa: BLE001 - a bad events setting must not fail an export
        log.warning("events not published: %s", exc)
        return
    if publisher is None:
        return
    try:
        for e in events:
            publisher.publish(e)
    finally:
        publisher.close(timeout)


def publish_bundle_exported(result, extra=(), **kw) -> None:
    """Call after a successful export with its ExportResult."""
    if not configured_urls(extra):
        return
    from notebook_ops.events.build import bundle_exported

    publish_events([bundle_exported(result)], extra, **kw)


def publish_schedule_fired(*, schedule_id, target, scheduled_for=None, parameters=None,
                           run_id=None, pipeline=None, kind="cron", extra=(), **kw) -> None:
    """Call when a schedule fires (after the firing is recorded, before or as its run starts)."""
    if not configured_urls(extra):
        return
    from notebook_ops.events.build import schedule_fired

    publish_events([schedule_fired(schedule_id=schedule_id, target=target,
                                   scheduled_for=scheduled_for, parameters=parameters,
                                   run_id=run_id, pipeline=pipeline, kind=kind)], extra, **kw)
