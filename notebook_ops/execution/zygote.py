"""The zygote process: imports ipykernel and the setup cells' libraries once, then forks kernels.

Run as ``python .../notebook_ops/execution/zygote.py FD`` (the kernel spec's interpreter and flags,
the kernel's environment and working folder; a script, so that none of our packages is in the
kernels' ``sys.modules``), FD being a Unix socket to the runner. Messages are JSON
lines. The runner sends ``{"preload": [modules]}``; the zygote imports them and answers
``{"ready": true}``, or ``{"ready": false, "reason": ...}`` and exits when forking would not be
safe (an import started a thread, a zmq context or an event loop). Then, for each
``{"fork": {"args", "env", "cwd", "stdout", "stderr"}}``, it forks a child that becomes a fresh
IPython kernel (``ipykernel_launcher ARGS``) in its own session, and answers ``{"forked": pid}``;
``{"exited": pid, "status": code}`` follows when the child ends (the zygote is its parent, so
it reaps it). It stops when the runner closes the socket (or dies).

Modules beside the notebook (the kernel's working folder) are the user's code, whose
import-time effects belong to each step: they are not imported here, the child imports them as
a fresh kernel does. The zygote itself starts no thread; the threads an import may start
are checked: OpenBLAS's pthreads workers and jemalloc's background thread stop themselves at
fork (``pthread_atfork``) and restart in the child, anything else makes this run use fresh
kernels.
"""

from __future__ import annotations

import asyncio
import gc
import importlib
import importlib.machinery
import importlib.util
import json
import os
import random
import select
import signal
import socket
import sys
import threading
import traceback
import warnings

FORK_SAFE_THREADS = {"jemalloc_bg_thd"}  # /proc/<pid>/task/<tid>/comm of threads fork handles
# what every ipykernel imports while it starts (so a kernel has them whether forked or fresh;
# runpy: `python -m ipykernel_launcher`)
KERNEL_MODULES = [
    "runpy",
    "ipykernel.kernelapp",
    "ipykernel.ipkernel",
    "ipykernel.debugger",
    "IPython.core.debugger",
    "IPython.core.completerlib",
    "IPython.extensions.storemagic",
    "psutil",
    "sqlite3",
    "tornado.queues",
    "tornado.platform.asyncio",
]


class _CurrentStream:
    """Stands for sys.stdout / sys.stderr while libraries import: a logging handler made at
    import time then writes to the child kernel's streams, as it would in a fresh kernel."""

    def __init__(self, name: str):
        self._name = name

    def _target(self):
        current = getattr(sys, self._name)
        return getattr(sys, f"__{self._name}__") if current is self else current

    def write(self, text):
        return self._target().write(text)

    def flush(self):
        return self._target().flush()

    def __getattr__(self, attr):
        return getattr(self._target(), attr)


def _send(ctrl: socket.socket, msg: dict) -> None:
    ctrl.sendall((json.dumps(msg) + "\n").encode())


def _lines(ctrl: socket.socket):
    buf = b""
    while True:
        data = ctrl.recv(1 << 16)
        if not data:
            return
        buf += data
        while b"\n" in buf:
            line, buf = buf.split(b"\n", 1)
            yield json.loads(line)


def _importable_library(module: str) -> bool:
    """Found on the interpreter's path and not beside the notebook (the working folder, which
    a kernel puts on its path too): those modules are the user's code, imported by each step."""
    top = module.split(".")[0]
    if importlib.machinery.PathFinder.find_spec(top, [os.getcwd()]) is not None:
        return False
    try:
        return importlib.util.find_spec(top) is not None
    except (ImportError, ValueError):
        return False


def _threads() -> list[str] | None:
    """Names of this process's native threads (None where the OS does not say)."""
    try:
        tids = os.listdir("/proc/self/task")
    except OSError:
        try:
            import psutil  # noqa: PLC0415 - fallback where /proc is missing

            return ["?"] * psutil.Process().num_threads()
        except Exception:
            return None
    names = []
    for tid in tids:
        try:
            with open(f"/proc/self/task/{tid}/comm") as f:
                names.append(f.read().strip())
        except OSError:
            pass
    return names


