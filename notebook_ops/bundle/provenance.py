"""Where a bundle came from: git commit, branch, dirty flag, remote, source hash, versions, time.

The creation time is part of the bytes, so it is chosen to be reproducible:
``SOURCE_DATE_EPOCH`` if set, else the commit time of a clean checkout, else the notebook's mtime.
"""
from __future__ import annotations

import os
import platform
import re
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from notebook_ops.model.notebook import sha256_bytes

_CREDENTIALS_IN_URL = re.compile(r"(?<=://)[^/@\s]+@")


@dataclass
class GitState:
    repo: object | None          # git.Repo, or None outside a repository
    commit: str | None = None
    commit_time: int | None = None
    branch: str | None = None
    dirty: bool = False
    remote: str | None = None
    source_path: str = ""       # the notebook's path relative to the work tree


def clean_url(url: str | None) -> str | None:
    """A remote URL without the user:token part some people put in it."""
    return _CREDENTIALS_IN_URL.sub("", url) if url else url


def git_state(notebook_path) -> GitState:
    nb = Path(notebook_path).resolve()
    try:
        import git
    except ImportError:  # no git executable on this machine
        return GitState(repo=None, source_path=nb.name)
    try:
        repo = git.Repo(nb.parent, search_parent_directories=True)
    except (git.InvalidGitRepositoryError, git.NoSuchPathError):
        return GitState(repo=None, source_path=nb.name)
    work = Path(repo.working_tree_dir).resolve()
    rel = nb.relative_to(work).as_posix()
    state = GitState(repo=repo, source_path=rel)
    try:
        head = repo.head.commit
        state.commit, state.commit_time = head.hexsha, int(head.committed_date)
    except ValueError:  # a repository without commits
        pass
    try:
        state.branch = repo.active_branch.name
    except TypeError:  # detached HEAD
        state.branch = None
    remotes = {r.name: r for r in repo.remotes}
    remote = remotes.get("origin") or next(iter(remotes.values()), None)
    if remote is not None:
        state.remote = clean_url(next(iter(remote.urls), None))
    tracked = bool(repo.git.ls_files("--", rel)) if state.commit else False
    state.dirty = (state.commit is None or not tracked
                   or repo.is_dirty(index=True, working_tree=True, untracked_files=False))
    return state


def created_epoch(state: GitState, notebook_path) -> int:
    env = os.environ.get("SOURCE_DATE_EPOCH")
    if env:
        try:
            return int(env)
        except ValueError:
            from notebook_ops.errors import NotebookOpsError
            raise NotebookOpsError(f"SOURCE_DATE_EPOCH={env!r} is not a whole number of seconds")
    if state.commit_time is not None and not state.dirty:
        return state.commit_time
    return int(Path(notebook_path).stat().st_mtime)


def iso(epoch: int) -> str:
    return datetime.fromtimestamp(epoch, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def collect(state: GitState, notebook_bytes: bytes, *, epoch: int, tag: str | None) -> dict:
    import notebook_ops

    git = None
    if state.repo is not None:
        git = {"commit": state.commit, "branch": state.branch, "dirty": state.dirty,
               "remote": state.remote, "tag": tag}
    return {
        "source_notebook": {"path": state.source_path, "sha256": sha256_bytes(notebook_bytes)},
        "git": git,
        "notebook_ops_version": notebook_ops.__version__,
        "python_version": platform.python_version(),
        "created": iso(epoch),
    }
