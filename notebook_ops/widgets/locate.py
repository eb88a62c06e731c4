"""Which notebook is this kernel running? (``nbo.panel()`` without a path.)

No front end tells a kernel its notebook for certain, so we look where the common ones leave it:
VS Code's ``__vsc_ipynb_file__`` global, ipykernel's ``__session__`` global and the
``JPY_SESSION_NAME`` variable that jupyter_server sets for kernels it starts. A candidate counts
only if it names an existing ``.ipynb`` file; otherwise the user is asked for the path.
"""

from __future__ import annotations

import os
from pathlib import Path

from notebook_ops.errors import NotebookOpsError


class NotebookNotLocated(NotebookOpsError):
    """The kernel cannot tell which notebook it belongs to."""


def _user_ns() -> dict:
    try:
        from IPython import get_ipython  # noqa: PLC0415 - IPython costs 108 ms CPU to import, loaded on first use
    except ImportError:
        return {}
    ip = get_ipython()
    return getattr(ip, "user_ns", None) or {}


def candidates(user_ns: dict | None = None, environ=None) -> list[tuple[str, str]]:
    """(where, value) pairs, most precise first."""
    ns = _user_ns() if user_ns is None else user_ns
    env = os.environ if environ is None else environ
    found = [
        ("__vsc_ipynb_file__", ns.get("__vsc_ipynb_file__")),
        ("__vsc_ipynb_file__ (environment)", env.get("__vsc_ipynb_file__")),
        ("__session__", ns.get("__session__")),
        ("JPY_SESSION_NAME", env.get("JPY_SESSION_NAME")),
    ]
    return [(w, v) for w, v in found if isinstance(v, str) and v.strip()]


def _as_file(value: str, cwd: Path) -> Path | None:
    if not value.endswith(".ipynb"):
        return None
    path = Path(value).expanduser()
    for p in (path,) if path.is_absolute() else (cwd / path, cwd / path.name):
        if p.is_file():
            return p.resolve()
    return None


def current_notebook(user_ns: dict | None = None, environ=None, cwd=None) -> Path:
    """The path of the notebook this kernel runs, or NotebookNotLocated with how to say it."""
    cwd = Path(cwd or os.getcwd())
    seen = candidates(user_ns, environ)
    for _, value in seen:
        path = _as_file(value, cwd)
        if path is not None:
            return path
    tried = "; ".join(f"{w}={v!r}" for w, v in seen) or "no notebook name from the front end"
    raise NotebookNotLocated(
        f"cannot tell which notebook this kernel runs ({tried})",
        hint='pass its path: nbo.panel("my_notebook.ipynb")',
    )
