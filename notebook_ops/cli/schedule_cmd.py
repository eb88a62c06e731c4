"""``notebook-ops schedule ...`` (manage schedules) and ``notebook-ops scheduler`` (the service).

Thin: the scheduler package does the work. The store is ``$NOTEBOOK_OPS_DB`` or
``.notebook_ops/scheduler.db`` under the current folder (``--db`` overrides both).
"""

from __future__ import annotations

import json
import logging
import os
import signal
import sys
from pathlib import Path

import click

from notebook_ops.cli.folder_glob import glob_option, with_glob
from notebook_ops.events.trigger import parse_templates
from notebook_ops.model.contracts.alerts import AlertError
from notebook_ops.model.parameters import parse_pairs
from notebook_ops.scheduler import api
from notebook_ops.scheduler.api import open_store
from notebook_ops.scheduler.cron import zone
from notebook_ops.scheduler.service import SchedulerService

DB_HELP = (
    "Store: a SQLAlchemy URL or SQLite path (default $NOTEBOOK_OPS_DB, else ./.notebook_ops/scheduler.db)."
)


def _store(db):

    if db and "://" not in db:
        db = f"sqlite:///{Path(db).expanduser().resolve()}"
    return open_store(db)


def _echo_json(obj):
    """A contract (or a list of them) as the JSON the REST API sends."""
    plain = [o.to_dict() for o in obj] if isinstance(obj, list) else obj.to_dict()
    click.echo(json.dumps(plain, indent=1, default=str))


def _when(t) -> str:
    """``2026-11-30 06:00:00`` (UTC) for a stored time; empty for none."""
    return t.strftime("%Y-%m-%d %H:%M:%S") if t else ""


def _local(t, tz):
    """``2026-11-30 06:00 Europe/Paris`` for a UTC time (and the UTC time beside it)."""

    if tz == "UTC":
        return t.strftime("%Y-%m-%d %H:%M:%S UTC")
    return f"{t.astimezone(zone(tz)).strftime('%a %Y-%m-%d %H:%M:%S')} {tz} ({t.strftime('%H:%M')} UTC)"


@click.group("schedule")
def schedule():
    """Schedules on notebooks and bundles, fired by a cron clock or by messages on a topic (the
    `notebook-ops scheduler` service fires them)."""


