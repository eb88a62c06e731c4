"""The service under a clock the test sets: on-time firings, catch-up, pause/resume, the lease
between two services, concurrency, timeouts that kill the process tree, retries, webhooks."""

import json
import threading
import time
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest
from .helpers import drive
from waiting import eventually

from notebook_ops.scheduler import api
from notebook_ops.scheduler.executor import alive


def runs(store, sid=None):
    return sorted(store.list_runs(sid, limit=0), key=lambda r: (r.scheduled_for, r.id))


def states(store, sid=None):
    return [r.state for r in runs(store, sid)]


def settled(store, n, sid=None):
    return lambda: sum(1 for r in runs(store, sid) if r.final) >= n


def test_fires_on_time_and_records_the_run(store, clock, add_schedule, service, tmp_path):
    s = add_schedule(
        cron="*/5 * * * *", parameters={"day": "{{ scheduled_date }}", "log": str(tmp_path / "log")}
    )
    svc = service()
    svc.tick()
    assert runs(store) == []  # 09:00 is the clock's now; next is 09:05
    clock.advance(minutes=5)
    drive(svc, settled(store, 1), what="the 09:05 run")
    (r,) = runs(store)
    assert (r.state, r.trigger, r.attempt, r.exit_code) == ("succeeded", "cron", 1, 0)
    assert r.scheduled_for.strftime("%H:%M") == "09:05" and r.started_at == clock.now()
    assert r.run_id == "fake-" + Path(r.run_dir).name and r.mlflow_run_id.startswith("ml-")
    assert r.metrics == {"accuracy": 0.5} and r.parameters["day"] == "2026-03-02"
    assert Path(r.run_dir).parent == tmp_path / ".notebook_ops" / "runs"
    assert store.get_schedule(s.id).next_fire_at.strftime("%H:%M") == "09:10"
    line = json.loads((tmp_path / "log").read_text())
    assert line["params"]["day"] == "2026-03-02" and line["scheduled_for"].startswith("2026-03-02T09:05")


@pytest.mark.parametrize(
    "policy,expect",
    [
        ("skip", ["missed"] * 6),
        ("once", ["missed"] * 5 + ["succeeded"]),
        ("all", ["succeeded"] * 6),
    ],
)
def test_catch_up_after_an_outage(store, clock, add_schedule, service, policy, expect):
    """Down 09:00-09:32 with firings every 5 minutes: six missed (grace 60 s)."""
    s = add_schedule(cron="*/5 * * * *", catchup=policy, max_concurrent=10)
    clock.advance(minutes=32)
    svc = service(misfire_grace_s=60)
    drive(svc, settled(store, len(expect)), what="catch-up")
    got = runs(store, s.id)
    assert [r.state for r in got] == expect
    assert [r.scheduled_for.strftime("%H:%M") for r in got] == [f"09:{m:02d}" for m in range(5, 31, 5)]
    assert {r.trigger for r in got if r.state == "succeeded"} <= {"catchup"}
    clock.advance(minutes=3)  # 09:35 is on time again
    drive(svc, settled(store, len(expect) + 1))
    assert runs(store, s.id)[-1].trigger == "cron" and runs(store, s.id)[-1].state == "succeeded"


def test_an_on_time_firing_is_the_catch_up_for_once(store, clock, add_schedule, service):
    s = add_schedule(cron="*/5 * * * *", catchup="once")
    clock.advance(minutes=30, seconds=20)  # 09:30 is within the grace
    svc = service(misfire_grace_s=60)
    drive(svc, settled(store, 6))
    assert [(r.state, r.trigger) for r in runs(store, s.id)] == [("missed", "cron")] * 5 + [
        ("succeeded", "cron")
    ]


