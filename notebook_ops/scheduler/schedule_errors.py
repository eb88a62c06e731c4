"""Scheduler errors: bad schedules (cron, zone, parameters), unknown or duplicate names."""

from __future__ import annotations

from notebook_ops.errors import ConflictError, NotebookOpsError, NotFoundError
from notebook_ops.model.contracts.schedules import ScheduleError

__all__ = ["ScheduleError", "ScheduleExists", "ScheduleNotFound", "StoreError"]


class ScheduleNotFound(NotFoundError):
    """No schedule (or scheduled run) by that name or id."""


class ScheduleExists(ConflictError):
    """A schedule with that name already exists."""


class StoreError(NotebookOpsError):
    """The schedule store cannot be opened or migrated."""

    exit_code = 1
    http_status = 500


class StoreGone(StoreError):
    """The store's database file was deleted or replaced under a running service."""
