"""Schedules of kind "trigger": the scheduler service consumes a topic (a real pulsar-lite broker)
and runs the target once per message, with the message's parameters. A message is acknowledged
only once its firing is recorded in the store; a redelivered one is not run twice; poison
messages are rejected and dead-lettered; a paused schedule leaves its messages in the broker."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from conftest import drain, read_jsonl
from waiting import eventually
from notebook_ops.scheduler import api
from notebook_ops.scheduler.schedule_errors import ScheduleError
from notebook_ops.scheduler.service import SchedulerService
from notebook_ops.scheduler.clock import SystemClock
from notebook_ops.scheduler.database import Store

ROOT = Path(__file__).resolve().parents[2]
FAKE_RUN = ROOT / "tests" / "scheduler" / "fake_run.py"


def fake_command(target, run_dir, params):
    """The scheduler tests' stand-in child (exact and fast): records params in run.json."""
    return [sys.executable, str(FAKE_RUN), "--run-dir", str(run_dir), json.dumps(params)]


def _full(topic):
    return f"persistent://public/default/{topic}"


@pytest.fixture
def store(tmp_path):
    s = Store(f"sqlite:///{tmp_path / 'sched.db'}")
    yield s
    s.close()


class CountingClock(SystemClock):
    """The real time; counts the service's passes (it sleeps once per pass of its loop)."""

    def __init__(self):
        self.passes = 0

    def sleep(self, seconds, stop) -> None:
        self.passes += 1
        super().sleep(seconds, stop)


class Running:
    """A SchedulerService looping in a thread, as `notebook-ops scheduler` runs it."""

    def __init__(self, store, **kw):
        kw.setdefault("poll_s", 0.1)
        self.clock = kw.setdefault("clock", CountingClock())
        self.svc = SchedulerService(store, **kw)
        self.thread = threading.Thread(target=self.svc.run, daemon=True)
        self.thread.start()

    def pump(self, schedule_id, timeout=30.0):
        def connected():
            p = self.svc.triggers.pumps.get(schedule_id)
            return p if p is not None and p.connected.is_set() else None

        return eventually(connected, timeout=timeout, what="the trigger schedule's consumer to connect")

    def passed(self, n: int, what: str = "the service") -> None:
        """Wait until the service made ``n`` more passes (each syncs its trigger consumers)."""
        start = self.clock.passes
        eventually(lambda: self.clock.passes >= start + n, what=f"{what} to make {n} passes")

    def stop(self):
        self.svc.stop()
        self.thread.join(30)
        assert not self.thread.is_alive()


def _runs(store, name):
    return [r.to_dict() for r in api.list_runs(name, store=store)]


def _final(store, name, n):
    rows = _runs(store, name)
    return rows if len(rows) >= n and all(r["state"] not in ("pending", "running") for r in rows) else None


def _left(client, topic, subscription):
    """Messages still waiting on the subscription (consumed here, so call it last)."""
    import pulsar

    c = client.subscribe(_full(topic), subscription, consumer_type=pulsar.ConsumerType.Shared)
    try:
        return [json.loads(m.data()) for m in drain(c, idle_ms=2000)]
    finally:
        c.close()


# --- the API: validation and what a trigger schedule looks like (no broker needed) ------------