def test_once_runs_only_the_latest_missed_firing(store, clock, add_schedule, service):
    s = add_schedule(cron="0 * * * *", catchup="once")  # hourly; down for 5 h 30 min
    clock.advance(hours=5, minutes=30)
    svc = service()
    drive(svc, settled(store, 5), what="catch-up")
    got = runs(store, s.id)
    assert [(r.scheduled_for.strftime("%H"), r.state, r.trigger) for r in got] == [
        ("10", "missed", "cron"),
        ("11", "missed", "cron"),
        ("12", "missed", "cron"),
        ("13", "missed", "cron"),
        ("14", "succeeded", "catchup"),
    ]


def test_pause_and_resume(store, clock, add_schedule, service):
    s = add_schedule(cron="*/10 * * * *")
    svc = service()
    api.pause("job", store=store, now=clock.now())
    clock.advance(minutes=35)
    for _ in range(3):
        svc.tick()
    assert runs(store) == []
    d = api.resume("job", store=store, now=clock.now())  # 09:35: next is 09:40, no catch-up
    assert d.to_dict()["next_fire_at"] == "2026-03-02T09:40:00Z" and not d.paused
    clock.advance(minutes=5)
    drive(svc, settled(store, 1))
    assert [r.scheduled_for.strftime("%H:%M") for r in runs(store)] == ["09:40"]
    assert store.get_schedule(s.id).paused is False


def test_two_services_on_one_store_run_each_firing_once(store, clock, add_schedule, service, tmp_path):
    """Two services (separate connections) tick in turn through 12 minutes of per-minute firings."""
    from notebook_ops.scheduler.database import Store

    log = tmp_path / "starts.log"
    add_schedule(cron="* * * * *", parameters={"log": str(log)}, max_concurrent=5)
    a, b = service(workers=2), service(workers=2, store=Store(store.url))
    for _ in range(12):
        clock.advance(minutes=1)
        for _ in range(3):
            (a.tick(), b.tick()) if time.monotonic_ns() % 2 else (b.tick(), a.tick())
    drive([a, b], settled(store, 12), what="12 runs")
    starts = [json.loads(x) for x in log.read_text().splitlines()]
    when = sorted(x["scheduled_for"] for x in starts)
    assert len(when) == 12 and len(set(when)) == 12
    owners = {r.owner for r in runs(store)}
    assert states(store) == ["succeeded"] * 12
    started_by = {w for w in (a.id, b.id)}
    assert owners <= started_by


def test_concurrency_limit_per_schedule(store, clock, add_schedule, service):
    add_schedule(cron="* * * * *", parameters={"sleep": 1.5}, max_concurrent=1)
    svc = service(workers=4, misfire_grace_s=600)
    clock.advance(minutes=3)  # 3 firings due, none missed
    svc.tick()
    assert states(store).count("running") == 1 and states(store).count("pending") == 2
    drive(svc, settled(store, 3), what="three runs one after another")
    got = runs(store)
    for prev, nxt in zip(got, got[1:], strict=False):
        assert prev.finished_at <= nxt.started_at


def test_worker_limit(store, clock, add_schedule, service):
    for i in range(3):
        add_schedule(f"j{i}", cron="* * * * *", parameters={"sleep": 1})
    svc = service(workers=2)
    clock.advance(minutes=1)
    svc.tick()
    assert states(store).count("running") == 2 and len(svc.children) == 2
    drive(svc, settled(store, 3))


def test_a_hung_run_is_killed_with_its_whole_tree_on_timeout(store, clock, add_schedule, service):
    add_schedule(cron="1 9 * * *", parameters={"sleep": 3600, "spawn": 1}, timeout_s=120)
    svc = service()
    clock.advance(minutes=1)
    svc.tick()
    (r,) = runs(store)
    gpid_file = Path(r.run_dir) / "grandchild.pid"
    drive(svc, lambda: gpid_file.exists(), what="the grandchild")
    child_pid, gpid = r.child_pid, int(gpid_file.read_text())
    clock.advance(seconds=119)
    svc.tick()
    assert runs(store)[0].state == "running" and alive(gpid)
    clock.advance(seconds=2)
    drive(svc, settled(store, 1), what="the timeout")
    (r,) = runs(store)
    assert r.state == "timed_out" and "timed out after 120 s" in r.error
    # a new session did not escape
    eventually(
        lambda: not alive(child_pid) and not alive(gpid), timeout=10, what="the child and grandchild to end"
    )


