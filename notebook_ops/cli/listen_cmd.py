"""``notebook-ops listen URL --subscription NAME TARGET``: start a run per message (thin: a
trigger schedule without a store, ``scheduler.triggers.listen_schedule``, runs each message's
run in this process)."""

from __future__ import annotations

import logging
import signal
import sys

import click

from notebook_ops.events.publish import configured_urls
from notebook_ops.events.sinks import check_url
from notebook_ops.events.source import check_source
from notebook_ops.events.trigger import parse_templates
from notebook_ops.execution.run_service import target_kind
from notebook_ops.scheduler.triggers import listen_schedule


@click.command("listen")
@click.argument("url")
@click.argument("target", type=click.Path(exists=True))
@click.option(
    "--subscription",
    required=True,
    metavar="NAME",
    help="Shared subscription: listeners with the same name split the messages.",
)
@click.option(
    "-p",
    "--param",
    "params",
    multiple=True,
    metavar="NAME=TEMPLATE",
    help="A parameter from the message, e.g. -p day='{{ message.day }}' (repeatable). "
    "Without -p the message's top-level fields are the parameters.",
)
@click.option(
    "--max-redeliveries",
    type=click.IntRange(min=0),
    default=3,
    show_default=True,
    help="Failed runs are retried this often, then the message is dead-lettered.",
)
@click.option(
    "--dead-letter-topic",
    metavar="TOPIC",
    help="Where poison messages go (default <topic>-<subscription>-DLQ).",
)
@click.option(
    "--events",
    multiple=True,
    metavar="URL",
    help="Publish the runs' events to URL too (repeatable; also NOTEBOOK_OPS_EVENTS).",
)
@click.option(
    "--max-messages",
    type=click.IntRange(min=1),
    metavar="N",
    help="Stop after N messages (default: run until interrupted).",
)
@click.option("-j", "--jobs", type=click.IntRange(min=1), help="Steps in parallel per run.")
@click.option("--no-cache", is_flag=True, help="Run every step even if unchanged.")
@click.option("--no-track", is_flag=True, help="Do not record the runs in MLflow.")
def listen(
    url,
    target,
    subscription,
    params,
    max_redeliveries,
    dead_letter_topic,
    events,
    max_messages,
    jobs,
    no_cache,
    no_track,
):
    """Consume messages from URL (pulsar://host:port/topic) and run TARGET (a notebook or a
    bundle) once per message. A message is acknowledged only after its run is recorded;
    failed runs are negatively acknowledged (redelivered); bad messages are dead-lettered."""

    templates = parse_templates(params)
    check_source(url)
    for u in configured_urls(events):
        check_url(u)
    target_kind(target)  # a notebook or a bundle, else one line and exit 2

    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
    for name in ("notebook_ops.events", "notebook_ops.scheduler"):
        logging.getLogger(name).addHandler(handler)
        logging.getLogger(name).setLevel(logging.INFO)

    pump = listen_schedule(
        url,
        target,
        subscription=subscription,
        parameters=templates,
        max_redeliveries=max_redeliveries,
        dead_letter_topic=dead_letter_topic,
        events=events,
        run_options={"jobs": jobs, "cache": not no_cache, "track": not no_track},
        max_messages=max_messages,
    )

    def _stop(signum, frame):
        pump.stop()
        pump.recorder.cancel.set()  # the current run stops; its message is redelivered

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    pump.run()  # in this thread: the signals reach it
    logging.getLogger("notebook_ops.scheduler").info("stopped after %d messages", pump.handled)
