"""Where code came from: the git commit, branch, remote and dirty state around a path.

The one git reader (GitPython, imported on first use) for run records and bundle provenance.
Outside a repository, or where git itself is missing, ``repo`` is None and the rest empty.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import git

_CREDENTIALS_IN_URL = re.compile(r"(?<=://)[^/@\s]+@")


@dataclass
class GitState:
    repo: git.Repo | None  # None outside a repository
    commit: str | None = None
    commit_time: int | None = None
    branch: str | None = None
    changed: bool = False  # tracked files differ from HEAD (index or work tree)
    tracked: bool = False  # the path itself is in git
    remote: str | None = None
    source_path: str = ""  # the path relative to the work tree

    @property
    def dirty(self) -> bool:
        """Not reproducible from the commit alone: no commit, an untracked path, or changes."""
        return self.repo is not None and (self.commit is None or not self.tracked or self.changed)

    def close(self) -> None:
        if self.repo is not None:
            self.repo.close()


def clean_url(url: str | None) -> str | None:
    """A remote URL without the user:token part some people put in it."""
    return _CREDENTIALS_IN_URL.sub("", url) if url else url


def git_state(path) -> GitState:
    """The repository holding ``path`` (a file or a folder); the caller closes it."""
    path = Path(path).resolve()
    try:
        import git  # noqa: PLC0415 - git costs 100 ms CPU to import, loaded on first use
    except ImportError:  # GitPython fails to import when no git executable exists
        return GitState(repo=None, source_path=path.name)
    try:
        repo = git.Repo(path if path.is_dir() else path.parent, search_parent_directories=True)
    except (git.InvalidGitRepositoryError, git.NoSuchPathError):
        return GitState(repo=None, source_path=path.name)
    if repo.working_tree_dir is None:  # a bare repository: no work tree to hold ``path``
        repo.close()
        return GitState(repo=None, source_path=path.name)
    rel = path.relative_to(Path(repo.working_tree_dir).resolve()).as_posix()
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
    try:
        state.tracked = bool(repo.git.ls_files("--", rel)) if state.commit else False
        # untracked files (our own .notebook_ops/ among them) do not count
        state.changed = repo.is_dirty(index=True, working_tree=True, untracked_files=False)
    except git.GitCommandError:  # git cannot tell: assume the worst
        state.changed = True
    return state


def git_summary(path) -> dict:
    """``{"commit", "branch", "dirty"}`` for a run record (dirty: tracked files changed);
    Nones outside git."""
    state = git_state(path)
    try:
        return {
            "commit": state.commit,
            "branch": state.branch,
            "dirty": state.changed if state.repo is not None else None,
        }
    finally:
        state.close()
