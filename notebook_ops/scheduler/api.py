"""The scheduler's Python API (what the CLI and the server's REST handlers call); see the package
docstring for the contract. Typed in, typed out: every function returns the schedule contracts
(``ScheduleView``, ``ScheduledRunView``; the faces serialise them with ``to_dict()``) and raises
NotebookOpsError subclasses (ScheduleError 400, ScheduleNotFound 404, ScheduleExists 409)."""

from __future__ import annotations

import builtins
import dataclasses
import os
import re
import threading
from datetime import datetime, timezone
from pathlib import Path

from notebook_ops.bundle.load import load_bundle
from notebook_ops.bundle.run import is_bundle
from notebook_ops.errors import NotebookOpsError, PipelineInvalid
from notebook_ops.events.source import check_source, open_source
from notebook_ops.events.trigger import check_templates
from notebook_ops.model import load_pipeline
from notebook_ops.model.contracts.alerts import AlertError, parse_alerts
from notebook_ops.model.contracts.alerts import shown as shown_destination
from notebook_ops.model.contracts.base import iso_utc
from notebook_ops.model.contracts.schedules import Schedule, ScheduledRun, ScheduledRunView, ScheduleView
from notebook_ops.model.folder import is_folder_source
from notebook_ops.model.multi import SOURCE_SUFFIXES
from notebook_ops.model.parameters import resolve_params
from notebook_ops.model.secrets import env_name
from notebook_ops.scheduler import cron as cronlib
from notebook_ops.scheduler.database import Store
from notebook_ops.scheduler.db_connect import default_url
from notebook_ops.scheduler.notify import check_webhook
from notebook_ops.scheduler.schedule_errors import ScheduleError, ScheduleExists
from notebook_ops.util import placeholders as templates
from notebook_ops.util.redact import redact

_stores: dict[str, Store] = {}
_stores_lock = threading.Lock()


def open_store(store=None, *, base_dir=None) -> Store:
    """A ``Store``: the one given, one for a URL, or the default (``$NOTEBOOK_OPS_DB`` or
    ``<base_dir or cwd>/.notebook_ops/scheduler.db``); opened stores are reused."""
    if store is not None and not isinstance(store, str):
        return store
    url = store or default_url(base_dir)
    with _stores_lock:
        if url not in _stores:
            _stores[url] = Store(url)
        return _stores[url]


def _now(now=None) -> datetime:
    return now or datetime.now(timezone.utc)


def pipeline_of(target: Path):
    """The Pipeline a target runs (notebook or bundle), to check parameters against."""
    # a notebook, a pipeline file, an Elyra pipeline, a folder of notebooks
    if target.suffix in SOURCE_SUFFIXES or (is_folder_source(target) and not is_bundle(target)):
        p = load_pipeline(target)
        if not p.ok:
            first = p.errors[0]
            raise PipelineInvalid(
                f"the pipeline has {len(p.errors)} error(s); first: {first.message}",
                problems=p.errors,
                path=target,
                cell=first.cell,
                step=first.step,
                hint="run `notebook-ops lint` to see them all",
            )
        return p
    if not is_bundle(target):
        raise ScheduleError("not a notebook (.ipynb) or a bundle (folder or .tar.gz)", path=target)
    return load_bundle(target)[0]


def _exists(target: Path) -> bool:
    """A path, or a folder's ``FOLDER/GLOB`` (``--glob``: its notebooks are read when it runs)."""
    return target.exists() or is_folder_source(target)


def validate(s: Schedule) -> Schedule:
    """Check everything a schedule needs before it is stored (clear errors, nothing half-added):
    its shape (``ScheduleSpec.check``, the one place), then what needs the world: the cron text
    and zone, the topic URL, the webhook, the target and its parameters."""
    s.check()
    if s.kind == "cron":
        cronlib.Cron(s.cron, s.tz)
    else:
        _check_trigger(s)
    check_webhook(s.webhook)
    if s.kind == "cron":
        cronlib.check_templates(s.parameters)
    target = Path(s.target)
    if not _exists(target):
        raise ScheduleError("no such notebook or bundle", path=target)
    if not Path(s.workdir).is_dir():
        raise ScheduleError("the working folder does not exist", path=s.workdir)
    pipeline = pipeline_of(target)
    for p in pipeline.parameters:  # a schedule's values are stored and shown: never a secret
        if p.secret and p.name in s.parameters:
            raise ScheduleError(
                f"parameter {p.name!r} is secret: a schedule does not store secrets",
                path=target,
                hint=f"set {env_name(p.name)} in the environment of the scheduler service "
                "(its runs inherit it) and leave it out of -p",
            )
    if s.kind == "cron":
        sample = cronlib.render(
            s.parameters, scheduled_for=datetime.now(timezone.utc), tz=s.tz, schedule_name=s.name
        )
    else:  # values from a message are checked per message; fixed ones now
        declared = {p.name for p in pipeline.parameters}
        sample = {k: v for k, v in s.parameters.items() if k not in declared or not templates.placeholders(v)}
    resolve_params(pipeline, sample)  # unknown names, wrong types -> error
    return s


