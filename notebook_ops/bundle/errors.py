"""Errors of the bundle service: each names the file at fault so the CLI can print one line."""

from __future__ import annotations

from notebook_ops.errors import ConflictError, NotebookOpsError


class BundleInvalid(NotebookOpsError):
    """A bundle that fails verification: a changed, missing, extra or unreadable file."""

    exit_code = 1
    http_status = 422


class ExportRefused(NotebookOpsError):
    """The export cannot go ahead as asked (dirty work tree, unwritable folder, ...)."""

    exit_code = 1
    http_status = 409


class NameClash(ConflictError):
    """The pipeline name is already used by bundles of another notebook."""

    exit_code = 1
