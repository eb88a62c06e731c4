"""The before/after look at a project's files (size and mtime) that catches what native code
writes without an audit event; the folders it never looks in (tools' state, environments,
caches)."""

from __future__ import annotations

import os

SCAN_CAP = 20_000  # files looked at by the before/after scan; past it ``truncated``
# folders never scanned nor recorded: tools' state, environments, caches
SKIP_DIRS = frozenset(
    {
        ".notebook_ops",
        ".git",
        ".hg",
        ".svn",
        ".venv",
        "venv",
        "node_modules",
        "__pycache__",
        ".ipynb_checkpoints",
        ".mypy_cache",
        ".pytest_cache",
        ".ruff_cache",
        ".tox",
        ".nox",
        ".cache",
        ".idea",
        ".vscode",
    }
)


# --- the project tree -------------------------------------------------------------------------
def _skipped_dir(entry) -> bool:
    """Not scanned: tools' state (any hidden folder: ``.yarn``, ``.dvc``...), environments,
    caches. (What the code writes there through Python is still seen, by its events.)"""
    if entry.name in SKIP_DIRS or entry.name.startswith("."):
        return True
    return os.path.isfile(os.path.join(entry.path, "pyvenv.cfg"))  # a virtualenv by any name


def scan(root: str, cap: int = SCAN_CAP, ignore=()) -> tuple[dict, set, bool]:
    """({project-relative file: (size, mtime_ns)}, {project-relative folders}, truncated)."""
    files: dict = {}
    dirs: set = set()
    ignore = {os.path.abspath(p) for p in ignore if p}
    stack = [(root, "")]
    while stack:
        path, rel = stack.pop()
        try:
            it = os.scandir(path)
        except OSError:
            continue
        with it:
            for e in it:
                r = f"{rel}{e.name}"
                try:
                    if e.is_dir(follow_symlinks=False):
                        if _skipped_dir(e) or e.path in ignore:
                            continue
                        dirs.add(r)
                        stack.append((e.path, r + "/"))
                    elif e.is_file(follow_symlinks=False):
                        if len(files) >= cap:
                            return files, dirs, True
                        st = e.stat(follow_symlinks=False)
                        files[r] = (st.st_size, st.st_mtime_ns)
                except OSError:
                    continue
    return files, dirs, False
