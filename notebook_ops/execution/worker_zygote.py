"""A warm zygote on each Dask worker, so a step's task forks a ready kernel (``run --cluster``).

When a cluster run starts, the runner registers a ``ZygotePlugin`` (a ``distributed``
``WorkerPlugin``) named for what its kernels import ahead: the kernel and the setup cells'
libraries (``plugin_name``). Each worker, there now or joining later, starts a zygote
(``forkprovisioner.Zygote``) in a thread of its own that imports those libraries once, before any
step arrives; a task (``cluster_task.run_task``) finds the plugin by that name and its kernel is
forked from the zygote. The plugin is idempotent: a second run with the same imports finds it
registered and its zygotes warm, and runs with other imports get zygotes of their own.

A worker without it (an older notebook-ops, a refused registration, a platform without fork,
``NOTEBOOK_OPS_WORKER_KERNELS=fresh`` in the worker's environment, a zygote that found an import
unsafe to fork) runs the task in a fresh kernel, as ``run-step`` does. The plugin's teardown (the
worker closing, or the plugin removed) kills the zygote and every kernel it forked.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import threading
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from distributed import WorkerPlugin

from notebook_ops._version import __version__
from notebook_ops.execution.kernels import IMPORT_LOCK, warm_set

if TYPE_CHECKING:
    from notebook_ops.execution.forkprovisioner import Zygote

log = logging.getLogger(__name__)
PREFIX = "notebook-ops-zygote-"
WORKER_ENV = "NOTEBOOK_OPS_WORKER_KERNELS"  # "fresh" on a worker: no zygote there
READY_TIMEOUT = 180.0  # a task waits this long for a zygote still importing, then starts fresh


def _warm_papermill() -> None:
    """The worker's own import of papermill, in the background (else its first step pays it)."""
    from notebook_ops.execution.executors import import_papermill  # noqa: PLC0415 - cycle: executors runs the tasks that use this plugin

    threading.Thread(target=import_papermill, daemon=True, name="nbo-papermill-warm").start()


def plugin_name(kernel_name: str, preload) -> str:
    """The plugin's name on the cluster: one per kernel, warm set and notebook-ops version."""
    payload = json.dumps([kernel_name, sorted(set(warm_set(preload))), __version__])
    return PREFIX + hashlib.sha256(payload.encode()).hexdigest()[:16]


def kernel_prefix(kernel_name: str) -> list[str] | None:
    """The interpreter and flags a kernel of ``kernel_name`` starts with here, as jupyter_client
    formats its command (None: not an ipykernel that can be forked)."""
    with IMPORT_LOCK:
        from jupyter_client.manager import AsyncKernelManager  # noqa: PLC0415 - jupyter_client loads with the first kernel, not at import

        from notebook_ops.execution.forkprovisioner import split_kernel_cmd  # noqa: PLC0415 - jupyter_client loads with the first kernel, not at import
    km = AsyncKernelManager(kernel_name=kernel_name)
    if km.kernel_spec is None or (km.kernel_spec.language or "").lower() != "python":
        return None
    split = split_kernel_cmd(km.format_kernel_cmd())
    return split[0] if split else None


class ZygotePlugin(WorkerPlugin):
    """Keeps one zygote on a worker, warmed with ``preload`` for kernels of ``kernel_name``."""

    idempotent = True  # registered again by a later run: the workers keep the warm one

    def __init__(self, kernel_name: str, preload):
        self._recipe(kernel_name, list(preload))

    def _recipe(self, kernel_name: str, preload: list[str]) -> None:
        self.kernel_name = kernel_name
        self.preload = preload
        self.name = plugin_name(kernel_name, preload)
        self.zygote: Zygote | None = None  # the worker's, made in setup
        self.refused: str | None = None  # why this worker runs fresh kernels
        self._ready: threading.Event | None = None
        self._log: IO[bytes] | None = None

    def __getstate__(self) -> dict[str, Any]:  # what travels: the recipe, not a worker's state
        return {"kernel_name": self.kernel_name, "preload": self.preload}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self._recipe(state["kernel_name"], state["preload"])

    def setup(self, worker) -> None:
        """Start the zygote in the background, and the worker's own import of papermill (~1 s,
        10 s and more on a loaded machine, else paid by its first step): a worker's event loop
        never waits for imports."""
        self._ready = threading.Event()
        with IMPORT_LOCK:
            from notebook_ops.execution.forkprovisioner import Zygote, fork_supported  # noqa: PLC0415 - jupyter_client loads with the first kernel, not at import

        if os.environ.get(WORKER_ENV, "").strip() == "fresh":
            self.refused = f"{WORKER_ENV}=fresh"
        elif not fork_supported():
            self.refused = "this platform cannot fork kernels"
        if self.refused:
            self._ready.set()
            _warm_papermill()
            return
        folder = Path(worker.local_directory) / self.name  # empty: nothing beside it is preloaded
        folder.mkdir(parents=True, exist_ok=True)
        self._log = open(folder / "zygote.log", "ab")
        self.zygote = Zygote(warm_set(self.preload), log_file=self._log)
        threading.Thread(target=self._warm, args=(folder,), daemon=True, name="nbo-zygote-warm").start()

    def _warm(self, folder: Path) -> None:
        try:
            try:
                prefix = kernel_prefix(self.kernel_name)
            finally:  # after: both take the import lock, and the zygote comes first
                _warm_papermill()
            if prefix is None:
                self.refused = f"kernel {self.kernel_name} is not an ipykernel that can be forked"
            elif self.zygote is not None and not self.zygote.usable(prefix, dict(os.environ), folder):
                self.refused = self.zygote.reason or "the zygote did not start"
        except Exception as exc:  # no such kernel here, jupyter_client missing: fresh kernels
            self.refused = f"{type(exc).__name__}: {exc}"
            log.warning("notebook-ops: no zygote on this worker: %s", self.refused)
        finally:
            assert self._ready is not None
            self._ready.set()

    def zygote_for(self, kernel_name: str, timeout: float = READY_TIMEOUT):
        """The warm zygote for a kernel of ``kernel_name`` (waiting while it imports), else None."""
        if self.zygote is None or self._ready is None or kernel_name != self.kernel_name:
            return None
        if not self._ready.wait(timeout) or self.refused or not self.zygote.ok:
            return None
        return self.zygote

    def teardown(self, worker) -> None:
        """Kill the zygote and every kernel it forked (the worker is closing)."""
        zygote, self.zygote = self.zygote, None
        if zygote is not None:
            zygote.kill()
        if self._log is not None:
            self._log.close()
            self._log = None

    def state(self) -> dict:
        """What a worker's zygote is doing (tests and diagnostics)."""
        z = self.zygote
        proc = getattr(z, "proc", None)
        live: list[int] = []
        if z is not None:
            live = [pid for pid in list(z.forked) if z.status(pid) is None]
        return {
            "name": self.name,
            "ready": bool(self._ready and self._ready.is_set()),
            "ok": bool(z is not None and z.ok),
            "refused": self.refused,
            "pid": proc.pid if proc is not None else None,
            "forked": list(z.forked) if z is not None else [],
            "live": live,
        }


def zygote_states(dask_worker) -> dict[str, dict]:
    """On a worker (``client.run(zygote_states)``): each notebook-ops zygote plugin's ``state``."""
    return {
        name: plugin.state()
        for name, plugin in dask_worker.plugins.items()
        if name.startswith(PREFIX) and isinstance(plugin, ZygotePlugin)
    }
