"""Atomic file writes: a temporary file in the same folder, then ``os.replace``.

A reader (or a crash) never sees a half-written file. An existing file keeps its permission bits;
a new one gets ``mode`` (default: what ``open()`` would give, 0o666 less the umask).
The one place that writes files this way: run records, notebooks, targets, spools, data, archives.
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO


@functools.cache
def process_umask() -> int:
    """The process's umask, read once on the first write of a new file (not at import: importing
    must not touch process state). Linux shows it in /proc/self/status without changing it;
    elsewhere ``os.umask`` can only be read by setting it, so it is set and put back at once."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except OSError:
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def write_bytes(path, data: bytes | memoryview, mode: int | None = None) -> Path:
    """Write ``data`` to ``path`` atomically (its folder is made when missing)."""
    with writing(path, mode) as f:
        f.write(data)
    return Path(path)


@contextlib.contextmanager
def writing(path, mode: int | None = None) -> Iterator[BinaryIO]:
    """A binary file whose content becomes ``path`` when the block ends (and nothing when it
    raises): for writers that stream a large value instead of holding its bytes."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            yield f
        if path.exists():
            os.chmod(tmp, path.stat().st_mode & 0o7777)
        else:
            os.chmod(tmp, 0o666 & ~process_umask() if mode is None else mode)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def write_text(path, text: str) -> Path:
    """``text`` as UTF-8, line endings as given (no newline translation)."""
    return write_bytes(path, text.encode("utf-8"))


def write_json(path, obj) -> Path:
    """``obj`` as indented, strict JSON with a final newline (unknown types via ``str``).

    Strict: a NaN or infinity raises ValueError instead of writing ``NaN`` (not JSON; browsers
    and other readers refuse the whole file). Values are made finite where they enter."""
    return write_text(path, json.dumps(obj, indent=1, default=str, allow_nan=False) + "\n")
