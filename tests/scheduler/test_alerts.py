"""A schedule's alerts: the service tells a failed run, a run below its targets and missed
firings to the schedule's destinations (a loopback webhook receiver), once each however many
passes and services see them; ``schedule add --alert`` checks them and every face shows them
without their credentials."""

from __future__ import annotations

import json
from functools import partial

import pytest
from alertkit import WebhookReceiver
from clikit import run_cli
from nbfactory import make_notebook, write_notebook

from .helpers import drive
from .test_service import runs, settled

nbo = partial(run_cli, timeout=120)


@pytest.fixture
def hook(tmp_path, monkeypatch):
    monkeypatch.setenv("NOTEBOOK_OPS_ALERTS_DB", str(tmp_path / "alerts.db"))
    r = WebhookReceiver()
    yield r
    r.close()


def _alerts(*specs):
    from notebook_ops.model.contracts.alerts import parse_alerts

    return parse_alerts(list(specs))


@pytest.mark.parametrize("backend", ["sqlite"])
def test_failed_and_below_target_runs_alert_once(store, clock, add_schedule, service, hook):
    on_runs = {"to": f"{hook.url}/ops", "on": ["run.failed", "target.missed"]}
    add_schedule("bad", cron="0 10 * * *", parameters={"status": "failed"}, alerts=_alerts(on_runs))
    add_schedule("low", cron="0 10 * * *", parameters={"status": "below_target"}, alerts=_alerts(on_runs))
    add_schedule("good", cron="0 10 * * *", alerts=_alerts(on_runs))
    add_schedule(
        "quiet", cron="0 10 * * *", parameters={"status": "failed"}, alerts=_alerts("mailto:x@example.com")
    )
    svc = service()
    clock.advance(hours=1)
    drive(svc, settled(store, 4))
    svc.wait_notifications()
    got = sorted(
        (g["body"]["alert"]["facts"]["schedule"], g["headers"]["X-Notebook-Ops-Alert"]) for g in hook.got
    )
    assert got == [("bad", "run.failed"), ("low", "target.missed")]
    bad = next(g["body"] for g in hook.got if g["body"]["alert"]["condition"] == "run.failed")
    assert "step train: failed" in bad["text"] and bad["alert"]["id"] == f"run.failed:{runs(store)[0].run_id}"
    # a second service on the store (a restart) and more passes: nothing is told twice
    again = service()
    for _ in range(5):
        svc.tick()
        again.tick()
    svc.wait_notifications()
    again.wait_notifications()
    assert len(hook.got) == 2


@pytest.mark.parametrize("backend", ["sqlite"])
def test_missed_firings_alert_once_per_pass(store, clock, add_schedule, service, hook):
    """Down 09:00-09:32, firings every 5 minutes, catch-up skip: six missed, one alert."""
    s = add_schedule(
        cron="*/5 * * * *",
        catchup="skip",
        alerts=_alerts({"to": f"{hook.url}/sched", "on": ["schedule.missed"]}),
    )
    clock.advance(minutes=32)
    svc = service(misfire_grace_s=60)
    drive(svc, settled(store, 6), what="the missed firings")
    svc.wait_notifications()
    assert [r.state for r in runs(store, s.id)] == ["missed"] * 6
    (got,) = hook.got
    alert = got["body"]["alert"]
    assert (
        alert["condition"] == "schedule.missed"
        and alert["id"] == f"schedule.missed:{s.id}:2026-03-02T09:30:00Z"
    )
    assert "6 firing(s) missed" in alert["text"] and "catch-up skip" in alert["text"]
    for _ in range(3):
        svc.tick()
    svc.wait_notifications()
    assert len(hook.got) == 1


@pytest.fixture
def project(tmp_path, monkeypatch):
    monkeypatch.delenv("NOTEBOOK_OPS_DB", raising=False)
    nb = make_notebook([("alpha = 0.5  # rate", ["parameters"]), ("y = alpha * 2", ["step:a"])])
    write_notebook(tmp_path / "p.ipynb", nb)
    return tmp_path


def test_schedule_add_alert_is_shown_without_credentials(project):
    add = nbo(
        "schedule",
        "add",
        "p.ipynb",
        "--cron",
        "0 6 * * *",
        "--alert",
        "https://bot:hunter2-PASS@alerts.example.com/hook?token=tok-SECRET",
        "--alert",
        "https://hooks.slack.com/services/T000/B000/slackSECRET",
        "--alert",
        "mailto:ops@example.com",
        "--alert-on",
        "run.failed,target.missed",
        "--json",
        cwd=project,
    )
    assert add.returncode == 0, add.stderr
    outputs = [add.stdout]
    for args in (
        ("schedule", "show", "p"),
        ("schedule", "show", "p", "--json"),
        ("schedule", "list", "--json"),
    ):
        p = nbo(*args, cwd=project)
        assert p.returncode == 0, p.stderr
        outputs.append(p.stdout + p.stderr)
    text = "\n".join(outputs)
    for secret in ("hunter2-PASS", "tok-SECRET", "slackSECRET", "T000"):
        assert secret not in text
    (shown,) = json.loads(outputs[3])
    assert [a["to"] for a in shown["alerts"]] == [
        "https://bot:***@alerts.example.com/hook?token=***",
        "https://hooks.slack.com/services/***",
        "mailto:ops@example.com",
    ]
    assert {tuple(a["on"]) for a in shown["alerts"]} == {("run.failed", "target.missed")}
    assert "alert: mailto:ops@example.com on run.failed, target.missed" in outputs[1]


@pytest.mark.parametrize(
    "args,msg",
    [
        (["--alert", "ftp://files.example.com/x"], "is not a webhook URL, a mailto: address or env:NAME"),
        (["--alert", "mailto:nobody"], "not an e-mail address"),
        (["--alert", "mailto:ops@example.com", "--alert-on", "run.crashed"], "'on[0]' must be one of"),
        (["--alert-on", "run.failed"], "--alert-on goes with --alert"),
    ],
)
def test_bad_alerts_are_refused_in_one_line(project, args, msg):
    p = nbo("schedule", "add", "p.ipynb", "--cron", "0 6 * * *", *args, cwd=project)
    assert p.returncode == 2 and msg in p.stderr, p.stderr
    assert "Traceback" not in p.stderr and len(p.stderr.strip().splitlines()) == 1
