"""One folder lock: an flock on the folder itself, so no lock file is left behind and the lock
goes when the process dies (exports into one folder, MLflow syncs of one run folder)."""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Iterator


@contextlib.contextmanager
def folder_lock(folder, wait: bool = True) -> Iterator[None]:
    """Hold an exclusive lock on ``folder``; with ``wait`` False, BlockingIOError when another
    process holds it."""
    fd = os.open(folder, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        yield
    finally:
        os.close(fd)
