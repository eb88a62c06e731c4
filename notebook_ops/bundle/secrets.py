"""Keeping secrets out of bundles.

Every file the writer puts in a bundle passes ``refuse_secret_file``: ``.env`` files, private
keys, key stores and credential files are never written, whoever generated them. Parameter
defaults and code that look like credentials are reported as warnings (the author decides).
"""

from __future__ import annotations

import fnmatch
import re
from pathlib import PurePosixPath

from notebook_ops.bundle.errors import ExportRefused

SECRET_FILES = (
    ".env",
    ".env.*",
    "*.env",
    "*.pem",
    "*.key",
    "id_rsa*",
    "id_dsa*",
    "id_ecdsa*",
    "id_ed25519*",
    "*.p12",
    "*.pfx",
    "*.jks",
    "*.keystore",
    ".netrc",
    ".pypirc",
    ".npmrc",
    "credentials",
    "credentials.json",
    "*.token",
    ".git-credentials",
    "service-account*.json",
    "secrets.*",
)
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
    name = PurePosixPath(relpath).name
    return any(fnmatch.fnmatch(name, pat) for pat in SECRET_FILES)


def refuse_secret_file(relpath: str) -> None:
    if is_secret_file(relpath):
        raise ExportRefused(
            "refusing to put a secrets file in a bundle",
            path=relpath,
            hint="pass credentials through the environment at run time",
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
            out.append(f"cell {cell.index} ({where}) contains what looks like a {label}")
    return out
