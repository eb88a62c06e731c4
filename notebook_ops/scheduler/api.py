"""The scheduler's Python API (what the CLI and the server's REST handlers call); see the package
docstring for the contract. Every function returns plain JSON-ready dicts and raises
NotebookOpsError subclasses (ScheduleError 400, ScheduleNotFound 404, ScheduleExists 409)."""

from __future__ import annotations

import builtins
import os
import re
import threading
from datetime import datetime, timezone
from pathlib import Path

from notebook_ops.scheduler import cron as cronlib
from notebook_ops.scheduler.schedule_errors import ScheduleError
from notebook_ops.scheduler.models import Schedule, ScheduledRun
from notebook_ops.util import placeholders as templates

_stores: dict[str, object] = {}
_stores_lock = threading.Lock()


def open_store(store=None, *, base_dir=None):
    """A ``Store``: the one given, one for a URL, or the default (``$NOTEBOOK_OPS_DB`` or
    ``<base_dir or cwd>/.notebook_ops/scheduler.db``); opened stores are reused."""
    from notebook_ops.scheduler.database import Store
    from notebook_ops.scheduler.db_connect import default_url

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
    from notebook_ops.errors import PipelineInvalid

    from notebook_ops.bundle.run import is_bundle
    from notebook_ops.model.folder import is_folder_source
    from notebook_ops.model.multi import SOURCE_SUFFIXES

    # a notebook, a pipeline file, an Elyra pipeline, a folder of notebooks
    if target.suffix in SOURCE_SUFFIXES or (is_folder_source(target) and not is_bundle(target)):
        from notebook_ops.model import load_pipeline

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
    from notebook_ops.bundle.load import load_bundle

    return load_bundle(target)[0]


def _exists(target: Path) -> bool:
    """A path, or a folder's ``FOLDER/GLOB`` (``--glob``: its notebooks are read when it runs)."""
    from notebook_ops.model.folder import is_folder_source

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
    from notebook_ops.scheduler.notify import check_webhook

    check_webhook(s.webhook)
    if s.kind == "cron":
        cronlib.check_templates(s.parameters)
    target = Path(s.target)
    if not _exists(target):
        raise ScheduleError("no such notebook or bundle", path=target)
    if not Path(s.workdir).is_dir():
        raise ScheduleError("the working folder does not exist", path=s.workdir)
    from notebook_ops.model.parameters import resolve_params

    pipeline = pipeline_of(target)
    from notebook_ops.model.secrets import env_name

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
    from notebook_ops.errors import NotebookOpsError
    from notebook_ops.events.source import check_source
    from notebook_ops.events.trigger import check_templates

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


def _store_new(s: Schedule, store, now) -> dict:
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
    paused: bool = False,
    workdir=None,
    **kind_fields,
) -> Schedule:
    target = Path(target).expanduser().resolve()
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
) -> dict:
    """A schedule fired by ``cron``; ``policies``: max_concurrent, overlap, timeout_s, retries,
    retry_delay_s, webhook, paused, workdir (see the package docstring)."""
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
) -> dict:
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
    d = _store_new(s, store, now)
    d["subscribed"] = _subscribe(s)
    return d


def _subscribe(s: Schedule) -> bool:
    """Create the subscription now if the broker answers: a topic keeps messages only for
    subscriptions that exist, so those published before a service first listens still count.
    False (not an error) when the broker is not reachable: the service subscribes later."""
    from notebook_ops.events.source import open_source

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


def add_declared(target, *, store=None, now=None, **options) -> builtins.list[dict]:
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
        from notebook_ops.scheduler.schedule_errors import ScheduleExists

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


def describe(s: Schedule, st, *, upcoming: int = 5, now=None, recent: int = 0) -> dict:
    """The schedule as the faces show it (a ``ScheduleView``): its next five firings (the lab's
    Schedule section lists them), last run, and with ``recent`` its latest runs."""
    from notebook_ops.model.contracts.schedules import ScheduleView

    from notebook_ops.util.redact import redact

    d = s.to_dict()
    for key in ("webhook", "source"):  # every face shows them: never their credentials
        if d.get(key):
            d[key] = redact(d[key])
    d["upcoming"] = (
        []
        if s.paused or s.kind != "cron"
        else [
            t.isoformat(timespec="seconds").replace("+00:00", "Z")
            for t in cronlib.Cron(s.cron, s.tz).upcoming(_now(now), upcoming)
        ]
    )
    last = st.list_runs(
        s.id, limit=1, states=("running", "succeeded", "failed", "below_target", "cancelled", "timed_out")
    )
    d["last_run"] = last[0].to_dict() if last else None
    if recent:
        d["recent_runs"] = [r.to_dict() for r in st.list_runs(s.id, limit=recent)]
    return ScheduleView.from_dict(d).to_dict()


def list_schedules(*, store=None) -> builtins.list[dict]:
    st = open_store(store)
    return [describe(s, st) for s in st.list_schedules()]


def get(name, *, store=None) -> dict:
    st = open_store(store)
    return describe(st.get_schedule(name), st, recent=10)


def pause(name, *, store=None, now=None) -> dict:
    st = open_store(store)
    s = st.get_schedule(name)
    return describe(st.update_schedule(s.id, _now(now), paused=True), st)


def resume(name, *, store=None, now=None) -> dict:
    """Resume from now on: firings that fell in the pause are not caught up."""
    st = open_store(store)
    s = st.get_schedule(name)
    now = _now(now)
    nxt = cronlib.Cron(s.cron, s.tz).next_after(now) if s.kind == "cron" else None
    return describe(st.update_schedule(s.id, now, paused=False, next_fire_at=nxt), st, now=now)


def remove(name, *, store=None) -> dict:
    """Delete a schedule and its run history (runs in progress finish but are not recorded)."""
    st = open_store(store)
    s = st.get_schedule(name)
    st.delete_schedule(s.id)
    return s.to_dict()


def run_now(name, *, store=None, now=None) -> dict:
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
        [ScheduledRun(schedule_id=s.id, scheduled_for=now, trigger="manual", parameters=params)], now
    )
    got = [r for r in st.list_runs(s.id, limit=5) if r.scheduled_for == now]
    return got[0].to_dict() if got else {}


def list_runs(name=None, *, limit: int = 50, store=None) -> builtins.list[dict]:
    """Firings newest first (all schedules, or one), with state, run folder and MLflow run."""
    st = open_store(store)
    sid = st.get_schedule(name).id if name is not None else None
    return [r.to_dict() for r in st.list_runs(sid, limit=limit)]


def get_run(run_id: int, *, store=None) -> dict:
    return open_store(store).get_run(int(run_id)).to_dict()


def services(*, store=None, now=None) -> builtins.list[dict]:
    """Scheduler services seen alive in the last minute (to tell the user whether runs fire)."""
    from notebook_ops.scheduler.models import plain

    return [{k: plain(v) for k, v in s.items()} for s in open_store(store).live_services(_now(now), 60.0)]


list = list_schedules  # noqa: A001 - the API name the faces use: scheduler.list()
