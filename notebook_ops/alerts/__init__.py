"""Alerts: a failed run, a missed metric target, a promotion and a missed schedule firing told to
webhooks (Slack/Teams message format) and e-mail (SMTP with TLS), each delivered once.

Configured per pipeline (``metadata.notebook_ops.alerts``, carried by the bundle manifest) and
per schedule (``schedule add --alert``); the shape is ``model.contracts.alerts.AlertSpec``.
Who sends what, so that nothing is told twice or not at all:

- the run's own process, at its end: ``run.failed`` / ``target.missed`` to the pipeline's alerts
  (under an orchestrator: a failed ``run-step`` task, and the task that finishes the run);
- the tracking sync that applied the ``promote`` setting: ``model.promoted`` to them;
- the scheduler service: all four to the schedule's alerts (a scheduled run's promotion is read
  from its tracking folder once logged), and ``schedule.missed`` when it records a missed firing.

Modules: ``occurrences`` (what happened, with a stable id), ``messages`` (Slack, Teams, JSON,
e-mail), ``delivery`` (one send: webhook client, SMTP), ``alert_outbox`` (one row per alert and
destination: delivered once, retried with backoff), ``dispatch`` (match, queue, send).
"""

from __future__ import annotations
