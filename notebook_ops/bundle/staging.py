"""Export's scratch files in the output folder, named for their process so they can be cleared.

An export writes ``.<name>-v<N>.staging-<pid>-*`` (the folder), ``.<name>-v<N>.tar.gz.part-<pid>``
(the archive, via atomic temp files beside it) and ``.<name>-v<N>.old-<pid>`` (the version it
replaces), and removes them when it ends. A killed export (SIGKILL, power loss) cannot: the next
export into the folder removes what a process that is gone left (and puts back a version it had
moved aside), never a live export's files.
Staging folders of older versions (no pid in the name) go when older than ``STALE_AFTER_S``.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
import time
from pathlib import Path

from notebook_ops.util.procs import alive

STALE_AFTER_S = 3600
_OURS = re.compile(
    r"^\.\.?(?P<folder>[a-z_][a-z0-9_-]*-v\d+)\.(?P<kind>staging|tar\.gz\.part|old)-(?P<pid>\d+)(?:[-.].*)?$"
)
_OLD_STAGING = re.compile(r"^\.[a-z_][a-z0-9_-]*-v\d+\.[a-z0-9_]{8}$")  # before pids were in names


def staging_dir(out: Path, folder_name: str) -> Path:
    return Path(tempfile.mkdtemp(prefix=f".{folder_name}.staging-{os.getpid()}-", dir=out))


def archive_part(out: Path, folder_name: str) -> Path:
    return out / f".{folder_name}.tar.gz.part-{os.getpid()}"


def old_copy(final: Path) -> Path:
    return final.with_name(f".{final.name}.old-{os.getpid()}")


def remove_stale(out: Path) -> list[str]:
    """Remove scratch files of exports whose process is gone; returns their names."""
    removed = []
    now = time.time()
    for p in sorted(out.iterdir()):
        m = _OURS.match(p.name)
        if m:
            stale = int(m.group("pid")) != os.getpid() and not alive(int(m.group("pid")))
        else:
            try:
                stale = (
                    bool(_OLD_STAGING.match(p.name))
                    and p.is_dir()
                    and now - p.stat().st_mtime > STALE_AFTER_S
                )
            except OSError:
                continue
        if not stale:
            continue
        if m and m.group("kind") == "old" and not (out / m.group("folder")).exists():
            os.replace(p, out / m.group("folder"))  # killed between moving it aside and replacing it
            removed.append(p.name)
            continue
        if p.is_dir() and not p.is_symlink():
            shutil.rmtree(p, ignore_errors=True)
        else:
            p.unlink(missing_ok=True)
        removed.append(p.name)
    return removed