@schedule.command("add")
@click.argument("target", type=click.Path(exists=True))
@click.option(
    "--cron",
    metavar="EXPR",
    help="5 fields, or 6 with seconds first ('*/10 * * * * *'), or @daily... Without it: "
    "the schedules the notebook (or the bundle's manifest) declares.",
)
@click.option(
    "--trigger",
    "source",
    metavar="URL",
    help="Fire on each message on this topic instead of a clock "
    "(pulsar://host:port/topic); -p values may use {{ message.FIELD }}.",
)
@click.option(
    "--subscription",
    metavar="NAME",
    help="With --trigger: the shared subscription (default notebook-ops.<name>).",
)
@click.option(
    "--dead-letter-topic",
    metavar="TOPIC",
    help="With --trigger: where rejected messages go (default <topic>-<subscription>-DLQ).",
)
@glob_option
@click.option("--tz", default="UTC", show_default=True, help="IANA time zone of the cron times.")
@click.option("--name", help="Schedule name (default: the notebook or bundle name).")
@click.option(
    "-p",
    "--param",
    "params",
    multiple=True,
    metavar="NAME=VALUE",
    help="Parameter (repeatable); may use {{ scheduled_date }}, {{ scheduled_time }} "
    "(cron) or {{ message.FIELD }}, {{ properties.KEY }} (--trigger).",
)
@click.option(
    "--catchup",
    type=click.Choice(["skip", "once", "all"]),
    default="once",
    show_default=True,
    help="Firings missed while no scheduler ran: skip, run once, run all.",
)
@click.option("--max-concurrent", type=click.IntRange(min=1), default=1, show_default=True)
@click.option(
    "--overlap",
    type=click.Choice(["queue", "skip"]),
    default="queue",
    show_default=True,
    help="A firing while earlier runs still go: wait its turn, or skip it (recorded).",
)
@click.option(
    "--timeout",
    type=click.FloatRange(min=0, min_open=True),
    metavar="S",
    help="Kill a run (its whole process tree) after S seconds.",
)
@click.option("--retries", type=click.IntRange(min=0), default=0, show_default=True)
@click.option(
    "--retry-delay",
    type=click.FloatRange(min=0),
    default=30.0,
    show_default=True,
    metavar="S",
    help="First retry after S seconds, doubling each time.",
)
@click.option(
    "--webhook",
    metavar="URL",
    help="POST JSON here when a run fails or misses a target (the older form of --alert).",
)
@click.option(
    "--alert",
    "alerts",
    multiple=True,
    metavar="URL_OR_MAILTO",
    help="Tell this destination (https://... webhook, mailto:ops@example.com, or env:NAME) when a run "
    "fails, misses a target, promotes a model or a firing is missed. Repeatable.",
)
@click.option(
    "--alert-on",
    metavar="CONDITIONS",
    help="Only these, comma-separated, for the --alert destinations: run.failed, target.missed, "
    "model.promoted, schedule.missed (default: all).",
)
@click.option("--paused", is_flag=True, help="Add it paused.")
@click.option("--db", help=DB_HELP)
@click.option("--json", "as_json", is_flag=True)
def add_cmd(
    target,
    cron,
    source,
    subscription,
    dead_letter_topic,
    pattern,
    tz,
    name,
    params,
    catchup,
    max_concurrent,
    overlap,
    timeout,
    retries,
    retry_delay,
    webhook,
    alerts,
    alert_on,
    paused,
    db,
    as_json,
):
    """Schedule TARGET (a notebook, a pipeline file, a folder of notebooks or a bundle) on a
    cron expression, or on messages (--trigger).

    Without --cron or --trigger, adds the schedules TARGET declares (the notebook's pipeline
    settings, or the manifest of a bundle), named <pipeline>.<schedule>.

    With --trigger, each message on the topic is recorded as a firing and then acknowledged;
    the service runs it with the schedule's retries, timeout and webhook. A message that cannot
    start a run (not JSON, a missing field, an unknown parameter) is dead-lettered.
    """

    target = with_glob(target, pattern)  # stored as FOLDER/GLOB: each firing runs those notebooks
    common = dict(
        max_concurrent=max_concurrent,
        overlap=overlap,
        timeout_s=timeout,
        retries=retries,
        retry_delay_s=retry_delay,
        webhook=webhook,
        alerts=_alerts(alerts, alert_on),
        paused=paused,
        store=_store(db),
    )
    if source and cron:
        raise click.UsageError("give --cron or --trigger, not both")
    if (subscription or dead_letter_topic) and not source:
        raise click.UsageError("--subscription and --dead-letter-topic go with --trigger")
    if source:
        rows = [
            api.add_trigger(
                target,
                source,
                subscription=subscription,
                name=name,
                parameters=parse_templates(params),
                dead_letter_topic=dead_letter_topic,
                **common,
            )
        ]
    elif cron:
        rows = [
            api.add(target, cron, name=name, tz=tz, parameters=parse_pairs(params), catchup=catchup, **common)
        ]
    else:
        if name or params:
            raise click.UsageError("--name and -p go with --cron (declared schedules carry their own)")
        rows = api.add_declared(target, **common)
    if as_json:
        return _echo_json(rows[0] if cron or source else rows)
    for d in rows:
        click.echo(f"schedule {d.name} (id {d.id}): {_when_fires(d)} -> {d.target}")
        if d.upcoming:
            click.echo("  next: " + _local(d.upcoming[0], d.tz))
        if d.subscribed is False:
            click.echo(
                "  the broker did not answer: the subscription is made when a service "
                "first listens; messages published before that are not kept for it",
                err=True,
            )
    if not api.services(store=_store(db)):
        click.echo(
            "no scheduler service is running on this store: start one with `notebook-ops scheduler`", err=True
        )