def _openblas_workers() -> int:
    """Worker threads of the loaded OpenBLAS builds with their own pthreads pool (which
    OpenBLAS shuts down before a fork and restarts when the child next calls it)."""
    had, env = "threadpoolctl" in sys.modules, dict(os.environ)
    try:
        from threadpoolctl import threadpool_info  # noqa: PLC0415 - optional; asked only when loaded

        info = threadpool_info()
    except ImportError:
        return 0
    finally:  # no trace in the kernels: threadpoolctl sets an environment variable
        if not had:
            sys.modules.pop("threadpoolctl", None)
        if dict(os.environ) != env:
            os.environ.clear()
            os.environ.update(env)
    return sum(
        max(0, int(i.get("num_threads") or 1) - 1)
        for i in info
        if i.get("internal_api") == "openblas" and i.get("threading_layer") == "pthreads"
    )


def _unsafe_threads() -> int:
    """Threads besides the main one that a fork would not handle."""
    names = _threads()
    if names is None:
        return threading.active_count() - 1
    extra = len(names) - 1 - sum(1 for n in names if n in FORK_SAFE_THREADS)
    return extra - _openblas_workers() if extra > 0 else extra


# environment variables the imports set or removed (debugpy sets some): a kernel that imported
# them itself would have these changes, so each child's environment gets them too
IMPORT_ENV: dict[str, str | None] = {}


def warm(preload) -> tuple[bool, str | None]:
    """Import ipykernel and the libraries in ``preload``; (safe to fork, why not)."""
    before = dict(os.environ)
    try:
        return _import_all(preload)
    finally:
        after = dict(os.environ)
        IMPORT_ENV.update({k: v for k, v in after.items() if before.get(k) != v})
        IMPORT_ENV.update({k: None for k in before if k not in after})
        for k in ("JPY_PARENT_PID", "MPLBACKEND"):  # the child's own, and ipykernel's
            IMPORT_ENV.pop(k, None)


def _import_all(preload) -> tuple[bool, str | None]:
    # what ipykernel sets before any user code runs, so matplotlib imported here picks it too
    if not os.environ.get("MPLBACKEND"):
        os.environ["MPLBACKEND"] = "module://matplotlib_inline.backend_inline"
    # read by ipykernel at import: the children's parent is this process (they stop if it dies)
    os.environ["JPY_PARENT_PID"] = str(os.getpid())
    sys.stdout, sys.stderr = _CurrentStream("stdout"), _CurrentStream("stderr")
    for mod in [*KERNEL_MODULES, *preload]:
        if mod not in KERNEL_MODULES and not _importable_library(mod):
            continue
        try:
            importlib.import_module(mod)
        except BaseException:  # the step's setup cell reports it, as in a fresh kernel
            continue
        if threading.active_count() > 1 or _unsafe_threads() > 0:
            return False, f"importing {mod} started a thread"
    zmq = sys.modules.get("zmq")
    if zmq is not None and getattr(zmq.Context, "_instance", None) is not None:
        return False, "a zmq context exists after the imports"

    if asyncio.events._get_running_loop() is not None:
        return False, "an event loop runs after the imports"
    return True, None


def _redirect(req: dict) -> None:
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.close(null)
    for fd, path in ((1, req.get("stdout")), (2, req.get("stderr"))):
        if path:
            out = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
            os.dup2(out, fd)
            os.close(out)


