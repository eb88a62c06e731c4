"""The other services publish too: an export (``bundle.exported``) and a scheduler firing
(``schedule.fired``, then the scheduled run's own events, from its child process)."""

from __future__ import annotations

import json
import threading
from datetime import datetime, timedelta, timezone
from pathlib import Path

from clikit import run_cli
from conftest import read_jsonl
from waiting import eventually
from notebook_ops.events import schema


def test_export_publishes_bundle_exported(small_nb, tmp_path):
    out = tmp_path / "events.jsonl"
    p = run_cli(
        "export",
        small_nb,
        "-o",
        tmp_path / "dist",
        "--no-mlflow",
        "--json",
        timeout=300,
        env={"NOTEBOOK_OPS_EVENTS": str(out)},
    )
    assert p.returncode == 0, p.stderr
    result = json.loads(p.stdout)
    (e,) = read_jsonl(out)
    schema.validate(e)
    assert e["type"] == "bundle.exported" and e["pipeline"] == result["name"]
    assert e["data"]["version"] == result["version"] == 1
    assert e["data"]["folder"] == result["folder"]
    assert e["data"]["content_sha256"] == result["content_sha256"]
    assert e["data"]["commit"] is None  # not in a git repository


class Clock:
    def __init__(self, t):
        self.t, self.lock = t, threading.Lock()

    def now(self):
        with self.lock:
            return self.t

    def advance(self, **kw):
        with self.lock:
            self.t += timedelta(**kw)

    def sleep(self, seconds, stop):
        stop.wait(0.02)


def test_a_scheduled_run_publishes_its_firing_and_its_events(small_nb, tmp_path, monkeypatch):
    from notebook_ops.events.publish import close_shared
    from notebook_ops.scheduler.cron import Cron
    from notebook_ops.model.contracts.schedules import Schedule
    from notebook_ops.scheduler.service import SchedulerService
    from notebook_ops.scheduler.database import Store

    out = tmp_path / "events.jsonl"
    monkeypatch.setenv("NOTEBOOK_OPS_EVENTS", str(out))  # the service and its children
    nb = json.loads(small_nb.read_text())  # and a sink the notebook names
    nb["metadata"]["notebook_ops"] = {"events": ["nb-events.jsonl"]}
    small_nb.write_text(json.dumps(nb))
    clock = Clock(datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc))
    store = Store(f"sqlite:///{tmp_path / 'sched.db'}")
    s = Schedule(
        name="nightly",
        cron="*/5 * * * *",
        target=str(small_nb),
        workdir=str(small_nb.parent),
        parameters={"n": 3},
    )
    s.next_fire_at = Cron(s.cron, s.tz).next_after(clock.now())
    s = store.add_schedule(s, clock.now())
    svc = SchedulerService(store, clock=clock)
    svc.start()
    try:
        clock.advance(minutes=5)

        def settled() -> list:
            svc.tick()
            return [r for r in store.list_runs(s.id, limit=0) if r.final]

        (run,) = eventually(settled, timeout=240, interval=0.1, what="the fired run to settle")
        assert run.state == "succeeded"
    finally:
        svc.shutdown()
        store.close()
    close_shared()  # what the service process does at exit
    events = read_jsonl(out)
    for e in events:
        schema.validate(e)
    fired = [e for e in events if e["type"] == "schedule.fired"]
    assert len(fired) == 1
    f = fired[0]["data"]
    assert (f["schedule_id"], f["name"], f["attempt"], f["parameters"]) == (s.id, "nightly", 1, {"n": 3})
    assert f["scheduled_for"].startswith("2026-03-02T09:05")
    runs = [e for e in events if e["type"] != "schedule.fired"]
    assert [e["type"] for e in runs][0] == "run.started" and runs[-1]["type"] == "run.finished"
    assert runs[0]["data"]["run_dir"] == f["run_dir"] == run.run_dir
    assert runs[-1]["data"]["metrics"] == {"total": 6}
    assert f["run_id"] == runs[0]["run_id"] == Path(run.run_dir).name
    # the notebook's own sink got the same events, the firing included
    assert sorted(e["id"] for e in read_jsonl(small_nb.parent / "nb-events.jsonl")) == sorted(
        e["id"] for e in events
    )


def test_runs_started_from_jupyterlab_publish(small_nb, tmp_path, monkeypatch):
    """The server extension's run service (what the lab panel's Run button calls)."""
    from notebook_ops.execution.run_service import RunService

    out = tmp_path / "events.jsonl"
    monkeypatch.setenv("NOTEBOOK_OPS_EVENTS", str(out))
    manager = RunService()
    first = manager.start(small_nb, params={"n": 5}, track=False).started.result(timeout=240)
    record = Path(first["run_dir"]) / "run.json"
    eventually(
        lambda: (
            not manager.is_active(first["run_id"]) and json.loads(record.read_text())["status"] != "running"
        ),
        timeout=240,
        interval=0.1,
        what="the run to finish",
    )
    eventually(  # the publisher is closed right after the run's last write
        lambda: out.exists() and read_jsonl(out)[-1]["type"] == "run.finished",
        timeout=10,
        interval=0.1,
        what="the run.finished event",
    )
    types = [e["type"] for e in read_jsonl(out)]
    assert types[0] == "run.started" and types[-1] == "run.finished" and len(types) == 6
    assert read_jsonl(out)[-1]["data"]["metrics"] == {"total": 10}
