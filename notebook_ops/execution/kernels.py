"""A small pool of kernels started ahead of time, so start-up is off a step's critical path.

papermill passes extra keyword arguments down to its notebook client, whose ``km`` argument
takes an already started kernel manager: ``papermill.execute_notebook(..., km=km)`` then runs
the notebook in that kernel and leaves shutting it down to us. It also leaves open the client
it made (nbclient stops its client only on a kernel it owns): a heartbeat thread, a zmq context
and five sockets per step, until a long-lived process (the scheduler service, a test session)
runs out of file descriptors. The pool's managers remember the clients they make and the pool
stops them with the kernel.

Each kernel lives in its own "slot" thread, from start to shutdown: the thread starts the kernel
(``AsyncKernelManager``, whose client notices a kernel that dies), waits until it answers,
imports the modules the notebook's setup cells import (so the first cell does not pay for them),
then waits for one job, runs it in the same thread and event loop (zmq sockets are not
thread-safe, so a kernel's sockets never cross threads), and shuts the kernel down. One kernel
runs one step: steps never share interpreter state. ``kill`` (timeout, Ctrl-C) signals the
kernel process directly, which is safe from any thread; the step's client then sees it die.

With ``kernels="fork"`` the kernels are forked from one zygote process per pool that imported
the setup cells' libraries once (``forkprovisioner.py``, ``zygote.py``), or from a zygote the
pool is given and does not own (a Dask worker's: ``worker_zygote.py``); everything else here
is the same.
"""

from __future__ import annotations

import functools
import logging
import os
import queue
import re
import threading
from collections.abc import Mapping
from concurrent.futures import Future

from notebook_ops.model.imports import top_level_modules

log = logging.getLogger(__name__)
# jupyter_client, nbclient and papermill are imported from several threads at once (kernel slots,
# the background warm-up); importing them concurrently can expose a partially initialised module
# (jupyter_client's imports are circular), so these imports are serialised.
IMPORT_LOCK = threading.Lock()
START_ATTEMPTS = 3  # kernels started for one slot before its step fails
# an IPython kernel's arguments for a step: its input history in memory, not in the user's
# history.sqlite that every kernel on the machine shares (each cell waited for its lock), and no
# sleep before each reply (ipykernel's old workaround: output is flushed before the reply)
IPYKERNEL_ARGS = ["--HistoryManager.hist_file=:memory:", "--IPythonKernel._execute_sleep=0"]
# after the preload: the step runtime's registries, filled before a step needs them
WARM_STEP_RUNTIME = (
    "try:\n    __import__('notebook_ops.kernel_side.step', fromlist=['warm']).warm()\n"
    "except Exception:\n    pass\n"
)
_MODULE_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$")


def setup_imports(sources, exclude=()) -> list[str]:
    """Top-level modules imported by these code cells (``import a.b`` -> ``a.b``), without
    those whose top name is in ``exclude`` (the project's own code: preloading it before the
    notebook sets ``sys.path`` could import another module of the same name)."""

    return [m for m in top_level_modules(sources) if m.split(".")[0] not in set(exclude)]


def warm_set(preload) -> list[str]:
    """What a pool's kernels (and a zygote made for them) import ahead: the valid module names
    of ``preload`` and the step plumbing."""
    return [m for m in preload if _MODULE_RE.match(m)] + ["notebook_ops.kernel_side.step"]


async def _run_silently(kc, code: str, timeout: float) -> dict:
    """Run ``code`` in the kernel without a trace in its history or outputs; its reply."""
    msg_id = kc.execute(code, silent=True, store_history=False)
    while True:  # wait for this request's reply (earlier replies are skipped)
        reply = await kc.get_shell_msg(timeout=timeout)
        if reply["parent_header"].get("msg_id") == msg_id:
            return reply


def move_kernel(km, cwd, env: Mapping[str, str], timeout: float = 60) -> None:
    """Put a kernel started ahead, before its step was known (a Dask worker's:
    ``worker_zygote.py``), in the step's folder and environment, as a kernel started there
    would be: imports beside the notebook resolve (IPython's ``''`` on ``sys.path`` is the
    current folder), secret parameters are in ``os.environ`` (kernel_side/secret_params.py).
    In the thread that runs the step (the slot's: its event loop)."""
    with IMPORT_LOCK:
        from jupyter_core.utils import ensure_event_loop  # noqa: PLC0415 - jupyter_client loads with the first kernel, not at import
    code = f"__import__('os').chdir({str(cwd)!r})\n"
    if env:
        code += f"__import__('os').environ.update({dict(env)!r})\n"

    async def go() -> dict:
        kc = km.client()
        kc.start_channels(iopub=False, stdin=False, hb=False, control=False)  # the reply is enough
        try:
            return await _run_silently(kc, code, timeout)
        finally:
            kc.stop_channels()

    reply = ensure_event_loop().run_until_complete(go())
    content = reply.get("content") or {}
    if content.get("status") != "ok":
        raise RuntimeError(
            f"the kernel could not move to the step's folder: {content.get('ename')}: {content.get('evalue')}"
        )