def _check_trigger(s: Schedule) -> None:
    """A trigger schedule: a source URL we can listen on (not connected to now: the broker may
    be down while the schedule is made), message placeholders that exist."""
    try:
        check_source(s.listens_on()[0])
        check_templates(s.parameters)
    except NotebookOpsError as exc:
        raise ScheduleError(exc.message, hint=exc.hint) from None


def _default_name(target: Path) -> str:
    return (
        re.sub(
            r"[^A-Za-z0-9_.-]+",
            "-",
            target.name.removesuffix(".tar.gz").removesuffix(".tgz").removesuffix(".ipynb"),
        ).strip("-.")
        or "schedule"
    )


def _store_new(s: Schedule, store, now) -> ScheduleView:
    validate(s)
    now = _now(now)
    s.next_fire_at = cronlib.Cron(s.cron, s.tz).next_after(now) if s.kind == "cron" else None
    st = open_store(store)
    return describe(st.add_schedule(s, now), st, now=now)


def _schedule(
    target,
    name,
    parameters,
    *,
    max_concurrent: int = 1,
    overlap="queue",
    timeout_s: float | None = None,
    retries: int = 0,
    retry_delay_s: float = 30.0,
    webhook: str | None = None,
    alerts=None,
    paused: bool = False,
    workdir=None,
    **kind_fields,
) -> Schedule:
    target = Path(target).expanduser().resolve()
    try:
        specs = parse_alerts(builtins.list(alerts or []))
    except AlertError as exc:
        raise ScheduleError(exc.message, hint=exc.hint) from None
    return Schedule(
        name=name or _default_name(target),
        target=str(target),
        parameters={k: v for k, v in (parameters or {}).items()},
        max_concurrent=int(max_concurrent),
        overlap=overlap,
        timeout_s=float(timeout_s) if timeout_s is not None else None,
        retries=int(retries),
        retry_delay_s=float(retry_delay_s),
        webhook=webhook or None,
        alerts=specs,
        paused=bool(paused),
        workdir=str(Path(workdir or os.getcwd()).resolve()),
        **kind_fields,
    )


def add(
    target,
    cron: str,
    *,
    name: str | None = None,
    tz: str = "UTC",
    parameters: dict | None = None,
    catchup: str = "once",
    store=None,
    now: datetime | None = None,
    **policies,
) -> ScheduleView:
    """A schedule fired by ``cron``; ``policies``: max_concurrent, overlap, timeout_s, retries,
    retry_delay_s, webhook, alerts, paused, workdir (see the package docstring)."""
    cron = " ".join(str(cron).split())
    s = _schedule(target, name, parameters, cron=cron, tz=tz, catchup=catchup, **policies)
    return _store_new(s, store, now)


def add_trigger(
    target,
    source: str,
    *,
    subscription: str | None = None,
    name: str | None = None,
    parameters: dict | None = None,
    dead_letter_topic: str | None = None,
    store=None,
    now: datetime | None = None,
    **policies,
) -> ScheduleView:
    """A schedule fired by messages on ``source`` (see the package docstring); ``policies`` as
    for ``add``."""
    s = _schedule(
        target,
        name,
        parameters,
        kind="trigger",
        cron="",
        source=str(source).strip(),
        dead_letter_topic=dead_letter_topic or None,
        **policies,
    )
    s.subscription = subscription or f"notebook-ops.{s.name}"
    view = _store_new(s, store, now)
    view.subscribed = _subscribe(s)
    return view


def _subscribe(s: Schedule) -> bool:
    """Create the subscription now if the broker answers: a topic keeps messages only for
    subscriptions that exist, so those published before a service first listens still count.
    False (not an error) when the broker is not reachable: the service subscribes later."""
    try:
        url, subscription = s.listens_on()
        open_source(url, subscription=subscription, dead_letter_topic=s.dead_letter_topic).close()
        return True
    except Exception:  # noqa: BLE001 - broker down or refusing: not this command's failure
        return False


def declared(target) -> builtins.list[dict]:
    """The schedules a notebook declares (``metadata.notebook_ops.schedules``, edited from the
    panel) or a bundle's manifest carries: [{name, cron, tz, parameters, catchup}]."""
    target = Path(target).expanduser().resolve()
    if not _exists(target):
        raise ScheduleError("no such notebook or bundle", path=target)
    p = pipeline_of(target)
    out = []
    items = (p.settings or {}).get("schedules") or []
    for i, d in enumerate(items, start=1):
        own = d.get("name") or (None if len(items) == 1 else f"schedule-{i}")
        out.append(
            {
                "name": f"{p.name}.{own}" if own else p.name,
                "cron": d.get("cron"),
                "tz": d.get("tz") or "UTC",
                "parameters": dict(d.get("parameters") or {}),
                "catchup": d.get("catchup") or "once",
            }
        )
    return out