def test_a_trigger_schedule_is_validated_and_has_no_clock(small_nb, store, tmp_path):
    url = "pulsar://127.0.0.1:9/new-data"  # nothing listens there: adding must still work
    d = api.add_trigger(
        small_nb, url, parameters={"n": "{{ message.n }}", "label": "fixed"}, store=store, workdir=tmp_path
    )
    assert (d.kind, d.source, d.subscription, d.cron) == (
        "trigger",
        url,
        "notebook-ops.small",
        "",
    )
    assert d.upcoming == [] and d.next_fire_at is None and d.subscribed is False
    assert store.trigger_schedules()[0].name == "small"
    with pytest.raises(ScheduleError, match="runs on messages from"):
        api.run_now("small", store=store)
    api.pause("small", store=store)
    assert store.trigger_schedules() == []
    assert api.resume("small", store=store).next_fire_at is None

    bad = [
        ({"source": "http://example.org/x"}, "cannot listen on http"),
        ({"parameters": {"n": "{{ env.HOME }}"}}, "unknown placeholder"),
        ({"parameters": {"nope": "{{ message.x }}"}}, "unknown parameter 'nope'"),
        ({"parameters": {"n": "many"}}, "'many' is not a valid int"),  # a fixed bad value
        ({"subscription": "has space"}, "bad subscription name"),
    ]
    for change, message in bad:
        kw = {"source": url, "name": "other", "store": store, "workdir": tmp_path, **change}
        with pytest.raises(Exception, match=message):
            api.add_trigger(small_nb, kw.pop("source"), **kw)
    assert [s.name for s in api.list_schedules(store=store)] == ["small"]  # nothing half-added


# --- the service with a real broker --------------------------------------------------------------


def test_messages_fire_runs_with_their_parameters_and_poison_is_dead_lettered(
    broker, client, topic, small_nb, store, tmp_path, monkeypatch
):
    """Real runs (the runner in a child process, real kernels), one per good message."""
    events = tmp_path / "events.jsonl"
    monkeypatch.setenv("NOTEBOOK_OPS_EVENTS", str(events))
    url = broker.topic_url(topic)
    d = api.add_trigger(
        small_nb,
        url,
        name="on-data",
        store=store,
        workdir=tmp_path,
        parameters={"n": "{{ message.n }}", "label": "{{ properties.origin }}"},
    )
    assert d.subscribed is True  # made at once: messages from now on are kept
    producer = client.create_producer(_full(topic))
    producer.send(json.dumps({"n": 3}).encode(), properties={"origin": "etl"})  # before the service
    svc = Running(store)
    try:
        svc.pump(d.id)
        producer.send(b"{not json", properties={"origin": "etl"})
        producer.send(json.dumps({"n": "many"}).encode(), properties={"origin": "etl"})
        producer.send(json.dumps({"n": 4}).encode(), properties={"origin": "crm"})
        rows = eventually(lambda: _final(store, "on-data", 4), timeout=240, what="4 settled firings")
    finally:
        svc.stop()
    by_state = {}
    for r in rows:
        by_state.setdefault(r["state"], []).append(r)
    assert sorted(by_state) == ["rejected", "succeeded"], rows
    ok = sorted(by_state["succeeded"], key=lambda r: r["id"])
    assert [(r["trigger"], r["parameters"]) for r in ok] == [
        ("message", {"n": 3, "label": "etl"}),
        ("message", {"n": 4, "label": "crm"}),
    ]
    for r in ok:  # the run folder's record: the parameters reached the kernels
        rec = json.loads(Path(r["run_dir"], "run.json").read_text())
        assert rec["status"] == "succeeded"
        assert rec["parameters"]["n"] == r["parameters"]["n"]
        assert rec["metrics"]["total"] == 2 * r["parameters"]["n"]
        assert r["message_id"]
    reasons = sorted(r["error"] for r in by_state["rejected"])
    assert "not JSON" in reasons[1] and "bad parameters" in reasons[0] and "'n'" in reasons[0]

    import pulsar

    dlq = client.subscribe(
        _full(topic) + "-notebook-ops.on-data-DLQ",
        "check",
        consumer_type=pulsar.ConsumerType.Shared,
        initial_position=pulsar.InitialPosition.Earliest,
    )
    parked = drain(dlq, want=2)
    dlq.close()
    assert sorted(m.data() for m in parked) == [b'{"n": "many"}', b"{not json"]
    assert all(m.properties()["nbo_dead_letter_reason"] for m in parked)
    assert _left(client, topic, "notebook-ops.on-data") == []  # every message acknowledged

    fired = eventually(
        lambda: (
            [e["data"] for e in read_jsonl(events) if e["type"] == "schedule.fired"]
            if events.exists()
            else None
        ),
        what="schedule.fired events",
    )
    assert sorted((f["kind"], f["message_id"], f["parameters"]["n"], f["run_id"]) for f in fired) == sorted(
        ("trigger", r["message_id"], r["parameters"]["n"], r["run_id"]) for r in ok
    )