class _StopsItsClients:
    """Mixin for a kernel manager: ``stop_clients()`` stops every client ``client()`` made."""

    def client(self, **kw):
        kc = super().client(**kw)  # type: ignore[misc]
        self.__dict__.setdefault("_nbo_clients", []).append(kc)
        return kc

    def stop_clients(self) -> None:
        for kc in self.__dict__.pop("_nbo_clients", []):
            try:
                kc.stop_channels()
            except Exception as exc:  # a client whose sockets are already gone
                log.debug("kernel client stop: %s", exc)


@functools.cache
def _pool_manager(base: type) -> type:
    """``base`` (a kernel manager class) with ``_StopsItsClients`` mixed in, whose clients are
    ready as soon as the kernel is (``kernel_client.py``: a step's client no longer waits 0.2 s
    for IOPub to fall silent)."""
    with IMPORT_LOCK:
        from traitlets import Type  # noqa: PLC0415 - jupyter_client loads with the first kernel, not at import

        from notebook_ops.execution.kernel_client import PromptKernelClient  # noqa: PLC0415 - jupyter_client loads with the first kernel, not at import

    return type(
        f"Pool{base.__name__}",
        (_StopsItsClients, base),
        {"client_factory": Type(PromptKernelClient, config=True)},
    )


class _Slot:
    def __init__(self):
        self.km = None
        self.ready = threading.Event()  # set when the kernel is up (or failed to start)
        self.error: BaseException | None = None
        self.jobs: queue.Queue = queue.Queue(maxsize=1)
        self.thread: threading.Thread | None = None
        self.taken = False
        self.starting = None  # the kernel manager while its kernel starts (close kills it)


