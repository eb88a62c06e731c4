"""Failure notices: POST a JSON message to the schedule's webhook when a firing ends badly.

Sent when a firing's final state is failed, timed_out or below_target (after its last retry).
Body: ``{"type": "schedule.run_<state>", "schedule": {...}, "run": {...}, "text": "..."}``
(``text`` makes Slack/Teams-style incoming webhooks show a readable line). Sent by the one
webhook client (``util/webhook_client.py``: signed when ``NOTEBOOK_OPS_EVENTS_SECRET`` is set) on a small
thread with a short timeout and a few tries (none after a 4xx other than 408/425/429), so a slow
receiver never holds the service.
"""

from __future__ import annotations

import logging
import threading
import time
from urllib.parse import urlsplit

from notebook_ops.model.contracts.base import iso_utc
from notebook_ops.model.contracts.schedules import Schedule, ScheduledRunView
from notebook_ops.scheduler.schedule_errors import ScheduleError
from notebook_ops.util import backoff, webhook_client as webhook
from notebook_ops.util.redact import redact

log = logging.getLogger("notebook_ops.scheduler")
NOTIFY_STATES = ("failed", "timed_out", "below_target")
TIMEOUT_S = 5.0
TRIES = 3


def check_webhook(url: str | None) -> None:
    if not url:
        return
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ScheduleError(f"webhook {url!r} is not an http(s) URL")


def message(schedule: Schedule, run: ScheduledRunView) -> dict:
    """The webhook's JSON body: the schedule, the run as the faces show it, and one line."""
    text = (
        f"notebook-ops: schedule {schedule.name!r} run for "
        f"{iso_utc(run.scheduled_for)} {run.state}"
        + (f" after {run.attempt} attempts" if (run.attempt or 0) > 1 else "")
        + (f": {run.error}" if run.error else "")
    )
    return {
        "type": f"schedule.run_{run.state}",
        "schedule": schedule.to_dict(),
        "run": run.to_dict(),
        "text": text,
    }


def send(url: str, body: dict, on_sent=None, tries: int = TRIES) -> threading.Thread:
    """Deliver in the background; ``on_sent()`` runs after a 2xx answer."""

    def work():
        for i in range(1, tries + 1):
            try:
                webhook.post(url, body, timeout=TIMEOUT_S)
            except webhook.WebhookError as exc:
                log.warning("webhook %s: %s (try %d of %d)", redact(url), exc, i, tries)
                if not exc.retryable:
                    return
                time.sleep(backoff.delay(i, 1.0, 10.0))
                continue
            if on_sent:
                on_sent()
            return

    t = threading.Thread(target=work, name="nbo-webhook", daemon=True)
    t.start()
    return t
