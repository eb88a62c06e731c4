"""Where a run's code came from: git commit, branch and dirty flag (GitPython, imported lazily)."""
from __future__ import annotations

from pathlib import Path


def git_info(path) -> dict:
    """``{"commit", "branch", "dirty"}`` of the repository holding ``path``; Nones outside git
    (or when git itself is missing)."""
    empty = {"commit": None, "branch": None, "dirty": None}
    try:
        import git
    except ImportError:  # GitPython fails to import when no git executable exists
        return empty
    start = Path(path).resolve()
    if start.is_file():
        start = start.parent
    try:
        repo = git.Repo(start, search_parent_directories=True)
    except (git.InvalidGitRepositoryError, git.NoSuchPathError):
        return empty
    try:
        try:
            commit = repo.head.commit.hexsha
        except ValueError:  # no commit yet
            commit = None
        try:
            branch = repo.active_branch.name
        except TypeError:  # detached head
            branch = None
        dirty = repo.is_dirty(untracked_files=False)  # our own .notebook_ops/ is untracked
        return {"commit": commit, "branch": branch, "dirty": dirty}
    except git.GitCommandError:
        return empty
    finally:
        repo.close()
