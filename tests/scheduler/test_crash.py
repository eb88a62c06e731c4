"""kill -9 the service during a run, restart it: no firing lost, none run twice."""

import json
import os
import signal
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

import pytest
from waiting import eventually

from notebook_ops.scheduler.executor import alive

HERE = Path(__file__).parent
UTC = timezone.utc


@pytest.fixture
def crashable(tmp_path, store, add_schedule):
    clock_file = tmp_path / "now"
    procs = []

    def set_time(t):
        tmp = clock_file.with_suffix(".tmp")
        tmp.write_text(t.isoformat())
        os.replace(tmp, clock_file)

    def start():
        out = open(tmp_path / f"service{len(procs)}.log", "w")
        p = subprocess.Popen(
            [sys.executable, str(HERE / "service_proc.py"), store.url, str(clock_file)],
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        procs.append(p)
        return p

    set_time(datetime(2026, 3, 2, 9, 0, 30, tzinfo=UTC))
    yield set_time, start
    for p in procs:
        if p.poll() is None:
            p.kill()
            p.wait()


def by_time(store):
    return {r.scheduled_for.strftime("%H:%M"): r for r in store.list_runs(limit=0)}


def test_kill_9_during_a_run_then_restart(store, add_schedule, crashable, tmp_path):
    set_time, start = crashable
    log = tmp_path / "starts.log"
    add_schedule(cron="* * * * *", catchup="all", max_concurrent=5, parameters={"sleep": 3, "log": str(log)})
    a = start()
    set_time(datetime(2026, 3, 2, 9, 1, 0, tzinfo=UTC))
    eventually(
        lambda: "09:01" in by_time(store) and by_time(store)["09:01"].child_pid, what="the 09:01 run to start"
    )
    run = by_time(store)["09:01"]
    a.send_signal(signal.SIGKILL)
    a.wait()
    assert alive(run.child_pid, run.run_dir)  # the run goes on without its service
    set_time(datetime(2026, 3, 2, 9, 3, 10, tzinfo=UTC))  # 09:02 and 09:03 fell due while down
    start()
    eventually(
        lambda: len(by_time(store)) == 3 and all(r.final for r in by_time(store).values()),
        what="three settled runs",
    )
    runs = by_time(store)
    assert {k: (r.state, r.attempt) for k, r in runs.items()} == {
        "09:01": ("succeeded", 1),
        "09:02": ("succeeded", 1),
        "09:03": ("succeeded", 1),
    }
    assert runs["09:01"].run_dir == run.run_dir  # adopted, not run again
    starts = sorted(json.loads(x)["scheduled_for"][11:16] for x in log.read_text().splitlines())
    assert starts == ["09:01", "09:02", "09:03"]


def test_kill_9_of_service_and_run_then_restart_retries_per_policy(store, add_schedule, crashable, tmp_path):
    set_time, start = crashable
    log = tmp_path / "starts.log"
    add_schedule(
        cron="1 9 * * *",
        retries=1,
        retry_delay_s=0,
        parameters={"sleep": 30, "sleep_once": 1, "log": str(log)},
    )
    a = start()
    set_time(datetime(2026, 3, 2, 9, 1, 0, tzinfo=UTC))
    eventually(lambda: log.exists(), what="the run to start")
    run = by_time(store)["09:01"]
    a.send_signal(signal.SIGKILL)
    os.killpg(run.child_pid, signal.SIGKILL)  # the machine went down with both
    a.wait()
    eventually(lambda: not alive(run.child_pid))
    b = start()
    eventually(lambda: by_time(store)["09:01"].final, what="the retry")
    r = by_time(store)["09:01"]
    assert (r.state, r.attempt) == ("succeeded", 2) and r.run_dir != run.run_dir
    starts = [json.loads(x)["attempt"] for x in log.read_text().splitlines()]
    assert starts == [1, 2]
    b.terminate()
    b.wait()
    assert "settled as failed" in (tmp_path / "service1.log").read_text()


def test_three_service_processes_on_one_store_run_each_firing_once(store, add_schedule, crashable, tmp_path):
    set_time, start = crashable
    log = tmp_path / "starts.log"
    add_schedule(cron="* * * * *", catchup="all", max_concurrent=20, parameters={"log": str(log)})
    procs = [start() for _ in range(3)]
    for minute in range(1, 16):
        set_time(datetime(2026, 3, 2, 9, minute, 0, tzinfo=UTC))
        time.sleep(0.3)
    eventually(
        lambda: len(by_time(store)) == 15 and all(r.final for r in by_time(store).values()),
        what="15 settled runs",
    )
    starts = [json.loads(x)["scheduled_for"][11:16] for x in log.read_text().splitlines()]
    assert sorted(starts) == [f"09:{m:02d}" for m in range(1, 16)]  # none twice, none lost
    assert {r.state for r in by_time(store).values()} == {"succeeded"}
    owners = {r.owner.split(":")[1] for r in by_time(store).values()}
    assert owners <= {str(p.pid) for p in procs}


def test_a_migration_killed_before_its_commit_leaves_the_store_as_it_was(empty_db_url):
    """Fault point ``scheduler.store.migrate.before_commit``: the process dies with the whole
    schema written but not committed; the store is still empty (no half-made tables), and the
    next open migrates it."""
    from notebook_ops.scheduler.database import HEAD, Store
    from notebook_ops.util import faults

    code = f"from notebook_ops.scheduler.database import Store; Store({empty_db_url!r})"
    env = {**os.environ, faults.ENV: "scheduler.store.migrate.before_commit=kill"}
    res = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=300)
    assert res.returncode == -signal.SIGKILL, res.stderr
    bare = Store(empty_db_url, migrate=False)
    try:
        assert bare.revision() is None
        from sqlalchemy import inspect

        assert inspect(bare.engine).get_table_names() == []
    finally:
        bare.close()
    store = Store(empty_db_url)
    try:
        assert store.revision() == HEAD and store.list_schedules() == []
    finally:
        store.close()
