"""Root confinement: the one check every path a request leads to goes through.

The Jupyter server confines request paths to its root (``server/request_paths.py``); but a request's
notebook also names other files (``after:`` tags, a pipeline file's notebooks, Elyra nodes),
read deep inside the model. The server sets the root for the work it does on a request's behalf
(``confined_to``); every reader of a referenced file calls ``check`` before it opens it, so a
file outside the root is refused, naming the tag that led there, before a byte of it is read.
Outside a request (the CLI) no root is set and ``check`` lets everything through.
"""

from __future__ import annotations

import contextlib
import contextvars
import os
from collections.abc import Iterator
from pathlib import Path

from notebook_ops.errors import NotebookOpsError

_ROOT: contextvars.ContextVar[str | None] = contextvars.ContextVar("notebook_ops_root", default=None)


class OutsideRoot(NotebookOpsError):
    """A file a request leads to lies outside the server's root directory."""

    http_status = 400


def inside(root: str | os.PathLike, path: str | os.PathLike) -> bool:
    """Whether ``path`` (symlinks followed) is ``root`` or lies under it."""
    real_root = Path(os.path.realpath(root))
    real = Path(os.path.realpath(path))
    return real == real_root or real_root in real.parents


@contextlib.contextmanager
def confined_to(root: str | os.PathLike) -> Iterator[None]:
    """Within this block (this thread or task), ``check`` refuses files outside ``root``."""
    token = _ROOT.set(os.path.realpath(root))
    try:
        yield
    finally:
        _ROOT.reset(token)


def active_root() -> str | None:
    """The root ``confined_to`` set here, or None (no confinement: the CLI)."""
    return _ROOT.get()


def check(path: str | os.PathLike, what: str, *, source=None, cell: int | None = None) -> None:
    """Raise ``OutsideRoot`` when a root is set and ``path`` is outside it. ``what`` names the
    reference (``after:../x``); ``source`` and ``cell`` where it was written."""
    root = _ROOT.get()
    if root is None or inside(root, path):
        return
    raise OutsideRoot(
        f"{what} leads outside the server's root directory",
        path=source,
        cell=cell,
        hint="only files under the Jupyter server's root can be used; move the file inside it",
    )
