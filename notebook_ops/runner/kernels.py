"""A small pool of kernels started ahead of time, so start-up is off a step's critical path.

papermill passes extra keyword arguments down to its notebook client, whose ``km`` argument
takes an already started kernel manager: ``papermill.execute_notebook(..., km=km)`` then runs
the notebook in that kernel and leaves shutting it down to us. The pool starts kernels in
background threads (``AsyncKernelManager``; its client notices a kernel that dies, which the
blocking client does not), waits until each answers, and optionally imports the modules the
notebook's setup cells import, so the first cell does not pay for them either. A kernel runs one
step and is then shut down: steps never share interpreter state.
"""
from __future__ import annotations

import ast
import asyncio
import logging
import re
import threading
from concurrent.futures import Future, ThreadPoolExecutor

log = logging.getLogger(__name__)
_MODULE_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$")


def setup_imports(sources) -> list[str]:
    """Top-level modules imported by these code cells (``import a.b`` -> ``a.b``)."""
    mods: list[str] = []
    for src in sources:
        try:
            tree = ast.parse(src)
        except SyntaxError:
            continue
        for node in tree.body:
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                names = [node.module]
            for n in names:
                if _MODULE_RE.match(n) and n not in mods:
                    mods.append(n)
    return mods


def _run(coro):
    return asyncio.run(coro)


class KernelPool:
    """``acquire()`` a ready kernel manager (starting one if none is ready), ``release()`` it after
    one step, ``prewarm(n)`` to keep up to ``n`` kernels ready, ``close()`` / ``kill_all()``."""

    def __init__(self, kernel_name: str = "python3", *, cwd=None, preload=(), log_file=None,
                 startup_timeout: float = 60, max_starting: int = 2):
        self.kernel_name = kernel_name
        self.cwd = str(cwd) if cwd else None
        self.preload = [m for m in preload if _MODULE_RE.match(m)] + ["notebook_ops.runtime.step"]
        self.log_file = log_file
        self.startup_timeout = startup_timeout
        self._lock = threading.Lock()
        self._ready: list[Future] = []          # kernels started (or starting), not yet handed out
        self._live: set = set()                 # every kernel manager not yet shut down
        self._closed = False
        self._starter = ThreadPoolExecutor(max_workers=max_starting, thread_name_prefix="nbo-kstart")
        self._stopper = ThreadPoolExecutor(max_workers=2, thread_name_prefix="nbo-kstop")
        self.started = 0

    # --- starting --------------------------------------------------------------------------
    def _start(self):
        from jupyter_client.manager import AsyncKernelManager

        km = AsyncKernelManager(kernel_name=self.kernel_name)
        with self._lock:
            if self._closed:
                raise RuntimeError("kernel pool closed")
            self._live.add(km)
        kw = {}
        if self.cwd:
            kw["cwd"] = self.cwd
        if self.log_file is not None:
            kw["stdout"] = kw["stderr"] = self.log_file

        async def go():
            await km.start_kernel(**kw)
            kc = km.client()
            kc.start_channels()
            try:
                await kc.wait_for_ready(timeout=self.startup_timeout)
                code = "".join(
                    f"try:\n    import {m}\nexcept Exception:\n    pass\n" for m in self.preload)
                msg_id = kc.execute(code, silent=True, store_history=False)
                while True:  # wait for this request's reply (preload done)
                    reply = await kc.get_shell_msg(timeout=self.startup_timeout)
                    if reply["parent_header"].get("msg_id") == msg_id:
                        break
            finally:
                kc.stop_channels()

        try:
            _run(go())
        except BaseException:
            self._shutdown(km)
            raise
        self.started += 1
        return km

    def prewarm(self, n: int) -> None:
        """Keep ``n`` kernels ready or starting."""
        with self._lock:
            if self._closed:
                return
            missing = n - len(self._ready)
            for _ in range(max(0, missing)):
                self._ready.append(self._starter.submit(self._start))

    def acquire(self):
        """A started kernel manager, now owned by the caller (give it back with ``release``)."""
        while True:
            with self._lock:
                if self._closed:
                    raise RuntimeError("kernel pool closed")
                # prefer a kernel that is already up
                fut = next((f for f in self._ready if f.done()), None) or (
                    self._ready[0] if self._ready else None)
                if fut is not None:
                    self._ready.remove(fut)
            if fut is None:
                return self._start()
            try:
                km = fut.result()
            except Exception as exc:
                log.warning("a prewarmed kernel failed to start: %s", exc)
                return self._start()
            if km.has_kernel and _run(km.is_alive()):
                return km
            self._shutdown(km)

    # --- stopping --------------------------------------------------------------------------
    def _shutdown(self, km) -> None:
        try:
            if km.has_kernel:
                _run(km.shutdown_kernel(now=True))
        except Exception as exc:  # already gone
            log.debug("kernel shutdown: %s", exc)
        finally:
            with self._lock:
                self._live.discard(km)

    def release(self, km, *, wait: bool = False) -> None:
        """Shut a used kernel down (in the background unless ``wait``)."""
        if wait:
            self._shutdown(km)
        else:
            self._stopper.submit(self._shutdown, km)

    def kill(self, km) -> None:
        """Stop a kernel now (timeout, Ctrl-C): its step's client sees a dead kernel."""
        self._shutdown(km)

    def close(self) -> None:
        """Shut every kernel down and wait for it; the pool is unusable afterwards."""
        with self._lock:
            self._closed = True
            pending = list(self._ready)
            self._ready.clear()
        for f in pending:
            f.cancel()
        self._starter.shutdown(wait=True)
        for km in list(self._live):
            self._shutdown(km)
        self._stopper.shutdown(wait=True)

    kill_all = close
