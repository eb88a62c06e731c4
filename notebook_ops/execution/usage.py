"""What a step cost: the CPU seconds and the peak memory of its kernel, seen from outside.

Measured on the kernel's process (and the processes below it) through psutil, not inside the
kernel: a forked kernel (forkprovisioner.py) starts with the zygote's pages shared and its CPU
counters at zero, and whatever the step does (its code, the plumbing cells, the subprocesses it
starts) happens in that process tree. CPU is the difference between the step's end and its start
(user + system, of the kernel and of its children, waited or still running), so the kernel's
start-up and its idle wait in the pool are not counted. Memory is PSS (proportional set size:
a page shared with the zygote or another kernel counts by its share), sampled while the step
runs (read when RSS reaches a new high, see below) and once at its end; where psutil cannot read
PSS (not Linux) it is RSS.
"""

from __future__ import annotations

import threading
import time
from contextlib import suppress
from dataclasses import dataclass

import psutil

SAMPLE_EVERY_S = 0.2  # a peak shorter than this between two samples can be missed
# Reading PSS makes the OS walk the process's page tables (~6 ms for a 250 MiB kernel: 3 % of a
# core at every sample); RSS is a counter (~0.02 ms). PSS never exceeds RSS and moves with it in
# a kernel (its private pages), so PSS is read when RSS reaches a new high, else every
# PSS_AT_LEAST_EVERY_S (benchmarks/bench_usage.py).
PSS_AT_LEAST_EVERY_S = 2.0
TREE_EVERY_S = 1.0  # finding the kernel's children scans every process: not at every sample
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


def _children(proc: psutil.Process) -> list[psutil.Process]:
    with suppress(psutil.Error):
        return proc.children(recursive=True)
    return []


def _cpu(proc: psutil.Process, children) -> float:
    """CPU seconds of ``proc``, its reaped children and its live ``children``."""
    total = 0.0
    with suppress(psutil.Error):
        t = proc.cpu_times()
        total = t.user + t.system + t.children_user + t.children_system
    for child in children:
        with suppress(psutil.Error):
            c = child.cpu_times()
            total += c.user + c.system
    return total


def _rss(procs) -> int:
    total = 0
    for p in procs:
        with suppress(psutil.Error):
            total += p.memory_info().rss
    return total


def _pss(procs) -> int:
    """Bytes of PSS (else RSS) of ``procs`` now."""
    total = 0
    for p in procs:
        with suppress(psutil.Error):
            try:
                total += p.memory_full_info().pss  # Linux only (AttributeError elsewhere)
            except (AttributeError, psutil.AccessDenied):
                total += p.memory_info().rss
    return total


class UsageMeter:
    """``with UsageMeter(pid) as meter:`` around the step's execution, then ``meter.usage()``:
    what the step cost; None without a kernel process to look at (a kernel that did not start)."""

    def __init__(self, pid: int | None, every_s: float = SAMPLE_EVERY_S):
        self.proc: psutil.Process | None = None
        if pid is not None:
            with suppress(psutil.Error):
                self.proc = psutil.Process(pid)
        self.every_s = every_s
        self.peak = 0  # bytes of PSS
        self.rss_high = -1  # the highest RSS PSS was read at
        self.pss_at = self.tree_at = float("-inf")
        self.children: list[psutil.Process] = []
        self.cpu0 = 0.0
        self.cpu_last = 0.0
        self._done = threading.Event()
        self._thread: threading.Thread | None = None

    def __enter__(self) -> UsageMeter:
        if self.proc is not None:
            self._sample()
            self.cpu0 = self.cpu_last
            self._thread = threading.Thread(target=self._loop, name="nbo-usage", daemon=True)
            self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._done.set()
        if self._thread is not None:
            self._thread.join()
        if self.proc is not None:
            self._sample(final=True)

    def _sample(self, final: bool = False) -> None:
        assert self.proc is not None
        now = time.monotonic()
        if final or now - self.tree_at >= TREE_EVERY_S:
            self.children, self.tree_at = _children(self.proc), now
        procs = [self.proc, *self.children]
        rss = _rss(procs)
        if final or rss > self.rss_high or now - self.pss_at >= PSS_AT_LEAST_EVERY_S:
            self.peak = max(self.peak, _pss(procs))
            self.rss_high, self.pss_at = max(self.rss_high, rss), now
        cpu = _cpu(self.proc, self.children)
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
