"""A schedule's firings at a pass: on time, missed while no scheduler ran (recorded, the most
recent ``MISSED_ROWS``), caught up (``catchup`` all/once), skipped when the earlier runs still go
(``overlap`` skip); each recorded once as a row of the store (``service`` runs them).
"""

from __future__ import annotations

import logging
from typing import Literal
from datetime import datetime, timedelta

from notebook_ops.scheduler import schedule_alerts
from notebook_ops.scheduler import cron as cronlib
from notebook_ops.scheduler.database import Store
from notebook_ops.model.contracts.schedules import Schedule, ScheduledRun, Trigger

log = logging.getLogger("notebook_ops.scheduler")

MAX_CATCHUP = 1000  # firings considered per schedule per pass after a long outage
MISSED_ROWS = 100  # missed firings recorded (the most recent) per pass
_US = timedelta(microseconds=1)


def record_firings(store: Store, misfire_grace: timedelta, now: datetime) -> int:
    """Record the firings of every due schedule and move its next firing on (step 4 of a tick);
    returns how many alerts of missed firings were queued."""
    alerted = 0
    for s in store.due_schedules(now):
        try:
            c = cronlib.Cron(s.cron, s.tz)
        except Exception as exc:  # a row edited by hand: stop firing it, keep the service
            log.error("schedule %s: %s; it will not fire until fixed", s.name, exc)
            store.advance(s.stored_id, s.next_fire_at, None, now)
            continue
        rows = _firings(store, misfire_grace, s, c, now)
        if rows:
            n = store.insert_runs(rows, now)
            if n:
                due = sum(1 for r in rows if r.state == "pending")
                log.info("schedule %s: %d firing(s) recorded (%d to run)", s.name, n, due)
                alerted += schedule_alerts.missed(s, rows)
        store.advance(s.stored_id, s.next_fire_at, c.next_after(now), now)
    return alerted


def _firings(
    store: Store, misfire_grace: timedelta, s: Schedule, c: cronlib.Cron, now: datetime
) -> list[ScheduledRun]:
    first = s.next_fire_at
    if first is None:  # the store lists due schedules only: they have a next firing
        return []
    edge = now - misfire_grace
    late: list[datetime] = []
    more = False
    if first < edge:
        late, more = c.between(first, edge - _US, MAX_CATCHUP)
    on_time, _ = c.between(max(first, edge), now, MAX_CATCHUP)
    run_late: list[datetime] = []
    if s.catchup == "all":
        run_late = late
        if more:
            log.warning(
                "schedule %s: more than %d firings missed; the oldest %d run",
                s.name,
                MAX_CATCHUP,
                MAX_CATCHUP,
            )
    elif s.catchup == "once" and late and not on_time:
        run_late = [(c.prev_before(edge - _US) if more else None) or late[-1]]
    missed = [t for t in late if t not in run_late][-MISSED_ROWS:]
    if missed:
        log.warning(
            "schedule %s: %s%d firing(s) missed while no scheduler ran (catch-up %s)",
            s.name,
            "more than " if more else "",
            len(missed),
            s.catchup,
        )
    rows = [_row(s, t, "missed", now) for t in missed]
    rows += [_row(s, t, "catchup") for t in run_late]
    rows += [_row(s, t, "cron") for t in on_time]
    if s.overlap == "skip":  # only as many as free slots; the rest are recorded skipped
        free = s.max_concurrent - store.count_active(s.stored_id)
        for r in rows:
            if r.state == "pending":
                if free > 0:
                    free -= 1
                else:
                    r.state, r.finished_at = "skipped", now
                    r.error = "skipped: the schedule's earlier runs were still going (overlap skip)"
    return rows


def _row(
    s: Schedule, t: datetime, trigger: Literal["cron", "catchup", "missed"], missed_at=None
) -> ScheduledRun:
    params = cronlib.render(s.parameters, scheduled_for=t, tz=s.tz, schedule_name=s.name)
    if trigger == "missed":
        return ScheduledRun(
            schedule_id=s.stored_id,
            scheduled_for=t,
            trigger="cron",
            state="missed",
            parameters=params,
            finished_at=missed_at,
            error=f"missed: no scheduler ran at that time (catch-up {s.catchup})",
        )
    fired_by: Trigger = trigger  # "cron" or "catchup" here
    return ScheduledRun(schedule_id=s.stored_id, scheduled_for=t, trigger=fired_by, parameters=params)