def test_a_redelivered_message_is_not_run_twice_and_pause_leaves_messages_waiting(
    broker, client, topic, small_nb, store, tmp_path
):
    from notebook_ops.events.source import open_source
    from notebook_ops.scheduler.triggers import TriggerPump

    url = broker.topic_url(topic)
    d = api.add_trigger(small_nb, url, name="dedupe", store=store, workdir=tmp_path)
    producer = client.create_producer(_full(topic))
    producer.send(json.dumps({"n": 7}).encode())

    # a service records the firing, then dies before acknowledging: the message stays unacked
    sched = store.get_schedule("dedupe")
    source = open_source(url, subscription=sched.subscription)
    msg = source.receive(20)
    assert msg is not None
    source.ack = lambda m: None  # the process is gone before this
    assert TriggerPump(sched, store, SystemClock()).handle(source, msg)["state"] == "pending"
    source.close()  # its consumer goes: the broker redelivers
    assert [r["message_id"] for r in _runs(store, "dedupe")] == [msg.message_id]

    svc = Running(store, command=fake_command)
    try:
        pump = svc.pump(d.id)
        eventually(lambda: _final(store, "dedupe", 1), what="the recorded firing to run")
        eventually(lambda: pump.handled == 1, what="the redelivery")  # recognised, acked
        assert len(_runs(store, "dedupe")) == 1
        api.pause("dedupe", store=store)
        # the pump leaves the service's table before its consumer closes: wait for the thread
        eventually(lambda: not pump.is_alive(), what="the consumer to stop")
        producer.send(json.dumps({"n": 8}).encode())
        svc.passed(10, "the service with the schedule paused")  # each pass syncs the consumers
        assert d.id not in svc.svc.triggers.pumps  # none listens for a paused schedule
        assert len(_runs(store, "dedupe")) == 1
        api.resume("dedupe", store=store)
        rows = eventually(lambda: _final(store, "dedupe", 2), what="the message sent while paused")
    finally:
        svc.stop()
    assert sorted(r["parameters"]["n"] for r in rows) == [7, 8]
    assert all(r["state"] == "succeeded" and r["attempt"] == 1 for r in rows)
    assert _left(client, topic, sched.subscription) == []  # the redelivery was acknowledged


