"""The outbox: each alert delivered once per destination, whoever queues it and however often;
a failure retried with backoff, a refusal not; a sender killed between the send and its record
does not send it again (the fault point ``alerts.outbox.after_send``, in a real process)."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time

from notebook_ops.alerts import dispatch
from notebook_ops.alerts.occurrences import from_promotion, from_run
from notebook_ops.alerts.alert_outbox import RETRY_BASE_S, Outbox
from notebook_ops.model.contracts.alerts import parse_alerts

FAILED = {"run_id": "r-1", "pipeline": "churn", "status": "failed", "error": "step train: ValueError"}


def test_one_alert_per_destination_however_often_it_is_queued(hook):
    box = Outbox()
    specs = parse_alerts([f"{hook.url}/a", {"to": f"{hook.url}/b", "on": ["run.failed"]}])
    occurrences = from_run(FAILED)
    assert dispatch.queue(occurrences, specs, box) == 2
    assert dispatch.queue(occurrences, specs, box) == 0  # a second process saw the same run
    assert box.deliver_due() == 2 and box.deliver_due() == 0
    assert sorted(g["path"] for g in hook.got) == ["/a", "/b"]
    assert {d.state for d in box.deliveries()} == {"sent"}


def test_conditions_choose_the_destinations(hook):
    specs = parse_alerts(
        [
            {"to": f"{hook.url}/fail", "on": ["run.failed"]},
            {"to": f"{hook.url}/promo", "on": ["model.promoted"]},
        ]
    )
    promotion = {
        "model": "churn-clf",
        "alias": "champion",
        "version": "3",
        "promoted": True,
        "reasons": ["ok"],
    }
    dispatch.notify(from_promotion(promotion, run_id="r-2", pipeline="churn"), specs)
    dispatch.notify(from_run(FAILED), specs)
    refused = {**promotion, "version": "4", "promoted": False}
    dispatch.notify(from_promotion(refused, run_id="r-3", pipeline="churn"), specs)  # not promoted
    assert [(g["path"], g["headers"]["X-Notebook-Ops-Alert"]) for g in hook.got] == [
        ("/promo", "model.promoted"),
        ("/fail", "run.failed"),
    ]
    assert "churn-clf version 3 is now 'champion'" in hook.got[0]["body"]["text"]


def test_a_failure_is_retried_with_backoff_and_a_refusal_is_not(hook):
    box = Outbox()
    (o,) = from_run(FAILED)
    hook.answers.put(503)
    box.add(o, f"{hook.url}/flaky")
    assert box.deliver_due() == 0
    flaky = box.get(o.id, f"{hook.url}/flaky")
    assert (flaky.state, flaky.attempts) == ("pending", 1) and "503" in flaky.error
    assert box.deliver_due() == 0  # not due before its backoff
    assert box.deliver_due(now=time.time() + RETRY_BASE_S + 1) == 1
    assert box.get(o.id, f"{hook.url}/flaky").state == "sent"
    hook.answers.put(400)
    box.add(o, f"{hook.url}/refuses")
    assert box.deliver_due() == 0
    refused = box.get(o.id, f"{hook.url}/refuses")
    assert (refused.state, refused.attempts) == ("failed", 1) and "400" in refused.error
    assert box.deliver_due(now=time.time() + 3600) == 0  # never tried again
    assert [g["path"] for g in hook.got] == ["/flaky"]


def test_a_sender_killed_between_send_and_record_does_not_send_again(hook, outbox_db):
    script = textwrap.dedent(
        f"""
        from notebook_ops.alerts.occurrences import from_run
        from notebook_ops.alerts.alert_outbox import Outbox
        box = Outbox()
        (o,) = from_run({FAILED!r})
        box.add(o, {hook.url + "/once"!r})
        box.deliver_due()
        """
    )
    env = {**os.environ, "NOTEBOOK_OPS_FAULTS": "alerts.outbox.after_send=kill"}
    proc = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == -9, proc.stderr
    assert len(hook.got) == 1
    box = Outbox(outbox_db)
    (d,) = box.deliveries()
    assert d.state == "sending"  # sent, not recorded: the process died in between
    assert box.deliver_due() == 0  # the next pass (a restarted service, the next run)
    (d,) = box.deliveries()
    assert d.state == "unconfirmed" and "not sent again" in d.error
    (o,) = from_run(FAILED)
    assert box.add(o, hook.url + "/once") is False
    assert box.deliver_due() == 0 and len(hook.got) == 1


def test_one_receiver_named_twice_hears_once(hook, monkeypatch):
    """The pipeline names it through env:NAME, its schedule by URL: one alert, not two."""
    monkeypatch.setenv("OPS_ALERTS_URL", f"{hook.url}/ops")
    box = Outbox()
    (o,) = from_run(FAILED)
    assert box.add(o, "env:OPS_ALERTS_URL") is True
    assert box.add(o, f"{hook.url}/ops") is False
    assert box.deliver_due() == 1 and len(hook.got) == 1
    (d,) = box.deliveries()
    assert d.destination == "env:OPS_ALERTS_URL"  # kept as configured, never resolved


def test_settled_rows_are_forgotten_after_thirty_days(hook):
    from notebook_ops.alerts.alert_outbox import KEEP_S

    box = Outbox()
    (o,) = from_run(FAILED)
    box.add(o, f"{hook.url}/old")
    assert box.deliver_due() == 1
    assert box.prune(now=time.time() + KEEP_S / 2) == 0
    assert box.prune(now=time.time() + KEEP_S + 1) == 1 and box.deliveries() == []
