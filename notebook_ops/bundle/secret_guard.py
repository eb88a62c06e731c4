"""Keeping secrets out of bundles.

Every file the writer generates passes ``refuse_secret_file`` (by name: ``.env``, keys, credential
files are never written, whoever generated them). Every file shipped from the project (code,
data, editable wheels' files) passes ``refuse_credentials``: by its name and by its content
(``credentials``); a find refuses the export in one line naming the file, what was found and the
fix, unless the author excluded the file (``assets.exclude``) or allowed it as a known false
positive (``assets.allow_secrets``). Parameter defaults and cell code that look like credentials
are warnings (the author decides).
"""

from __future__ import annotations

import fnmatch
import posixpath
import re

from notebook_ops.bundle import credentials
from notebook_ops.errors import ExportRefused
from notebook_ops.cellref import cell_label

SECRET_NAMES = re.compile(
    r"(pass(word|wd)?|secret|token|api[_-]?key|access[_-]?key|"
    r"private[_-]?key|credential|auth)",
    re.I,
)
SECRET_VALUES = [
    ("AWS access key", re.compile(r"\bAKIA[0-9A-Z]{16}\b")),
    ("private key", re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----")),
    ("GitHub token", re.compile(r"\bgh[pousr]_[A-Za-z0-9]{30,}\b")),
    ("Slack token", re.compile(r"\bxox[abposr]-[A-Za-z0-9-]{10,}\b")),
    ("API key", re.compile(r"\bsk-[A-Za-z0-9_-]{20,}\b")),
]


def is_secret_file(relpath: str) -> bool:
    return credentials.by_name(relpath) is not None


def refuse_secret_file(relpath: str) -> None:
    if is_secret_file(relpath):
        raise ExportRefused(
            "refusing to put a secrets file in a bundle",
            path=relpath,
            hint="pass credentials through the environment at run time",
        )


def allowed_secrets(settings) -> list[str]:
    """``metadata.notebook_ops.assets.allow_secrets``: globs of files the author vouches for."""
    assets = (settings or {}).get("assets") if isinstance(settings, dict) else None
    value = assets.get("allow_secrets") if isinstance(assets, dict) else None
    return [g for g in value if isinstance(g, str) and g] if isinstance(value, list) else []


def is_allowed(rel: str, notebook_rel: str, allow: list[str]) -> bool:
    """``rel`` (project-relative) or ``notebook_rel`` (as the code names it) matches a glob."""
    return any(fnmatch.fnmatchcase(p, g) for g in allow for p in (rel, notebook_rel))


def notebook_relative(rel: str, notebook_dir: str) -> str:
    """A project-relative path as the notebook's code names it (``../data/x`` from ``notebooks/``)."""
    return posixpath.relpath(rel, notebook_dir or ".") if notebook_dir not in ("", ".") else rel


def refuse_credentials(
    rel: str,
    *,
    path=None,
    data: bytes | None = None,
    allow: list[str],
    notebook_dir: str = ".",
    where=None,
    step: str | None = None,
    excludable: bool = True,
) -> None:
    """ExportRefused when the project file ``rel`` (read from ``path``, or ``data``) is or holds a
    credential and ``allow`` does not name it. ``where``: the file the error points at."""
    named = notebook_relative(rel, notebook_dir)
    if is_allowed(rel, named, allow):
        return
    found = credentials.find(rel, path=path, data=data)
    if found is None:
        return
    leave_out = (
        f'leave it out with "assets": {{"exclude": ["{named}"]}} in metadata.notebook_ops'
        if excludable
        else "read the secret from the environment instead"
    )
    raise ExportRefused(
        f"{rel} {found.describe()}: a bundle never ships credentials",
        path=where,
        step=step,
        hint="move it out of the project and give it at run time through the environment or a secret "
        f"store, or "
        f'{leave_out}; if it is no secret: "assets": {{"allow_secrets": ["{named}"]}}',
    )


def _looks_secret(value: str) -> str | None:
    for label, pattern in SECRET_VALUES:
        if pattern.search(value):
            return label
    return None


def warnings_for(pipeline) -> list[str]:
    """Human-readable warnings: credential-like parameter defaults and literals in the code."""
    out = []
    for p in pipeline.parameters:
        if not isinstance(p.default, str) or not p.default:
            continue
        label = _looks_secret(p.default)
        if label or SECRET_NAMES.search(p.name):
            out.append(
                f"parameter {p.name!r} has a default that looks like a credential "
                f"({label or 'by its name'}); it is written to pipeline.yaml and "
                "the step notebooks: pass it at run time instead (-p / environment)"
            )
    for cell in pipeline.cells:
        if cell.role in ("skip", "markdown", "raw") or cell.cell_type != "code":
            continue
        label = _looks_secret(cell.source)
        if label:
            where = f"step {cell.step}" if cell.step else cell.role
            out.append(f"{cell_label(cell.index)} ({where}) contains what looks like a {label}")
    return out
