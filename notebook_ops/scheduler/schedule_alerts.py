"""A schedule's alerts: what the service tells its ``alerts`` destinations when a run it
watched ends (failed, below its targets, a model promoted by its tracking) and when it records
missed firings. Queued in the alerts outbox (``notebook_ops.alerts``); the service's
``Deliverer`` sends them off its loop.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

from notebook_ops.alerts import occurrences
from notebook_ops.alerts.dispatch import queue
from notebook_ops.alerts.alert_outbox import default_path
from notebook_ops.model.contracts.base import iso_utc
from notebook_ops.model.contracts.runs import RUN_JSON
from notebook_ops.model.contracts.schedules import Schedule, ScheduledRun
from notebook_ops.tracking import sync

log = logging.getLogger("notebook_ops.scheduler")


def outbox_exists() -> bool:
    """Whether any alert was ever queued on this machine (else the service opens nothing)."""
    return default_path().exists()


def _record(run_dir) -> dict:
    try:
        data = json.loads((Path(run_dir) / RUN_JSON).read_text())
    except (OSError, ValueError, TypeError):
        return {}
    return data if isinstance(data, dict) else {}


def after_run(s: Schedule, run_id: str | None, state: str, res: dict, store=None) -> int:
    """Queue the alerts of a firing that ended in ``state`` (its last attempt)."""
    run_dir = res.get("run_dir")
    record = _record(run_dir) if run_dir else {}
    record = {
        **record,
        "run_id": record.get("run_id") or run_id or (Path(run_dir).name if run_dir else None),
        "status": state,  # the scheduler's word: a run killed on its timeout says "cancelled"
        "error": res.get("error") or record.get("error"),
        "run_dir": run_dir,
    }
    found = occurrences.from_run(record, schedule=s.name)
    if run_dir and state in ("succeeded", "below_target"):
        promotion = sync.logged(run_dir).get("promotion")
        found += occurrences.from_promotion(
            promotion or {}, run_id=record["run_id"], pipeline=record.get("pipeline")
        )
    try:
        return queue(found, s.alerts)
    except Exception as exc:  # noqa: BLE001 - an alert never fails a firing
        log.warning("schedule %s: alerts not queued: %s", s.name, exc)
        return 0


def missed(s: Schedule, rows: list[ScheduledRun]) -> int:
    """One ``schedule.missed`` alert for the missed firings recorded in one pass (the latest
    named; a long outage is one message, not a hundred)."""
    rows = sorted((r for r in rows if r.state == "missed"), key=lambda r: r.scheduled_for)
    if not rows or not s.alerts:
        return 0
    latest = iso_utc(rows[-1].scheduled_for)
    reason = (
        f"{len(rows)} firing(s) missed: no scheduler ran at that time (catch-up {s.catchup}); "
        f"the latest was due {latest}"
    )
    try:
        return queue([occurrences.from_missed_firing(s.id, s.name, latest, reason)], s.alerts)
    except Exception as exc:  # noqa: BLE001 - an alert never fails a firing
        log.warning("schedule %s: alerts not queued: %s", s.name, exc)
        return 0
