"""Scheduled runs: schedules on notebooks and bundles, fired exactly once by a service, on a cron
clock or on messages from a topic (kind "trigger").

Python API (for the CLI and the Jupyter server's REST handlers; the schedule contracts of
``notebook_ops.model.contracts.schedules`` out, whose ``to_dict()`` is the JSON both faces send;
NotebookOpsError subclasses raised: ScheduleError 400, ScheduleNotFound 404, ScheduleExists 409)::

    from notebook_ops import scheduler

    scheduler.add(target, cron, *, name=None, tz="UTC", parameters=None, catchup="once",
                  max_concurrent=1, overlap="queue", timeout_s=None, retries=0, retry_delay_s=30.0,
                  webhook=None, alerts=None, paused=False, workdir=None, store=None) -> ScheduleView
        # target: a notebook (.ipynb), a bundle folder or .tar.gz (absolute path stored);
        # cron: 5 fields, or 6 with seconds first ("*/10 * * * * *"), or @daily etc.;
        # parameters: {name: value}; string values may use {{ scheduled_date }},
        #   {{ scheduled_time }}, {{ scheduled_utc }}, {{ schedule_name }} (the firing time);
        # catchup: what to do with firings missed while no service ran: "skip" (record them as
        #   missed), "once" (run the latest of them once), "all" (run each);
        # overlap: a firing while max_concurrent runs still go: "queue" (waits its turn) or
        #   "skip" (recorded as skipped);
        # workdir: the runs' working folder (bundles run there; default the current folder);
        # alerts: [destination or {to, on, format}] (model.contracts.alerts; shown without
        #   credentials); webhook: the older form, a JSON notice when a run fails or misses.
        # Everything is validated first: cron, zone, parameter names and types, the target.
    scheduler.add_trigger(target, source, *, subscription=None, name=None, parameters=None,
                          dead_letter_topic=None, max_concurrent=1, overlap="queue", timeout_s=None,
                          retries=0, retry_delay_s=30.0, webhook=None, paused=False, workdir=None,
                          store=None) -> ScheduleView
        # kind "trigger": fired by each message on source (pulsar://host:port/topic) through a
        # shared subscription (default "notebook-ops.<name>", made at once if the broker
        # answers: ``subscribed`` in the result); parameters are templates {{ message.FIELD }},
        # {{ properties.KEY }}, {{ message_id }}, ... (none: the message's top-level fields).
        # A message is acknowledged once its firing is recorded; one that cannot start a run
        # is recorded "rejected" and dead-lettered (default topic <topic>-<subscription>-DLQ).
    scheduler.declared(target) -> [dict]   # schedules the notebook's metadata / bundle manifest
                                           # declare: [{name, cron, tz, parameters, catchup}]
    scheduler.add_declared(target, **options) -> [ScheduleView]   # add them all ("<pipeline>.<name>")
    scheduler.list() -> [ScheduleView]     # every schedule, with its upcoming times and last run
    scheduler.get(name) -> ScheduleView    # one schedule, 5 upcoming times, 10 recent runs
    scheduler.pause(name) / resume(name) -> ScheduleView   # resume continues from now (no catch-up)
    scheduler.remove(name) -> ScheduleView # the removed schedule (its history goes with it)
    scheduler.run_now(name) -> ScheduledRunView | None  # queues a firing now (cron kind)
    scheduler.list_runs(name=None, limit=50) -> [ScheduledRunView]   # firings newest first
    scheduler.get_run(id) -> ScheduledRunView
    scheduler.services() -> [dict]         # services alive on this store (is anything firing?)

``store`` (every function): None for the default store, a SQLAlchemy URL, or an open ``Store``
(``scheduler.open_store(base_dir=server_root)`` for a Jupyter server's own store).

A schedule (``ScheduleView``): id, name, kind (cron | trigger), source, subscription, dead_letter_topic,
target, cron ("" for a trigger), tz, parameters, catchup, overlap, max_concurrent, timeout_s,
retries, retry_delay_s, webhook, alerts, paused, workdir, next_fire_at, created_at, updated_at,
upcoming [times], last_run. A run (``ScheduledRunView``): id, schedule_id, schedule_name,
scheduled_for, trigger (cron | catchup | manual | message), message_id, state (pending | running |
succeeded | failed | below_target | cancelled | timed_out | missed | skipped | rejected),
attempt, run_dir, run_id, exit_code, error, metrics, mlflow_tracking_uri, mlflow_run_id,
started_at, finished_at, duration_s, late_s. Times are aware UTC datetimes (ISO 8601 UTC
strings in JSON: "2026-11-29T03:00:00Z").

Store: ``$NOTEBOOK_OPS_DB`` (a SQLAlchemy URL or a SQLite path), else ``.notebook_ops/scheduler.db``
under the current folder; see ``store``. The service: ``service.SchedulerService`` (``notebook-ops
scheduler`` runs one in the foreground; ``hosted.start_hosted`` runs one inside a Jupyter server).

Modules: ``model.contracts.schedules`` (the shapes), ``orm`` + ``migrations/`` (tables,
alembic), ``db_rows`` (rows to and from the shapes), ``database`` (``Store``: queries, leases),
``cron`` (expressions, zones, DST, templates), ``clock``, ``executor`` (child
processes), ``notify`` (the older webhook notices; alerts go through ``notebook_ops.alerts``),
``triggers`` (a consumer per trigger schedule), ``service``
(the loop), ``hosted`` (inside Jupyter), ``api``.
"""

from __future__ import annotations

__all__ = [
    "add",
    "add_trigger",
    "declared",
    "add_declared",
    "list",
    "list_schedules",
    "get",
    "pause",
    "resume",
    "remove",
    "run_now",
    "list_runs",
    "get_run",
    "services",
    "open_store",
]


def __getattr__(name):
    if name in __all__:
        from notebook_ops.scheduler import api  # noqa: PLC0415 - the API (SQLAlchemy) on first use

        return getattr(api, name)
    raise AttributeError(name)
