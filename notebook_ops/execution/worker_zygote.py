"""A warm zygote on each Dask worker, and kernels forked from it ahead of the tasks (``run --cluster``).

When a cluster run starts, the runner registers a ``ZygotePlugin`` (a ``distributed``
``WorkerPlugin``) named for what its kernels import ahead: the kernel and the setup cells'
libraries (``plugin_name``). Each worker, there now or joining later, starts a zygote
(``forkprovisioner.Zygote``) in a thread of its own that imports those libraries once, before any
step arrives, then keeps as many kernels forked from it, connected and answering as the worker
has threads (``KernelsAhead``). A task (``cluster_task.run_task``) finds the plugin by that name
and takes one of those kernels, which then moves into the task's folder and environment
(``kernels.move_kernel``); the next is forked at once. A kernel runs one task only, and is shut
down after the task's outcome is set, off its path. The plugin is idempotent: a second run with
the same imports finds it registered and its zygotes and kernels ready, and runs with other
imports get their own.

A worker without it (an older notebook-ops, a refused registration, a platform without fork,
``NOTEBOOK_OPS_WORKER_KERNELS=fresh`` in the worker's environment, a zygote that found an import
unsafe to fork) runs the task in a fresh kernel, as ``run-step`` does. The plugin's teardown (the
worker closing, or the plugin removed) kills the zygote and every kernel it forked, the ones
waiting for a task included.
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
from notebook_ops.execution.kernels import IMPORT_LOCK, KernelPool, warm_set

if TYPE_CHECKING:
    from concurrent.futures import Future

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


class KernelsAhead(KernelPool):
    """``n`` kernels forked from a worker's zygote before any task asks for one (in an empty
    folder, with the worker's environment): ``submit(fn)`` runs ``fn(km)`` in one, a ready one
    first, and forks the next at once. Their own output (fd 1 and 2) is dropped, as a task's
    fresh kernel's was with the task's folder: a secret a kernel printed there stays nowhere."""

    def __init__(self, kernel_name: str, zygote: Zygote, folder: Path, n: int):
        self.n = max(1, n)
        self.taken = 0  # kernels handed to tasks
        self.taken_ready = 0  # of those, the ones up and waiting when their task came
        self._devnull = open(os.devnull, "ab")
        folder.mkdir(parents=True, exist_ok=True)
        super().__init__(kernel_name, cwd=folder, log_file=self._devnull, zygote=zygote)
        self.prewarm(self.n)

    def submit(self, fn) -> Future:
        ready = bool(self.ready_pids())
        fut = super().submit(fn)
        with self._lock:  # the worker's task threads take kernels at the same time
            self.taken += 1
            self.taken_ready += int(ready)
        self.prewarm(self.n)
        return fut

    def close(self, *, kill_running: bool = True) -> None:
        """Kill every kernel (waiting or running a task) and wait for their threads."""
        super().close(kill_running=kill_running)
        self._devnull.close()


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
        self.ahead: KernelsAhead | None = None  # kernels forked from it, made once it is warm
        self.threads = 1  # the worker's: how many kernels wait ahead
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
        state = getattr(worker, "state", None)  # distributed's WorkerState holds nthreads
        self.threads = int(getattr(state, "nthreads", None) or getattr(worker, "nthreads", None) or 1)
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
            elif (zygote := self.zygote) is not None and not zygote.killed:
                self.ahead = KernelsAhead(self.kernel_name, zygote, folder / "kernels", self.threads)
                if self.zygote is None:  # torn down meanwhile
                    self.ahead.close()
        except Exception as exc:  # no such kernel here, jupyter_client missing: fresh kernels
            self.refused = f"{type(exc).__name__}: {exc}"
            log.warning("notebook-ops: no zygote on this worker: %s", self.refused)
        finally:
            assert self._ready is not None
            self._ready.set()

    def kernels_for(self, kernel_name: str, timeout: float = READY_TIMEOUT) -> KernelsAhead | None:
        """The kernels forked ahead for a kernel of ``kernel_name`` (waiting while the zygote
        imports), else None (a fresh kernel)."""
        if self.zygote is None or self._ready is None or kernel_name != self.kernel_name:
            return None
        if not self._ready.wait(timeout) or self.refused or not self.zygote.ok:
            return None
        return self.ahead

    def teardown(self, worker) -> None:
        """Kill the zygote and every kernel it forked (the worker is closing): the zygote
        first (it kills each kernel's group), then the kernels' threads are joined."""
        zygote, self.zygote = self.zygote, None
        ahead, self.ahead = self.ahead, None
        if zygote is not None:
            zygote.kill()
        if ahead is not None:
            ahead.close()
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
            # kernels forked ahead: waiting for a task now, and handed to tasks (ready or not)
            "waiting": self.ahead.ready_pids() if self.ahead is not None else [],
            "taken": self.ahead.taken if self.ahead is not None else 0,
            "taken_ready": self.ahead.taken_ready if self.ahead is not None else 0,
        }


def zygote_states(dask_worker) -> dict[str, dict]:
    """On a worker (``client.run(zygote_states)``): each notebook-ops zygote plugin's ``state``."""
    return {
        name: plugin.state()
        for name, plugin in dask_worker.plugins.items()
        if name.startswith(PREFIX) and isinstance(plugin, ZygotePlugin)
    }