def test_retries_with_backoff(store, clock, add_schedule, service):
    add_schedule(cron="0 10 * * *", parameters={"fail_attempts": 2}, retries=3, retry_delay_s=60)
    svc = service()
    clock.advance(hours=1)
    drive(svc, lambda: runs(store) and runs(store)[0].state == "pending" and runs(store)[0].attempt == 1)
    r = runs(store)[0]
    assert r.not_before == clock.now() + timedelta(seconds=60) and "failed" in r.error
    clock.advance(seconds=59)
    svc.tick()
    assert runs(store)[0].state == "pending"  # backoff not over
    clock.advance(seconds=1)
    drive(svc, lambda: runs(store)[0].attempt == 2 and runs(store)[0].state == "pending")
    assert runs(store)[0].not_before == clock.now() + timedelta(seconds=120)  # doubled
    clock.advance(seconds=120)
    drive(svc, settled(store, 1))
    (r,) = runs(store)
    assert (r.state, r.attempt) == ("succeeded", 3)


def test_retries_run_out_and_bad_input_is_not_retried(store, clock, add_schedule, service):
    a = add_schedule("a", cron="0 10 * * *", parameters={"status": "failed"}, retries=1, retry_delay_s=0)
    b = add_schedule("b", cron="0 10 * * *", parameters={"exit": 2, "no_record": 1}, retries=3)
    c = add_schedule("c", cron="0 10 * * *", parameters={"status": "below_target"}, retries=3)
    svc = service()
    clock.advance(hours=1)
    drive(svc, settled(store, 3))
    ra, rb, rc = runs(store, a.id)[0], runs(store, b.id)[0], runs(store, c.id)[0]
    assert (ra.state, ra.attempt) == ("failed", 2)
    assert (rb.state, rb.attempt, rb.exit_code) == ("failed", 1, 2)
    assert (rc.state, rc.attempt) == ("below_target", 1)


class _Hook(BaseHTTPRequestHandler):
    got: list = []

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        type(self).got.append((self.path, self.headers["Content-Type"], json.loads(body)))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *a):
        pass


@pytest.fixture
def webhook():
    _Hook.got = []
    srv = HTTPServer(("127.0.0.1", 0), _Hook)
    t = threading.Thread(target=srv.serve_forever, daemon=True)
    t.start()
    yield f"http://127.0.0.1:{srv.server_port}/hook", _Hook.got
    srv.shutdown()


def test_webhook_on_failure_and_below_target_only(store, clock, add_schedule, service, webhook):
    url, got = webhook
    add_schedule("bad", cron="0 10 * * *", parameters={"status": "failed"}, webhook=url)
    add_schedule("low", cron="0 10 * * *", parameters={"status": "below_target"}, webhook=url)
    add_schedule("good", cron="0 10 * * *", webhook=url)
    svc = service()
    clock.advance(hours=1)
    drive(svc, settled(store, 3))
    svc.wait_notifications()
    by_name = {body["schedule"]["name"]: (path, ctype, body) for path, ctype, body in got}
    assert sorted(by_name) == ["bad", "low"]
    path, ctype, body = by_name["bad"]
    assert path == "/hook" and ctype == "application/json"
    assert body["type"] == "schedule.run_failed" and body["run"]["state"] == "failed"
    assert body["run"]["scheduled_for"] == "2026-03-02T10:00:00Z" and "bad" in body["text"]
    assert by_name["low"][2]["type"] == "schedule.run_below_target"
    notified = {r.schedule_name: r.notified_at for r in runs(store)}
    assert notified["bad"] and notified["low"] and notified["good"] is None


