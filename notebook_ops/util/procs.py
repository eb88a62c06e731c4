"""Processes, through psutil: is a process alive, which processes run below it, signal a tree.

A process is named by ``(pid, create_time)`` where it matters, so a pid the system has reused
for another process is never signalled.
"""

from __future__ import annotations

import os
from contextlib import suppress

import psutil


def alive(pid: int, marker: str | None = None) -> bool:
    """Is ``pid`` a live (not zombie) process, and, with ``marker``, one whose command line
    holds it (a run folder)? A process we may not inspect counts as alive."""
    try:
        proc = psutil.Process(pid)
        if proc.status() in (psutil.STATUS_ZOMBIE, psutil.STATUS_DEAD):
            return False
        return not marker or marker in "\0".join(proc.cmdline())
    except psutil.NoSuchProcess:
        return False
    except psutil.AccessDenied:
        return True


def find(marker: str) -> int | None:
    """A process whose command line holds ``marker``, if any."""
    for proc in psutil.process_iter(["cmdline"]):
        if marker in "\0".join(proc.info["cmdline"] or ()):
            return proc.pid
    return None


def descendants(pid: int) -> list[tuple[int, float]]:
    """Every process below ``pid`` (in any session), as ``(pid, create_time)``."""
    with suppress(psutil.Error):  # psutil reads each child's create time as it finds it
        return [(c.pid, c.create_time()) for c in psutil.Process(pid).children(recursive=True)]
    return []


def _same(pid: int, created: float) -> bool:
    with suppress(psutil.Error):
        return psutil.Process(pid).create_time() == created
    return False


def signal_tree(pid: int, known: list[tuple[int, float]], sig) -> None:
    """``sig`` to the process group ``pid`` leads and to each of ``known`` (and its group)
    that is still the same process."""
    with suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, sig)
    for p, created in known:
        if _same(p, created):
            for fn in (os.killpg, os.kill):
                with suppress(ProcessLookupError, PermissionError):
                    fn(p, sig)