def _when_fires(d) -> str:
    if d.kind == "trigger":
        return f"on messages from {d.source} (subscription {d.subscription})"
    return f"{d.cron} {d.tz}"


@schedule.command("list")
@click.option("--db", help=DB_HELP)
@click.option("--json", "as_json", is_flag=True)
def list_cmd(db, as_json):
    """Every schedule with its next firing and last run."""

    rows = api.list_schedules(store=_store(db))
    if as_json:
        return _echo_json(rows)
    if not rows:
        click.echo("no schedules")
        return
    from rich.console import Console  # noqa: PLC0415 - rich.console costs 49 ms CPU to import, loaded on first use
    from rich.table import Table  # noqa: PLC0415 - rich.table costs 45 ms CPU to import, loaded on first use

    t = Table(show_edge=False, pad_edge=False)
    for col in ("id", "name", "fires", "next (UTC)", "last run", "target"):
        t.add_column(col, overflow="fold")
    for d in rows:
        last = d.last_run
        fires = f"message: {d.source}" if d.kind == "trigger" else f"{d.cron} {d.tz}"
        t.add_row(
            str(d.id),
            d.name + (" (paused)" if d.paused else ""),
            fires,
            _when(d.upcoming[0]) if d.upcoming else "-",
            f"{last.state} {_when(last.scheduled_for)}" if last else "-",
            d.target,
        )
    Console().print(t)


@schedule.command("show")
@click.argument("name")
@click.option("--db", help=DB_HELP)
@click.option("--json", "as_json", is_flag=True)
def show_cmd(name, db, as_json):
    """One schedule: settings, upcoming firings, recent runs."""

    d = api.get(name, store=_store(db))
    if as_json:
        return _echo_json(d)
    click.echo(f"schedule {d.name} (id {d.id}){' paused' if d.paused else ''}")
    keys: tuple[str, ...] = ("target", "cron", "tz", "catchup")
    if d.kind == "trigger":
        keys = ("target", "kind", "source", "subscription", "dead_letter_topic")
    for k in keys + (
        "overlap",
        "max_concurrent",
        "timeout_s",
        "retries",
        "retry_delay_s",
        "webhook",
        "workdir",
    ):
        click.echo(f"  {k}: {getattr(d, k)}")
    for a in d.alerts:
        click.echo(f"  alert: {a.to} on {', '.join(a.on)}")
    click.echo(f"  parameters: {json.dumps(d.parameters)}")
    if d.kind != "trigger":
        click.echo("  upcoming:" + ("".join(f"\n    {_local(t, d.tz)}" for t in d.upcoming) or " -"))
    _runs_table(d.recent_runs)


def _alerts(destinations, alert_on) -> list:
    """``--alert`` destinations, each on the ``--alert-on`` conditions (all when not given)."""
    if alert_on and not destinations:
        raise AlertError(
            "--alert-on goes with --alert", hint="e.g. --alert mailto:ops@example.com --alert-on run.failed"
        )
    on = [c.strip() for c in (alert_on or "").split(",") if c.strip()]
    return [{"to": d, **({"on": on} if on else {})} for d in destinations]


def _runs_table(rows):
    if not rows:
        click.echo("no runs yet")
        return
    from rich.console import Console  # noqa: PLC0415 - rich.console costs 49 ms CPU to import, loaded on first use
    from rich.table import Table  # noqa: PLC0415 - rich.table costs 45 ms CPU to import, loaded on first use

    t = Table(show_edge=False, pad_edge=False)
    for col in (
        "id",
        "schedule",
        "for (UTC)",
        "trigger",
        "state",
        "try",
        "late",
        "time",
        "run folder / error",
    ):
        t.add_column(col, overflow="fold")
    for r in rows:
        dur = f"{r.duration_s:.1f}s" if r.duration_s is not None else ""
        late = f"{r.late_s:.1f}s" if r.late_s is not None else ""
        note = os.path.basename(r.run_dir or "")
        if r.error and r.state != "succeeded":
            note = f"{note}\n{r.error[:200]}" if note else r.error[:200]
        t.add_row(
            str(r.id),
            r.schedule_name or "",
            _when(r.scheduled_for)[5:],
            r.trigger,
            r.state,
            str(r.attempt),
            late,
            dur,
            note,
        )
    Console().print(t)