def _become_kernel(req: dict, ctrl: socket.socket, keep_open: list[int], session_w: int):
    """In the forked child: a fresh kernel's process state, then ipykernel's own start. Never
    returns to the zygote's loop: the kernel's end unwinds to the interpreter's, which exits as
    a kernel process does (threads joined, atexit handlers run)."""
    try:
        os.setsid()  # as jupyter_client's launcher does (start_new_session)
        os.close(session_w)  # tells the zygote the session exists
        signal.set_wakeup_fd(-1)
        for sig in (signal.SIGCHLD, signal.SIGTERM, signal.SIGHUP):
            signal.signal(sig, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.default_int_handler)
        ctrl.close()
        for fd in keep_open:
            os.close(fd)
        _redirect(req)
        sys.stdout, sys.stderr = sys.__stdout__, sys.__stderr__
        os.chdir(req["cwd"])
        env = dict(req["env"])
        for key, value in IMPORT_ENV.items():
            if value is None:
                env.pop(key, None)
            else:
                env[key] = value
        env["JPY_PARENT_PID"] = str(os.getppid())  # the kernel stops if the zygote dies
        os.environ.clear()
        os.environ.update(env)

        random.seed()  # seeds are the child's own, as in a fresh process
        np = sys.modules.get("numpy")
        if np is not None:
            np.random.seed()
        spec = importlib.util.find_spec("ipykernel_launcher")
        if spec is None or spec.origin is None:
            raise ImportError("ipykernel_launcher is not installed in the zygote's interpreter")
        sys.argv = [spec.origin, *req["args"]]
        from ipykernel import kernelapp  # noqa: PLC0415 - in the forked child only: the zygote loads no ipykernel (zmq) before a fork
    except BaseException:
        traceback.print_exc()
        sys.stderr.flush()
        os._exit(1)
    try:
        kernelapp.launch_new_instance()
    except Exception:  # a kernel that cannot start (its port taken meanwhile) ends now: through
        # atexit, ipykernel's close would wait forever in zmq's term() on the sockets it opened

        traceback.print_exc()
        if sys.stderr is not None:
            sys.stderr.flush()
        os._exit(1)
    raise SystemExit(0)


def serve(ctrl: socket.socket) -> None:
    """Fork a kernel per request; report children's ends; stop when the runner goes."""
    wake_r, wake_w = os.pipe()
    os.set_blocking(wake_r, False)
    os.set_blocking(wake_w, False)
    signal.set_wakeup_fd(wake_w)
    signal.signal(signal.SIGCHLD, lambda *_: None)
    gc.freeze()  # imported objects stay shared with the children
    # poll, not select: the control socket keeps the runner's fd number, which is over
    # select's FD_SETSIZE (1024) in a runner that holds many files (a long test session)
    poller = select.poll()
    poller.register(ctrl, select.POLLIN)
    poller.register(wake_r, select.POLLIN)
    buf = b""
    while True:
        ready = {fd for fd, _ in poller.poll(1000)}
        if wake_r in ready:
            try:
                while os.read(wake_r, 512):
                    pass
            except BlockingIOError:
                pass
        while True:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                break
            if pid == 0:
                break
            _send(ctrl, {"exited": pid, "status": os.waitstatus_to_exitcode(status)})
        if ctrl.fileno() not in ready:
            continue
        data = ctrl.recv(1 << 16)
        if not data:
            return
        buf += data
        while b"\n" in buf:
            line, buf = buf.split(b"\n", 1)
            req = json.loads(line)["fork"]
            session_r, session_w = os.pipe()
            filters = warnings.filters[:]  # Python 3.12+ warns of OpenBLAS's idle workers
            warnings.simplefilter("ignore", DeprecationWarning)
            try:
                pid = os.fork()
            except OSError as exc:
                os.close(session_r)
                os.close(session_w)
                _send(ctrl, {"forked": None, "error": str(exc)})
                continue
            finally:
                warnings.filters[:] = filters  # type: ignore[index]  # a list; typeshed says Sequence
                getattr(warnings, "_filters_mutated", lambda: None)()
            if pid == 0:
                os.close(session_r)
                _become_kernel(req, ctrl, [wake_r, wake_w], session_w)
            os.close(session_w)
            os.read(session_r, 1)  # EOF once the child has its session (or died)
            os.close(session_r)
            _send(ctrl, {"forked": pid})


def main(argv) -> None:
    ctrl = socket.socket(fileno=int(argv[0]))
    # run as a script, so no package of ours is imported: its folder leaves sys.path, as
    # ipykernel_launcher removes the working folder while libraries load (IPython puts that
    # back in the kernel)
    del sys.path[0]
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the runner decides when kernels stop
    first = next(_lines(ctrl), None)
    if first is None:
        return
    ok, reason = warm(first.get("preload") or [])
    _send(ctrl, {"ready": ok, "reason": reason, "pid": os.getpid()})
    if ok:
        serve(ctrl)


if __name__ == "__main__":
    main(sys.argv[1:])
