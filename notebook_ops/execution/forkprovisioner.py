"""Kernels forked from a warmed zygote, plugged into jupyter_client as a kernel provisioner.

``ForkKernelManager`` is an ``AsyncKernelManager`` whose provisioner, ``ForkProvisioner``, is
jupyter_client's ``LocalProvisioner`` (ports, connection file, signals, shutdown) except for the
one step that starts the process: instead of ``Popen``, the run's ``Zygote`` forks a child that
becomes the kernel (see ``zygote.py``). The child is the zygote's, not ours, so ``ForkedProcess``
stands in for ``Popen``: signals go to the pid, and the exit status comes from the zygote, which
reaps it. Whenever forking does not apply (Windows, a kernel that is not ipykernel, a zygote
that found an import unsafe or would not start) the provisioner launches a fresh kernel, as
jupyter_client would.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

from jupyter_client.manager import AsyncKernelManager
from jupyter_client.provisioning import LocalProvisioner
from traitlets import Any

log = logging.getLogger(__name__)
LAUNCHER = "ipykernel_launcher"
ZYGOTE = Path(__file__).with_name("zygote.py")


def fork_supported() -> bool:
    return sys.platform.startswith("linux") or sys.platform == "darwin"


def split_kernel_cmd(cmd: list[str]) -> tuple[list[str], list[str]] | None:
    """``[python, flags..., -m, ipykernel_launcher, args...]`` -> (interpreter and flags, args)."""
    for i in range(1, len(cmd) - 1):
        if cmd[i] == "-m" and cmd[i + 1] == LAUNCHER:
            prefix = cmd[:i]
            if any(a in ("-c", "-m") for a in prefix[1:]):
                return None
            return prefix, cmd[i + 2 :]
    return None


def _path_of(stream) -> str | None:
    """The file a Popen-style stdout/stderr argument writes to (None: inherited)."""
    if stream is None:
        return None
    if stream == subprocess.DEVNULL:
        return os.devnull
    name = getattr(stream, "name", None)
    return name if isinstance(name, str) and os.path.exists(name) else None


class Zygote:
    """The runner's side of one zygote process: started on the first kernel launch, with that
    kernel's interpreter, environment and folder; forks kernels on request; closed with the
    pool (the zygote exits when its socket closes)."""

    def __init__(self, preload=(), *, log_file=None, startup_timeout: float = 120):
        self.preload = list(preload)
        self.log_file = log_file
        self.startup_timeout = startup_timeout
        self.proc: subprocess.Popen | None = None
        self.prefix: list[str] | None = None
        self.ok: bool | None = None  # None: not started yet
        self.reason: str | None = None
        self._start_lock = threading.Lock()
        self._fork_lock = threading.Lock()
        self._cond = threading.Condition()
        self._replies: list[dict] = []
        self._exited: dict[int, int] = {}
        self._sock: socket.socket | None = None
        self._closed = False
        self._killed = False  # kill(): no new zygote, and the one there is does not finish warming
        self.forked: list[int] = []  # every kernel pid it forked (the ended ones are in _exited)

    # --- start -----------------------------------------------------------------------------
    def usable(self, prefix: list[str], env: dict, cwd) -> bool:
        """Start the zygote if needed; whether kernels with this interpreter can be forked."""
        with self._start_lock:
            if self.ok is None and not self._closed and not self._killed:
                self.prefix = list(prefix)
                try:
                    self._start(env, cwd)
                except (OSError, ValueError, TimeoutError) as exc:
                    if self._killed:  # the pool closed while it warmed: nothing to warn about
                        self.ok = False
                        self.close()
                    else:
                        self._fail(f"the zygote did not start ({exc})")
            return bool(self.ok) and not self._closed and not self._killed and list(prefix) == self.prefix

    def _fail(self, reason: str) -> None:
        self.ok, self.reason = False, reason
        log.warning("kernels: fresh kernels for this run: %s", reason)
        self.close()

    def _start(self, env: dict, cwd) -> None:
        if self.prefix is None:
            raise RuntimeError("the zygote's interpreter was not chosen")
        ours, theirs = socket.socketpair()
        out = self.log_file if self.log_file is not None else None
        try:
            self.proc = subprocess.Popen(
                [*self.prefix, str(ZYGOTE), str(theirs.fileno())],
                env=env,
                cwd=cwd,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=out,
                pass_fds=[theirs.fileno()],
                start_new_session=True,
            )
        finally:
            theirs.close()
        self._sock = ours
        if self._killed:  # kill() came while we were starting it
            self._kill_group(self.proc.pid)
            raise OSError("the pool closed")
        ours.sendall((json.dumps({"preload": self.preload}) + "\n").encode())
        threading.Thread(target=self._read, daemon=True, name="nbo-zygote").start()
        first = self._reply(self.startup_timeout)
        if first is None:
            raise TimeoutError("no answer")
        if not first.get("ready"):
            self._fail(first.get("reason") or "it stopped")
            return
        self.ok = True

    # --- messages --------------------------------------------------------------------------
    def _read(self) -> None:
        buf = b""
        sock = self._sock
        if sock is None:
            return
        while True:
            try:
                data = sock.recv(1 << 16)
            except OSError:
                data = b""
            if not data:
                break
            buf += data
            while b"\n" in buf:
                line, buf = buf.split(b"\n", 1)
                msg = json.loads(line)
                with self._cond:
                    if "exited" in msg:
                        self._exited[msg["exited"]] = msg["status"]
                    else:
                        self._replies.append(msg)
                    self._cond.notify_all()
        with self._cond:
            self._closed = True
            self._cond.notify_all()

    def _reply(self, timeout: float) -> dict | None:
        deadline = time.monotonic() + timeout
        with self._cond:
            while not self._replies:
                left = deadline - time.monotonic()
                if self._closed or left <= 0:
                    return None
                self._cond.wait(left)
            return self._replies.pop(0)

    # --- kernels ---------------------------------------------------------------------------
    def fork(self, args: list[str], env: dict, cwd, stdout=None, stderr=None) -> int:
        req = {
            "fork": {
                "args": list(args),
                "env": dict(env),
                "cwd": str(cwd or os.getcwd()),
                "stdout": _path_of(stdout),
                "stderr": _path_of(stderr),
            }
        }
        with self._fork_lock:
            if self._sock is None or self._closed:
                raise OSError("the zygote is gone")
            self._sock.sendall((json.dumps(req) + "\n").encode())
            reply = self._reply(30)
        if not reply or not reply.get("forked"):
            raise OSError(f"the zygote could not fork: {(reply or {}).get('error', 'no answer')}")
        pid = int(reply["forked"])
        with self._cond:
            self.forked.append(pid)
        return pid

    def status(self, pid: int) -> int | None:
        """The child's exit status once it ended, else None."""
        with self._cond:
            if pid in self._exited:
                return self._exited[pid]
            closed = self._closed
        # the zygote is gone: its kernels stop within a second (ipykernel's parent poller
        # sees their parent change), so they count as dead now
        return -signal.SIGKILL if closed else None

    @property
    def killed(self) -> bool:
        return self._killed

    @property
    def warming(self) -> bool:
        """Started and still importing (no kernel forked from it yet)."""
        return self.proc is not None and self.ok is None and self.proc.poll() is None

    @staticmethod
    def _kill_group(pgid: int, sig: int = signal.SIGKILL) -> None:
        try:
            os.killpg(pgid, sig)
        except OSError:  # gone already
            pass

    def kill(self) -> None:
        """Stop the zygote and its kernels now, without waiting for imports nobody will use:
        the zygote is stopped first (so it reaps none of its kernels and their pids stay
        theirs), each kernel's process group is killed, then the zygote's; ``close`` reaps it."""
        self._killed = True
        proc = self.proc
        if proc is not None and proc.poll() is None:
            self._kill_group(proc.pid, signal.SIGSTOP)
            with self._cond:
                live = [pid for pid in self.forked if pid not in self._exited]
            for pid in live:
                self._kill_group(pid)  # a kernel is its own session and group (setsid)
            self._kill_group(proc.pid)
        self.close()

    def close(self) -> None:
        """Close the socket (the zygote then exits) and wait for it."""
        sock, self._sock = self._sock, None
        if sock is not None:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            sock.close()
        proc = self.proc
        if proc is not None:
            try:
                proc.wait(timeout=0 if self._killed else 10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


class ForkedProcess:
    """What LocalProvisioner needs of a ``Popen``, for a kernel the zygote forked."""

    stdin = stdout = stderr = None

    def __init__(self, pid: int, zygote: Zygote):
        self.pid = pid
        self.zygote = zygote
        self.returncode: int | None = None

    def poll(self) -> int | None:
        if self.returncode is None:
            self.returncode = self.zygote.status(self.pid)
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        deadline = None if timeout is None else time.monotonic() + timeout
        while (code := self.poll()) is None:
            if deadline is not None and time.monotonic() > deadline:
                raise subprocess.TimeoutExpired(str(self.pid), timeout or 0.0)
            time.sleep(0.02)
        return code

    def send_signal(self, sig: int) -> None:
        if self.poll() is None:  # never signal a pid the zygote has reaped (it may be reused)
            os.kill(self.pid, sig)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)

    def terminate(self) -> None:
        self.send_signal(signal.SIGTERM)