class KernelPool:
    """``submit(fn)`` runs ``fn(km)`` in a started kernel and returns a Future;
    ``prewarm(n)`` keeps up to ``n`` idle kernels ready; ``kill(km)``; ``close()``."""

    def __init__(
        self,
        kernel_name: str = "python3",
        *,
        cwd=None,
        preload=(),
        log_file=None,
        startup_timeout: float = 60,
        kernels: str = "fresh",
        env: dict | None = None,
        zygote=None,
    ):
        self.kernel_name = kernel_name
        # added to each kernel's environment (secret parameters: model/secrets.py)
        self.env = dict(env or {})
        self.cwd = str(cwd) if cwd else None
        self.preload = warm_set(preload)
        self.log_file = log_file
        self.startup_timeout = startup_timeout
        self._lock = threading.Lock()
        self._idle: list[_Slot] = []
        self._slots: list[_Slot] = []
        self._closed = False
        self.started = 0
        # ``zygote``: one owned elsewhere (a Dask worker's, worker_zygote.py), which outlives the pool
        self.zygote = zygote
        self._owns_zygote = zygote is None
        if kernels == "fork" and zygote is None:
            with IMPORT_LOCK:
                from notebook_ops.execution.forkprovisioner import Zygote  # noqa: PLC0415 - jupyter_client loads with the first kernel, not at import
            self.zygote = Zygote(self.preload, log_file=log_file)

    # --- the slot thread -------------------------------------------------------------------
    def _start_kernel(self, loop, slot: _Slot):
        """A started kernel; a start that fails is tried again with a new kernel (its ports are
        picked anew: a port another process took between jupyter_client's choice and the
        kernel's bind kills the kernel, "Address already in use")."""
        for attempt in range(1, START_ATTEMPTS + 1):
            try:
                return self._start_kernel_once(loop, slot)
            except Exception as exc:
                if attempt == START_ATTEMPTS or self._closed:
                    raise
                log.warning("a kernel did not start (%s); starting another", exc)
        raise AssertionError("unreachable")

    def _start_kernel_once(self, loop, slot: _Slot):
        if self._closed:
            raise RuntimeError("kernel pool closed")
        with IMPORT_LOCK:
            from jupyter_client.manager import AsyncKernelManager  # noqa: PLC0415 - jupyter_client loads with the first kernel, not at import

            if self.zygote is not None:
                from notebook_ops.execution.forkprovisioner import ForkKernelManager  # noqa: PLC0415 - jupyter_client loads with the first kernel, not at import

        km = (
            _pool_manager(AsyncKernelManager)(kernel_name=self.kernel_name)
            if self.zygote is None
            else _pool_manager(ForkKernelManager)(kernel_name=self.kernel_name, zygote=self.zygote)
        )
        slot.starting = km
        kw: dict = {}
        if self.cwd:
            kw["cwd"] = self.cwd
        if self.env:
            kw["env"] = {**os.environ, **self.env}
        if self.log_file is not None:
            kw["stdout"] = kw["stderr"] = self.log_file
        if any("ipykernel" in a for a in km.kernel_spec.argv):
            kw["extra_arguments"] = list(IPYKERNEL_ARGS)

        async def go():
            await km.start_kernel(**kw)
            kc = km.client()
            kc.start_channels()
            try:
                await kc.wait_for_ready(timeout=self.startup_timeout)
                code = "".join(f"try:\n    import {m}\nexcept Exception:\n    pass\n" for m in self.preload)
                await _run_silently(kc, code + WARM_STEP_RUNTIME, self.startup_timeout)
            finally:
                kc.stop_channels()

        try:
            loop.run_until_complete(go())
        except BaseException:
            self._stop_kernel(km, loop)
            raise
        finally:
            slot.starting = None
        return km

    @staticmethod
    def _stop_kernel(km, loop) -> None:
        km.stop_clients()
        try:
            if km.has_kernel:
                loop.run_until_complete(km.shutdown_kernel(now=True))
        except Exception as exc:  # already gone
            log.debug("kernel shutdown: %s", exc)

    def _slot_main(self, slot: _Slot) -> None:
        with IMPORT_LOCK:
            from jupyter_core.utils import ensure_event_loop  # noqa: PLC0415 - jupyter_client loads with the first kernel, not at import

        loop = ensure_event_loop()  # the loop nbclient's run_sync will use in this thread too
        try:
            slot.km = self._start_kernel(loop, slot)
            with self._lock:
                self.started += 1
        except BaseException as exc:
            slot.error = exc
        finally:
            slot.ready.set()
        job = slot.jobs.get()
        try:
            if job is None:
                return
            fn, fut = job
            if not fut.set_running_or_notify_cancel():
                return
            if slot.error is not None:
                fut.set_exception(RuntimeError(f"the kernel did not start: {slot.error}"))
                return
            try:
                fut.set_result(fn(slot.km))
            except BaseException as exc:
                fut.set_exception(exc)
        finally:
            if slot.km is not None:
                self._stop_kernel(slot.km, loop)
            loop.close()  # its selector and self-pipe: three descriptors per step otherwise
            with self._lock:
                if slot in self._slots:
                    self._slots.remove(slot)

    def _new_slot(self) -> _Slot:
        slot = _Slot()
        slot.thread = threading.Thread(target=self._slot_main, args=(slot,), daemon=True, name="nbo-kernel")
        self._slots.append(slot)
        slot.thread.start()
        return slot

    # --- the caller's side -----------------------------------------------------------------
    def prewarm(self, n: int) -> None:
        """Keep ``n`` kernels idle (ready or starting)."""
        with self._lock:
            if self._closed:
                return
            self._prune()
            for _ in range(max(0, n - len(self._idle))):
                self._idle.append(self._new_slot())

    def _prune(self) -> None:
        """Let go of idle kernels that did not start or died while waiting (a forked kernel
        stops when its zygote dies). Under the lock."""
        keep = []
        for s in self._idle:
            if s.ready.is_set() and (s.error or not self._alive(s.km)):
                s.jobs.put_nowait(None)
            else:
                keep.append(s)
        self._idle = keep

    @staticmethod
    def _alive(km) -> bool:
        proc = getattr(getattr(km, "provisioner", None), "process", None)
        try:
            return proc is None or proc.poll() is None
        except OSError:
            return True

    def submit(self, fn) -> Future:
        """Run ``fn(km)`` in an idle kernel (a ready one first), or a new one."""
        fut: Future = Future()
        with self._lock:
            if self._closed:
                raise RuntimeError("kernel pool closed")
            self._prune()
            usable = self._idle
            slot = next((s for s in usable if s.ready.is_set()), None) or (usable[0] if usable else None)
            if slot is None:
                slot = self._new_slot()
            else:
                self._idle.remove(slot)
            slot.taken = True
        slot.jobs.put((fn, fut))
        return fut

    def ready_pids(self) -> list[int]:
        """The processes of the idle kernels that are up (waiting for a job)."""
        with self._lock:
            slots = [s for s in self._idle if s.ready.is_set() and s.error is None and s.km is not None]
        pids = [getattr(getattr(s.km, "provisioner", None), "pid", None) for s in slots]
        return [int(p) for p in pids if p]

    def kill(self, km) -> None:
        """Stop a kernel now, from any thread (its step then fails with a dead kernel)."""
        proc = getattr(getattr(km, "provisioner", None), "process", None)
        try:
            if proc is not None and proc.poll() is None:
                proc.kill()
        except OSError:
            pass

    def close(self, *, kill_running: bool = False) -> None:
        """Stop idle kernels (and running ones if ``kill_running``); wait for every slot.

        Nothing waits for kernels no step will use: when no kernel is running a step (or
        ``kill_running``), kernels still starting are killed, and so is the zygote, even one
        still importing the setup cells' libraries (``Zygote.kill``)."""
        with self._lock:
            self._closed = True
            idle, self._idle = self._idle, []
            slots = list(self._slots)
        for s in idle:
            try:
                s.jobs.put_nowait(None)
            except queue.Full:
                pass
        unused = kill_running or not any(s.taken for s in slots)
        if kill_running:
            for s in slots:
                if s.km is not None:
                    self.kill(s.km)
        if unused:
            for s in idle:
                if s.starting is not None:  # a fresh kernel still starting
                    self.kill(s.starting)
            if self.zygote is not None and self._owns_zygote:
                self.zygote.kill()
        for s in slots:
            if s.thread is not None:
                s.thread.join(timeout=60)
        if self.zygote is not None and self._owns_zygote:
            self.zygote.close()
