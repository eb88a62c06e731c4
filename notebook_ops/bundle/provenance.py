"""Where a bundle came from: git commit, branch, dirty flag, remote, source hash, versions, time.

The git part is ``util/gitstate.py`` (shared with run records).

The creation time is part of the bytes, so it is chosen to be reproducible:
``SOURCE_DATE_EPOCH`` if set, else the commit time of a clean checkout, else the notebook's mtime.
"""

from __future__ import annotations

import os
import platform
from datetime import datetime, timezone
from pathlib import Path

from notebook_ops._version import __version__
from notebook_ops.errors import NotebookOpsError
from notebook_ops.model.notebook import sha256_bytes
from notebook_ops.util.gitstate import GitState, clean_url, git_state  # noqa: F401 - export.py's API


def created_epoch(state: GitState, notebook_path) -> int:
    env = os.environ.get("SOURCE_DATE_EPOCH")
    if env:
        try:
            return int(env)
        except ValueError:
            raise NotebookOpsError(f"SOURCE_DATE_EPOCH={env!r} is not a whole number of seconds") from None
    if state.commit_time is not None and not state.dirty:
        return state.commit_time
    return int(Path(notebook_path).stat().st_mtime)


def iso(epoch: int) -> str:
    return datetime.fromtimestamp(epoch, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def collect(state: GitState, notebook_bytes: bytes, *, epoch: int, tag: str | None) -> dict:
    git = None
    if state.repo is not None:
        git = {
            "commit": state.commit,
            "branch": state.branch,
            "dirty": state.dirty,
            "remote": state.remote,
            "tag": tag,
        }
    return {
        "source_notebook": {"path": state.source_path, "sha256": sha256_bytes(notebook_bytes)},
        "git": git,
        "notebook_ops_version": __version__,
        "python_version": platform.python_version(),
        "created": iso(epoch),
    }
