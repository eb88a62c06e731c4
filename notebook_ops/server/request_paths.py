"""Confine every path and URL a request names to the Jupyter server's root directory.

Paths arrive in the Contents API's form: relative, '/'-separated. Absolute paths are bad input
(400); anything that resolves outside the root (``..``, a symlink pointing out) is refused (403).
A data store URL (``data_url``) is a path inside the root or a remote URL whose scheme the
server allows (``REMOTE_SCHEMES``); ``file://`` and other local schemes are refused. The files a
request's notebook leads to (``after:`` tags, pipeline files) are checked by
``notebook_ops.util.confine`` while the server works under ``confined_to(root)``.
"""

from __future__ import annotations

import os
from pathlib import Path, PurePosixPath

from notebook_ops.errors import ForbiddenError, NotebookOpsError, NotFoundError
from notebook_ops.util.confine import inside

# fsspec schemes of stores off this machine's disk a request may name as its data store
# (``c.NotebookOps.data_url_schemes`` replaces the list); chained URLs (``a::b``) are refused
REMOTE_SCHEMES = ("s3", "s3a", "gs", "gcs", "az", "abfs", "abfss", "adl", "hdfs", "webhdfs", "memory")


class BadPath(NotebookOpsError):
    http_status = 400


def resolve_in_root(root: str | os.PathLike, api_path: object, *, must_exist: bool = True) -> Path:
    """Return the real filesystem path for ``api_path`` inside ``root``, or raise."""
    if not isinstance(api_path, str) or not api_path.strip():
        raise BadPath("a 'path' (string, relative to the server root) is required")
    if "\x00" in api_path:
        raise BadPath("the path contains a NUL byte")
    if len(api_path) > MAX_PATH_CHARS:
        raise BadPath(f"the path is longer than {MAX_PATH_CHARS} characters")
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
    if not inside(real_root, candidate):
        raise ForbiddenError(f"{api_path!r} resolves outside the server's root directory")
    if must_exist and not candidate.exists():
        raise NotFoundError("no such file", path=api_path)
    return candidate


MAX_PATH_CHARS = 4096


def resolve_data_url(
    root: str | os.PathLike, url: object, *, schemes=REMOTE_SCHEMES, field: str = "data_url"
) -> str:
    """A request's data store: a URL of an allowed scheme (``schemes``) as it is, or a path
    relative to the root as its real path inside the root (created on use). Anything else
    (``file://``, absolute paths, ``..``, a symlink out): 400/403 naming the field."""
    if not isinstance(url, str) or not url.strip():
        raise BadPath(f"{field}: a data store URL or a path relative to the server root is required")
    text = url.strip()
    scheme, sep, _ = text.partition("://")
    if sep:
        if scheme.lower() in schemes and "::" not in text:
            return text
        raise BadPath(
            f"{field}: the scheme {scheme.lower()[:40]!r} is not accepted from a request",
            hint="use a folder relative to the server root or a store of an allowed scheme ("
            + ", ".join(sorted(schemes))
            + ")",
        )
    if "::" in text:
        raise BadPath(f"{field}: chained URLs are not accepted from a request")
    try:
        return str(resolve_in_root(root, text, must_exist=False))
    except NotebookOpsError as exc:
        exc.message = f"{field}: {exc.message}"
        raise


def to_api_path(root: str | os.PathLike, real: str | os.PathLike) -> str:
    """The Contents-API form (relative, '/') of a real path inside the root."""
    rel = Path(os.path.realpath(real)).relative_to(Path(os.path.realpath(root)))
    return rel.as_posix()
