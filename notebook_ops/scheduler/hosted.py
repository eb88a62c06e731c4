"""The scheduler service hosted inside a Jupyter server, so schedules made in JupyterLab fire
while it runs.

The server extension calls, once loaded and once stopping::

    from notebook_ops.scheduler import hosted
    hosted.start_hosted(serverapp)        # returns the HostedScheduler, or None when off
    ...
    hosted.stop_hosted()                  # e.g. from the extension's stop hook / atexit

Settings (``serverapp.web_app.settings["notebook_ops_scheduler"]``, a dict, or the ``settings``
argument; the environment wins): ``enabled`` (``NOTEBOOK_OPS_SCHEDULER=on|off``; off by default),
``workers`` (``NOTEBOOK_OPS_SCHEDULER_WORKERS``, default 2), ``db`` (``NOTEBOOK_OPS_DB``; default
``<server root>/.notebook_ops/scheduler.db``). The REST handlers reach the same store with
``scheduler.open_store(hosted.store_url(serverapp))`` whether or not the service runs here.

Only one host runs a store at a time: the hosted service takes the store's "jupyter-host" lock
(renewed with its heartbeat); a second Jupyter server on the same store waits on standby and
takes over if the first one goes away. Runs in progress when the server stops go on; the next
service to start records them.
"""

from __future__ import annotations

import logging
import os
import threading
from typing import Any

from notebook_ops.model.parameters import BOOLS
from notebook_ops.scheduler.db_connect import default_url

log = logging.getLogger("notebook_ops.scheduler")
LOCK = "jupyter-host"


class HostedScheduler:
    def __init__(self, service, thread: threading.Thread):
        self.service, self.thread = service, thread

    @property
    def store(self):
        return self.service.store

    @property
    def active(self) -> bool:
        """True while this server holds the host lock (False: another server hosts the store)."""
        return self.service.active

    def stop(self, timeout: float = 10.0) -> None:
        self.service.stop()
        self.thread.join(timeout)


_current: HostedScheduler | None = None
_guard = threading.Lock()


def _settings(serverapp, settings) -> dict:
    out: dict[str, Any] = {}
    if serverapp is not None:
        web = getattr(serverapp, "web_app", None)
        out.update((getattr(web, "settings", {}) or {}).get("notebook_ops_scheduler") or {})
        out.setdefault("root_dir", getattr(serverapp, "root_dir", None))
    out.update(settings or {})
    env = os.environ
    if "NOTEBOOK_OPS_SCHEDULER" in env:
        out["enabled"] = BOOLS.get(env["NOTEBOOK_OPS_SCHEDULER"].strip().lower(), False)
    if "NOTEBOOK_OPS_SCHEDULER_WORKERS" in env:
        out["workers"] = int(env["NOTEBOOK_OPS_SCHEDULER_WORKERS"])
    return out


def store_url(serverapp=None, settings=None) -> str:
    """The store URL a server (and its REST handlers) use."""
    s = _settings(serverapp, settings)
    return s.get("db") or default_url(s.get("root_dir"))


def start_hosted(
    serverapp=None, *, settings: dict | None = None, clock=None, command=None, **service_options
) -> HostedScheduler | None:
    """Start the service on a daemon thread (idempotent); None when the setting is off."""
    global _current
    s = _settings(serverapp, settings)
    if not s.get("enabled"):
        return None
    with _guard:
        if _current is not None and _current.thread.is_alive():
            return _current
        # the service (SQLAlchemy, the run service) loads only when a server hosts it: off by
        # default, so a server start does not pay for it
        from notebook_ops.scheduler.api import open_store  # noqa: PLC0415 - see above
        from notebook_ops.scheduler.service import SchedulerService  # noqa: PLC0415 - see above

        store = open_store(store_url(serverapp, settings))
        svc = SchedulerService(
            store,
            clock=clock,
            command=command,
            kind="jupyter",
            workers=int(s.get("workers") or 2),
            lock=LOCK,
            **service_options,
        )
        svc.start()

        def main():
            try:
                svc.run()
            except Exception:  # the server must live on; say why the scheduler stopped
                log.exception("notebook-ops: the hosted scheduler stopped")

        t = threading.Thread(target=main, name="notebook-ops-scheduler", daemon=True)
        t.start()
        _current = HostedScheduler(svc, t)
        log.info(
            "notebook-ops: scheduler hosted in this server (store %s)", getattr(store, "safe_url", store.url)
        )
        return _current


def stop_hosted(timeout: float = 10.0) -> None:
    global _current
    with _guard:
        if _current is not None:
            _current.stop(timeout)
            _current = None


def current() -> HostedScheduler | None:
    return _current
