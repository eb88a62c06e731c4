"""Typed errors: every failure a user can cause is a NotebookOpsError.

The faces (CLI, REST) render these as one clear line; nothing else shows users a traceback.
Each error carries where it happened (file, cell, step) and how to fix it when we know.
"""

from __future__ import annotations

from notebook_ops.cellref import cell_label


class NotebookOpsError(Exception):
    """Base class. ``exit_code`` is for the CLI, ``http_status`` for the REST API."""

    exit_code = 2
    http_status = 400

    # ``cell``: the 0-based index (``to_dict``'s field); the message shows JupyterLab's number
    def __init__(
        self,
        message: str,
        *,
        path=None,
        cell: int | None = None,
        step: str | None = None,
        hint: str | None = None,
    ):
        super().__init__(message)
        self.message = message
        self.path = str(path) if path is not None else None
        self.cell = cell
        self.step = step
        self.hint = hint

    def __str__(self) -> str:
        where = []
        if self.path:
            where.append(self.path)
        if self.cell is not None:
            where.append(cell_label(self.cell))
        if self.step:
            where.append(f"step {self.step}")
        text = ": ".join(where + [self.message])
        if self.hint:
            text += f" ({self.hint})"
        return text

    def to_dict(self) -> dict:
        return {
            "error": type(self).__name__,
            "message": str(self),
            "path": self.path,
            "cell": self.cell,
            "step": self.step,
            "hint": self.hint,
        }


class NotebookReadError(NotebookOpsError):
    """The file is missing, not JSON, or not a notebook."""


class NotFoundError(NotebookOpsError):
    http_status = 404


class ConflictError(NotebookOpsError):
    http_status = 409


class ForbiddenError(NotebookOpsError):
    """A path outside the allowed root, or an action refused for safety."""

    http_status = 403


class PipelineInvalid(NotebookOpsError):
    """The notebook reads, but its pipeline has errors (see ``problems``)."""

    exit_code = 1
    http_status = 422

    def __init__(self, message: str, problems=(), **kw):
        super().__init__(message, **kw)
        self.problems = list(problems)


class ParameterError(NotebookOpsError):
    """An unknown parameter name or a value that does not convert to the declared type."""


class ExecutionError(NotebookOpsError):
    """A step failed while running."""

    exit_code = 1
    http_status = 500


class PromotionRefused(NotebookOpsError):
    """A model version's run missed its targets (or does not beat the alias it is compared to)."""

    exit_code = 3
    http_status = 409


# The bundle service's errors: each names the file at fault so the CLI can print one line.


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
