"""Failure notices: POST a JSON message to the schedule's webhook when a firing ends badly.

Sent when a firing's final state is failed, timed_out or below_target (after its last retry).
Body: ``{"type": "schedule.run_<state>", "schedule": {...}, "run": {...}, "text": "..."}``
(``text`` makes Slack/Teams-style incoming webhooks show a readable line). Delivery happens on a
small thread with a short timeout and a few tries, so a slow receiver never holds the service.
"""
from __future__ import annotations

import json
import logging
import threading
import time
import urllib.error
import urllib.request
from urllib.parse import urlsplit

from notebook_ops.scheduler.errors import ScheduleError

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


def message(schedule: dict, run: dict) -> dict:
    state = run.get("state")
    text = (f"notebook-ops: schedule {schedule.get('name')!r} run for "
            f"{run.get('scheduled_for')} {state}"
            + (f" after {run.get('attempt')} attempts" if (run.get("attempt") or 0) > 1 else "")
            + (f": {run.get('error')}" if run.get("error") else ""))
    return {"type": f"schedule.run_{state}", "schedule": schedule, "run": run, "text": text}


def post(url: str, body: dict, timeout: float = TIMEOUT_S) -> int:
    data = json.dumps(body, sort_keys=True, default=str).encode()
    req = urllib.request.Request(url, data=data, method="POST", headers={
        "Content-Type": "application/json", "User-Agent": "notebook-ops-scheduler"})
    with urllib.request.urlopen(req, timeout=timeout) as resp:
        resp.read()
        return resp.status


def send(url: str, body: dict, on_sent=None, tries: int = TRIES) -> threading.Thread:
    """Deliver in the background; ``on_sent()`` runs after a 2xx answer."""
    def work():
        for i in range(tries):
            try:
                post(url, body)
            except (urllib.error.URLError, OSError, ValueError) as exc:
                log.warning("webhook %s: %s (try %d of %d)", url, getattr(exc, "reason", exc),
                            i + 1, tries)
                time.sleep(min(2 ** i, 10))
                continue
            if on_sent:
                on_sent()
            return

    t = threading.Thread(target=work, name="nbo-webhook", daemon=True)
    t.start()
    return t