def test_the_scheduler_cli_runs_a_trigger_schedule(broker, client, topic, small_nb, tmp_path):
    """`schedule add --trigger` then `notebook-ops scheduler` (a real service process, real runs)."""
    db = tmp_path / "cli.db"
    exe = [sys.executable, "-m", "notebook_ops"]
    env = dict(os.environ)
    url = broker.topic_url(topic)

    both = subprocess.run(
        exe + ["schedule", "add", str(small_nb), "--trigger", url, "--cron", "@daily", "--db", str(db)],
        capture_output=True,
        text=True,
        env=env,
    )
    assert both.returncode == 2 and "not both" in both.stderr
    bad = subprocess.run(
        exe + ["schedule", "add", str(small_nb), "--trigger", "kafka://h/t", "--db", str(db)],
        capture_output=True,
        text=True,
        env=env,
    )
    assert bad.returncode != 0 and "Traceback" not in bad.stderr
    assert len(bad.stderr.strip().splitlines()) == 1 and "cannot listen on kafka" in bad.stderr

    add = subprocess.run(
        exe
        + [
            "schedule",
            "add",
            str(small_nb),
            "--trigger",
            url,
            "-p",
            "n={{ message.n }}",
            "--name",
            "cli-trig",
            "--db",
            str(db),
        ],
        capture_output=True,
        text=True,
        env=env,
    )
    assert add.returncode == 0, add.stderr
    assert f"on messages from {url} (subscription notebook-ops.cli-trig)" in add.stdout
    listed = subprocess.run(
        exe + ["schedule", "list", "--db", str(db)],
        capture_output=True,
        text=True,
        env={**env, "COLUMNS": "250"},
    )
    assert f"message: {url}" in listed.stdout

    client.create_producer(_full(topic)).send(json.dumps({"n": 21}).encode())
    proc = subprocess.Popen(
        exe + ["scheduler", "--db", str(db), "--poll", "0.2"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
    )
    try:
        st = Store(f"sqlite:///{db}")
        rows = eventually(lambda: _final(st, "cli-trig", 1), timeout=240, what="the triggered run")
    finally:
        proc.send_signal(signal.SIGTERM)
        out = proc.communicate(timeout=60)[0]
    assert proc.returncode == 0, out
    assert rows[0]["state"] == "succeeded" and rows[0]["parameters"] == {"n": 21}, out
    # the run's id is its folder's name: `runs show` finds it from the scheduler's record
    assert rows[0]["run_id"] == Path(rows[0]["run_dir"]).name
    shown_run = subprocess.run(
        exe + ["runs", "show", rows[0]["run_id"], "--json"],
        cwd=small_nb.parent,
        capture_output=True,
        text=True,
        env=env,
    )
    assert shown_run.returncode == 0, shown_run.stderr
    assert json.loads(shown_run.stdout)["parameters"]["n"] == 21
    assert "listening on" in out and "recorded as run" in out
    shown = subprocess.run(
        exe + ["schedule", "show", "cli-trig", "--db", str(db)],
        capture_output=True,
        text=True,
        env={**env, "COLUMNS": "250"},
    )
    assert "source: " + url in shown.stdout and "message" in shown.stdout


def test_a_trigger_schedule_survives_its_broker_going_down(broker, small_nb, store, tmp_path):
    """The broker is killed (SIGKILL) under a running service and comes back on the same port
    and storage: the schedule listens again by itself, and a message sent then runs. A service
    started while the broker is down listens once it is up."""
    import pulsar

    url = broker.topic_url("comeback")
    d = api.add_trigger(small_nb, url, name="comeback", store=store, workdir=tmp_path)

    def send(n):
        c = pulsar.Client(
            broker.service_url,
            operation_timeout_seconds=10,
            logger=pulsar.ConsoleLogger(pulsar.LoggerLevel.Error),
        )
        try:
            c.create_producer(_full("comeback")).send(json.dumps({"n": n}).encode())
        finally:
            c.close()

    svc = Running(store, command=fake_command)
    try:
        svc.pump(d.id)
        send(1)
        eventually(lambda: _final(store, "comeback", 1), what="the first run")
        broker.kill()
        svc.passed(10, "the service without its broker")  # it goes on; its consumer has no broker
        assert svc.thread.is_alive()
        broker.start()
        send(2)
        rows = eventually(
            lambda: _final(store, "comeback", 2),
            timeout=120,
            what="the message sent after the broker came back",
        )
    finally:
        svc.stop()
    assert sorted(r["parameters"]["n"] for r in rows) == [1, 2]

    # a service that starts while the broker is down keeps trying, and listens once it is up
    broker.kill()
    svc = Running(store, command=fake_command)
    try:
        svc.passed(10, "the service started without a broker")
        pump = svc.svc.triggers.pumps[d.id]
        assert pump.is_alive() and not pump.connected.is_set()  # trying, not listening
        broker.start()
        svc.pump(d.id, timeout=60)
        send(3)
        rows = eventually(
            lambda: _final(store, "comeback", 3),
            timeout=120,
            what="the message sent to a broker that came up after the service",
        )
    finally:
        svc.stop()
    assert sorted(r["parameters"]["n"] for r in rows) == [1, 2, 3]
    assert all(r["state"] == "succeeded" for r in rows)