def add_declared(target, *, store=None, now=None, **options) -> builtins.list[ScheduleView]:
    """Add every schedule ``target`` declares (all validated before any is stored)."""
    items = declared(target)
    if not items:
        raise ScheduleError(
            "declares no schedules", path=target, hint="give --cron, or add schedules in the pipeline panel"
        )
    st = open_store(store)
    taken = {s.name for s in st.list_schedules()}
    clash = [d["name"] for d in items if d["name"] in taken]
    if clash:
        raise ScheduleExists(f"schedule(s) {', '.join(clash)} exist", hint="remove them first")
    for d in items:  # validate all first: nothing half-added
        validate(
            Schedule(
                target=str(Path(target).resolve()),
                workdir=str(Path(options.get("workdir") or os.getcwd()).resolve()),
                **d,
            )
        )
    return [add(target, d.pop("cron"), store=st, now=now, **{**options, **d}) for d in items]


def _shown(s: Schedule, **shown) -> ScheduleView:
    """``s`` as every face shows it: its webhook, alert destinations and topic URL without
    their credentials."""
    view = ScheduleView.of(s, **shown)
    view.webhook = redact(s.webhook) if s.webhook else s.webhook
    view.alerts = [dataclasses.replace(a, to=shown_destination(a.to)) for a in s.alerts]
    view.source = redact(s.source) if s.source else s.source
    return view


def describe(s: Schedule, st: Store, *, upcoming: int = 5, now=None, recent: int = 0) -> ScheduleView:
    """The schedule as the faces show it: its next five firings (the lab's Schedule section
    lists them), last run, and with ``recent`` its latest runs."""
    last = st.list_runs(
        s.id, limit=1, states=("running", "succeeded", "failed", "below_target", "cancelled", "timed_out")
    )
    return _shown(
        s,
        upcoming=[]
        if s.paused or s.kind != "cron"
        else cronlib.Cron(s.cron, s.tz).upcoming(_now(now), upcoming),
        last_run=last[0].view() if last else None,
        recent_runs=[r.view() for r in st.list_runs(s.id, limit=recent)] if recent else None,
    )


def list_schedules(*, store=None) -> builtins.list[ScheduleView]:
    st = open_store(store)
    return [describe(s, st) for s in st.list_schedules()]


def get(name, *, store=None) -> ScheduleView:
    st = open_store(store)
    return describe(st.get_schedule(name), st, recent=10)


def pause(name, *, store=None, now=None) -> ScheduleView:
    st = open_store(store)
    s = st.get_schedule(name)
    return describe(st.update_schedule(s.stored_id, _now(now), paused=True), st)


def resume(name, *, store=None, now=None) -> ScheduleView:
    """Resume from now on: firings that fell in the pause are not caught up."""
    st = open_store(store)
    s = st.get_schedule(name)
    now = _now(now)
    nxt = cronlib.Cron(s.cron, s.tz).next_after(now) if s.kind == "cron" else None
    return describe(st.update_schedule(s.stored_id, now, paused=False, next_fire_at=nxt), st, now=now)


def remove(name, *, store=None) -> ScheduleView:
    """Delete a schedule and its run history (runs in progress finish but are not recorded);
    returns what was removed (no upcoming firings, no runs any more)."""
    st = open_store(store)
    s = st.get_schedule(name)
    st.delete_schedule(s.stored_id)
    return _shown(s)


def run_now(name, *, store=None, now=None) -> ScheduledRunView | None:
    """Queue one firing at the current time; a running scheduler service starts it."""
    st = open_store(store)
    s = st.get_schedule(name)
    if s.kind != "cron":
        raise ScheduleError(
            f"{s.name} runs on messages from {s.source}", hint="publish a message there to start a run"
        )
    now = _now(now)
    params = cronlib.render(s.parameters, scheduled_for=now, tz=s.tz, schedule_name=s.name)
    st.insert_runs(
        [ScheduledRun(schedule_id=s.stored_id, scheduled_for=now, trigger="manual", parameters=params)], now
    )
    got = [r for r in st.list_runs(s.id, limit=5) if r.scheduled_for == now]
    return got[0].view() if got else None


def list_runs(name=None, *, limit: int = 50, store=None) -> builtins.list[ScheduledRunView]:
    """Firings newest first (all schedules, or one), with state, run folder and MLflow run."""
    st = open_store(store)
    sid = st.get_schedule(name).id if name is not None else None
    return [r.view() for r in st.list_runs(sid, limit=limit)]


def get_run(run_id: int, *, store=None) -> ScheduledRunView:
    return open_store(store).get_run(int(run_id)).view()


def services(*, store=None, now=None) -> builtins.list[dict]:
    """Scheduler services seen alive in the last minute (to tell the user whether runs fire)."""
    return [
        {k: iso_utc(v) if isinstance(v, datetime) else v for k, v in s.items()}
        for s in open_store(store).live_services(_now(now), 60.0)
    ]


list = list_schedules  # noqa: A001 - the API name the faces use: scheduler.list()
