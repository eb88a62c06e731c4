"""Confine every path a request names to the Jupyter server's root directory.

Paths arrive in the Contents API's form: relative, '/'-separated. Absolute paths are bad input
(400); anything that resolves outside the root (``..``, a symlink pointing out) is refused (403).
"""

from __future__ import annotations

import os
from pathlib import Path, PurePosixPath

from notebook_ops.errors import ForbiddenError, NotebookOpsError, NotFoundError


class BadPath(NotebookOpsError):
    http_status = 400


def resolve_in_root(root: str | os.PathLike, api_path: object, *, must_exist: bool = True) -> Path:
    """Return the real filesystem path for ``api_path`` inside ``root``, or raise."""
    if not isinstance(api_path, str) or not api_path.strip():
        raise BadPath("a 'path' (string, relative to the server root) is required")
    if "\x00" in api_path:
        raise BadPath("the path contains a NUL byte")
    text = api_path.replace("\\", "/")
    posix = PurePosixPath(text)
    if posix.is_absolute() or (len(text) > 1 and text[1] == ":"):
        raise BadPath(
            f"absolute paths are not accepted: {api_path!r}",
            hint="give the path relative to the Jupyter server's root",
        )
    if ".." in posix.parts:
        raise ForbiddenError(f"'..' is not allowed in paths: {api_path!r}")
    real_root = Path(os.path.realpath(root))
    candidate = Path(os.path.realpath(real_root.joinpath(*posix.parts)))
    if candidate != real_root and real_root not in candidate.parents:
        raise ForbiddenError(f"{api_path!r} resolves outside the server's root directory")
    if must_exist and not candidate.exists():
        raise NotFoundError("no such file", path=api_path)
    return candidate


def to_api_path(root: str | os.PathLike, real: str | os.PathLike) -> str:
    """The Contents-API form (relative, '/') of a real path inside the root."""
    rel = Path(os.path.realpath(real)).relative_to(Path(os.path.realpath(root)))
    return rel.as_posix()