def test_a_lost_lease_is_reconciled_from_run_json(store, clock, add_schedule, service):
    """A service vanished (its lease ran out) after its run finished: the record is kept, not rerun."""
    add_schedule(cron="0 10 * * *")
    gone = service()
    clock.advance(hours=1)
    gone.tick()
    (r,) = runs(store)
    drive(
        [],
        lambda: (
            (Path(r.run_dir) / "run.json").exists()
            and not alive(r.child_pid)
            and gone.children[r.id].child.proc.poll() is not None
        ),
    )
    gone.children.clear()  # it never reaps: as if dead
    heir = service()
    heir.tick()
    assert runs(store)[0].state == "running"  # lease still valid: hands off
    clock.advance(seconds=61)
    heir.tick()
    (r,) = runs(store)
    assert (r.state, r.owner, r.attempt) == ("succeeded", heir.id, 1)


def test_a_run_its_live_owner_is_starting_is_left_to_it(store, clock, add_schedule, service):
    """The owner recorded the run's folder and is slow to start its process (a loaded machine:
    its lease lapses meanwhile): another service on the host leaves the run to it instead of
    settling it as failed (three services on one store lost a run so under load)."""
    from .helpers import fake_command

    add_schedule(cron="0 10 * * *")
    heir = service()
    seen = []

    def slow_start(target, run_dir, params):
        clock.advance(seconds=61)
        heir.reconcile(clock.now())
        seen.append(runs(store)[0])
        return fake_command(target, run_dir, params)

    owner = service(command=slow_start)
    clock.advance(hours=1)
    owner.tick()
    assert [(r.state, r.owner) for r in seen] == [("running", owner.id)]
    drive(owner, settled(store, 1), what="the run")
    (r,) = runs(store)
    assert (r.state, r.owner, r.attempt) == ("succeeded", owner.id, 1)


@pytest.mark.parametrize(
    "start,expect",
    [
        ((2026, 3, 7, 12), ["03-08 03:30 -0400", "03-09 02:30 -0400"]),  # 02:30 does not exist
        ((2026, 10, 31, 12), ["11-01 01:30 -0400", "11-02 01:30 -0500"]),  # 01:30 happens twice
    ],
)
def test_a_daily_job_fires_once_a_day_through_dst_changes(store, clock, add_schedule, service, start, expect):
    """Quarter hour by quarter hour through 48 hours around a DST night in New York."""
    from datetime import datetime, timezone
    from zoneinfo import ZoneInfo

    clock.set(datetime(*start, tzinfo=timezone.utc))
    cron = "30 2 * * *" if start[1] == 3 else "30 1 * * *"
    s = add_schedule(cron=cron, tz="America/New_York")
    svc = service()
    for _ in range(48 * 4):
        clock.advance(minutes=15)
        svc.tick()
    drive(svc, settled(store, len(expect)))
    got = [
        r.scheduled_for.astimezone(ZoneInfo("America/New_York")).strftime("%m-%d %H:%M %z")
        for r in runs(store, s.id)
    ]
    assert got == expect and states(store) == ["succeeded"] * len(expect)


def test_overlap_skip_records_firings_that_come_while_the_run_goes(store, clock, add_schedule, service):
    s = add_schedule(cron="* * * * *", overlap="skip", parameters={"sleep": 2})
    q = add_schedule("queued", cron="* * * * *", parameters={"sleep": 2})
    svc = service(misfire_grace_s=600)
    clock.advance(minutes=1)
    svc.tick()
    clock.advance(minutes=1)
    svc.tick()  # 09:02 comes while 09:01 still runs
    drive(svc, settled(store, 2, s.id))
    assert [(r.scheduled_for.strftime("%H:%M"), r.state) for r in runs(store, s.id)] == [
        ("09:01", "succeeded"),
        ("09:02", "skipped"),
    ]
    assert "overlap skip" in runs(store, s.id)[1].error
    drive(svc, settled(store, 2, q.id))  # the default queues it instead
    assert states(store, q.id) == ["succeeded", "succeeded"]