@schedule.command("runs")
@click.argument("name", required=False)
@click.option("-n", "--limit", type=int, default=20, show_default=True)
@click.option("--db", help=DB_HELP)
@click.option("--json", "as_json", is_flag=True)
def runs_cmd(name, limit, db, as_json):
    """Scheduled runs (of schedule NAME, or all), newest first."""

    rows = api.list_runs(name, limit=limit, store=_store(db))
    if as_json:
        return _echo_json(rows)
    _runs_table(rows)


def _simple(action, verb):
    @click.argument("name")
    @click.option("--db", help=DB_HELP)
    def cmd(name, db):

        d = getattr(api, action)(name, store=_store(db))
        click.echo(f"schedule {d.name} {verb}")

    cmd.__doc__ = f"{verb.capitalize()} schedule NAME."
    return cmd


schedule.command("pause")(_simple("pause", "paused"))
schedule.command("resume")(_simple("resume", "resumed (from now: paused firings are not caught up)"))
schedule.command("remove")(_simple("remove", "removed"))


@schedule.command("run-now")
@click.argument("name")
@click.option("--db", help=DB_HELP)
def run_now_cmd(name, db):
    """Queue a run of NAME now (the scheduler service starts it)."""

    st = _store(db)
    r = api.run_now(name, store=st)
    if r is None:  # a firing at this very time is already recorded
        click.echo(f"a run of {name} is already queued for now")
    else:
        click.echo(f"run {r.id} of {name} queued for {_when(r.scheduled_for)} UTC")
    if not api.services(store=st):
        click.echo(
            "no scheduler service is running on this store: start one with `notebook-ops scheduler`", err=True
        )


@click.command("scheduler")
@click.option(
    "--once",
    is_flag=True,
    help="Fire what is due, wait for those runs, then exit "
    "(trigger schedules need a service that stays up: their messages wait).",
)
@click.option(
    "-w", "--workers", type=click.IntRange(min=1), default=4, show_default=True, help="Runs at the same time."
)
@click.option("--db", help=DB_HELP)
@click.option(
    "--poll",
    type=click.FloatRange(min=0.05),
    default=1.0,
    show_default=True,
    metavar="S",
    help="Longest sleep between passes.",
)
@click.option(
    "--grace",
    type=click.FloatRange(min=0),
    default=60.0,
    show_default=True,
    metavar="S",
    help="A firing later than this is 'missed' (its schedule's catch-up policy applies).",
)
@click.option(
    "--cluster",
    metavar="ADDRESS",
    help="Run every scheduled run's steps on this Dask cluster (tcp://HOST:8786); "
    "sets NOTEBOOK_OPS_CLUSTER for the runs. The notebooks need a data_url the workers reach.",
)
def scheduler(once, workers, db, poll, grace, cluster):
    """Run the scheduler service in the foreground (Ctrl-C / SIGTERM stop it cleanly)."""

    if cluster:  # each run is `notebook-ops run` in a child process: it reads the variable
        os.environ["NOTEBOOK_OPS_CLUSTER"] = cluster

    logging.basicConfig(stream=sys.stdout, level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    svc = SchedulerService(_store(db), workers=workers, poll_s=poll, misfire_grace_s=grace, triggers=not once)

    def stop(signum, frame):
        logging.getLogger("notebook_ops.scheduler").info("signal %d: stopping", signum)
        svc.stop()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    svc.run(once=once)
    if svc.gone is not None:
        raise svc.gone  # one line and a non-zero exit (main renders it)
