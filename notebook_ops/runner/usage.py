"""What a step cost: the CPU seconds and the peak memory of its kernel, seen from outside.

Measured on the kernel's process (and the processes below it) through psutil, not inside the
kernel: a forked kernel (forkprovisioner.py) starts with the zygote's pages shared and its CPU
counters at zero, and whatever the step does (its code, the plumbing cells, the subprocesses it
starts) happens in that process tree. CPU is the difference between the step's end and its start
(user + system, of the kernel and of its children, waited or still running), so the kernel's
start-up and its idle wait in the pool are not counted. Memory is PSS (proportional set size:
a page shared with the zygote or another kernel counts by its share), sampled while the step
runs and once at its end; where psutil cannot read PSS (not Linux) it is RSS.
"""

from __future__ import annotations

import threading
from contextlib import suppress
from dataclasses import dataclass

import psutil

SAMPLE_EVERY_S = 0.2  # a peak shorter than this between two samples can be missed
MB = 1024 * 1024


@dataclass(frozen=True)
class Usage:
    cpu_s: float  # user + system CPU seconds of the kernel and its children during the step
    peak_mem_mb: float  # the highest PSS (RSS where PSS is not readable) seen, in MiB


def kernel_pid(km) -> int | None:
    """The pid of the kernel ``km`` runs (fresh or forked), None when it has none (yet)."""
    provisioner = getattr(km, "provisioner", None)
    pid = getattr(provisioner, "pid", None) or getattr(getattr(provisioner, "process", None), "pid", None)
    return pid if isinstance(pid, int) else None


def _tree(proc: psutil.Process) -> list[psutil.Process]:
    with suppress(psutil.Error):
        return [proc, *proc.children(recursive=True)]
    return [proc]


def _cpu(proc: psutil.Process) -> float:
    """CPU seconds of ``proc``, its reaped children and its live descendants."""
    total = 0.0
    with suppress(psutil.Error):
        t = proc.cpu_times()
        total = t.user + t.system + t.children_user + t.children_system
    for child in _tree(proc)[1:]:
        with suppress(psutil.Error):
            c = child.cpu_times()
            total += c.user + c.system
    return total


def _memory(proc: psutil.Process) -> int:
    """Bytes of PSS (else RSS) of ``proc`` and its live descendants now."""
    total = 0
    for p in _tree(proc):
        with suppress(psutil.Error):
            try:
                total += p.memory_full_info().pss  # Linux only (AttributeError elsewhere)
            except (AttributeError, psutil.AccessDenied):
                total += p.memory_info().rss
    return total


class UsageMeter:
    """Start before the step's notebook runs in the kernel, ``stop()`` after: the step's Usage.
    Without a kernel process to look at (a kernel that did not start), ``stop()`` gives None."""

    def __init__(self, pid: int | None, every_s: float = SAMPLE_EVERY_S):
        self.proc: psutil.Process | None = None
        if pid is not None:
            with suppress(psutil.Error):
                self.proc = psutil.Process(pid)
        self.every_s = every_s
        self.peak = 0
        self.cpu0 = 0.0
        self.cpu_last = 0.0
        self._done = threading.Event()
        self._thread: threading.Thread | None = None

    def __enter__(self) -> UsageMeter:
        if self.proc is not None:
            self.cpu0 = self.cpu_last = _cpu(self.proc)
            self._sample()
            self._thread = threading.Thread(target=self._loop, name="nbo-usage", daemon=True)
            self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._done.set()
        if self._thread is not None:
            self._thread.join()
        if self.proc is not None:
            self._sample()

    def _sample(self) -> None:
        assert self.proc is not None
        self.peak = max(self.peak, _memory(self.proc))
        cpu = _cpu(self.proc)
        if cpu:  # a kernel gone (killed at its timeout) keeps its last reading
            self.cpu_last = cpu

    def _loop(self) -> None:
        while not self._done.wait(self.every_s):
            self._sample()

    def usage(self) -> Usage | None:
        if self.proc is None:
            return None
        return Usage(
            cpu_s=round(max(self.cpu_last - self.cpu0, 0.0), 3), peak_mem_mb=round(self.peak / MB, 1)
        )