class ForkProvisioner(LocalProvisioner):
    """LocalProvisioner whose kernels are forked from the manager's zygote when they can be."""

    async def launch_kernel(self, cmd: list[str], **kwargs):
        zygote = getattr(self.parent, "zygote", None)
        split = split_kernel_cmd(cmd)
        env = dict(kwargs.get("env") or os.environ)
        cwd = kwargs.get("cwd") or os.getcwd()
        if (
            zygote is None
            or split is None
            or not fork_supported()
            or (self.kernel_spec.language or "").lower() != "python"
            or not zygote.usable(split[0], env, cwd)
        ):
            if zygote is not None and zygote.killed:  # its pool closed: no fresh kernel instead
                raise RuntimeError("the kernel pool closed")
            return await super().launch_kernel(cmd, **kwargs)
        try:
            pid = zygote.fork(split[1], env, cwd, kwargs.get("stdout"), kwargs.get("stderr"))
        except OSError as exc:  # the zygote died (killed, out of memory): go on without it
            if zygote.killed:
                raise RuntimeError("the kernel pool closed") from exc
            log.warning("kernels: a fresh kernel: %s", exc)
            return await super().launch_kernel(cmd, **kwargs)
        self.process = ForkedProcess(pid, zygote)  # type: ignore[assignment]  # Popen's poll/wait/pid
        self.pid = pid
        self.pgid = pid  # the child made its own session (setsid)
        self.cwd = cwd
        return self.connection_info


class ForkKernelManager(AsyncKernelManager):
    """An AsyncKernelManager whose kernels come from ``zygote`` (see ForkProvisioner)."""

    zygote = Any(None, allow_none=True)

    async def _async_pre_start_kernel(self, **kw):
        if self.provisioner is None:
            self.kernel_id = self.kernel_id or kw.pop("kernel_id", str(uuid.uuid4()))
            self.provisioner = ForkProvisioner(
                kernel_id=self.kernel_id, kernel_spec=self.kernel_spec, parent=self
            )
        return await super()._async_pre_start_kernel(**kw)
