"""Chaos (issue 26): two scheduler services on one PostgreSQL store, 120 firings on a fast fake
clock, while a seeded loop SIGKILLs services (and restarts them), SIGKILLs runs, and starts
services with fault points armed (util/faults.py: a SIGKILL just before or after a store commit
of a claim, of a run record, of new firings). Afterwards: every firing recorded exactly once,
no attempt started twice (the fake runs' own start log), nothing left running or pending, and
each MLflow run id (the fake run's run.json names one per run folder) recorded once.

Invariants only, never timing: the chaos decides where things die, the waits are generous.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from waiting import eventually

from notebook_ops.model.contracts.schedules import FINAL_STATES
from notebook_ops.util import faults, procs

pytestmark = pytest.mark.slow
HERE = Path(__file__).parent
UTC = timezone.utc
START = datetime(2026, 3, 2, 9, 0, 30, tzinfo=UTC)
MINUTES = 30  # cron "1-30 9 * * *": 30 firings per schedule, none after the chaos ends
SCHEDULES = 4
SEED = 26
WAIT = 240  # seconds: a bound on draining on 2 busy cores, not a speed check
POINTS = [
    "scheduler.store.claim.before_commit",
    "scheduler.store.claim.after_commit",
    "scheduler.store.run.before_commit",
    "scheduler.store.run.after_commit",
    "scheduler.store.firings.before_commit",
    "scheduler.store.firings.after_commit",
]


class Services:
    """The service processes (tests/scheduler/service_proc.py) and the file clock they read."""

    def __init__(self, tmp_path: Path, url: str):
        self.tmp, self.url = tmp_path, url
        self.clock = tmp_path / "now"
        self.procs: list[subprocess.Popen | None] = [None, None]
        self.started = 0
        self.faulted: Counter[str] = Counter()

    def set_time(self, t: datetime) -> None:
        tmp = self.clock.with_suffix(".tmp")
        tmp.write_text(t.isoformat())
        os.replace(tmp, self.clock)

    def start(self, slot: int, fault: str | None = None) -> None:
        env = {k: v for k, v in os.environ.items() if k != faults.ENV}
        if fault:
            env[faults.ENV] = fault
        self.started += 1
        with open(self.tmp / f"service{self.started}.log", "w") as out:
            self.procs[slot] = subprocess.Popen(
                [sys.executable, str(HERE / "service_proc.py"), self.url, str(self.clock)],
                stdout=out,
                stderr=subprocess.STDOUT,
                env=env,
            )

    def kill(self, slot: int) -> None:
        p = self.procs[slot]
        if p is not None and p.poll() is None:
            p.send_signal(signal.SIGKILL)
        if p is not None:
            p.wait()

    def dead(self) -> list[int]:
        return [i for i, p in enumerate(self.procs) if p is None or p.poll() is not None]

    def stop_all(self) -> None:
        for i in range(len(self.procs)):
            self.kill(i)


@pytest.mark.parametrize("backend", ["postgresql"])
def test_chaos_every_firing_once_nothing_half_written(store, add_schedule, tmp_path, backend):
    rnd = random.Random(SEED)
    logs = {}  # schedule id -> the start log its fake runs append to
    for i in range(SCHEDULES):
        log = tmp_path / f"starts{i}.log"
        logs[
            add_schedule(
                name=f"job{i}",
                cron=f"1-{MINUTES} 9 * * *",
                catchup="all",
                max_concurrent=3,
                retries=2,
                retry_delay_s=0,
                parameters={"log": str(log), "sleep": 1.5},
            ).id
        ] = log
    svc = Services(tmp_path, store.url)
    svc.set_time(START)
    killed = Counter()
    try:
        svc.start(0)
        svc.start(1)
        now = START
        end = START.replace(minute=MINUTES, second=10)
        while now < end:
            now = min(end, now + timedelta(seconds=20))
            svc.set_time(now)
            for slot in svc.dead():  # died of an armed fault (or killed below): back up
                svc.faulted["restart"] += 1
                svc.start(slot, _fault(rnd))
            roll = rnd.random()
            if roll < 0.2:
                slot = rnd.randrange(2)
                svc.kill(slot)
                killed["service"] += 1
                svc.start(slot, _fault(rnd))
            elif roll < 0.4:
                # until three runs were killed, wait up to 5 s for one to be running: a loaded
                # machine (services restarting slowly) once left 1 of 18 tries with a run to kill
                killed["run"] += _kill_a_run(store, rnd, within=5.0 if killed["run"] < 3 else 0.0)
            time.sleep(rnd.uniform(0.2, 0.7))

        # drain: both services up, no faults armed, the clock moving (reconcile runs on it)
        def drained() -> bool:
            nonlocal now
            for slot in svc.dead():
                svc.start(slot)
            runs = store.list_runs(limit=0)
            if len(runs) == SCHEDULES * MINUTES and all(r.state in FINAL_STATES for r in runs):
                return True
            now += timedelta(seconds=5)
            svc.set_time(now)
            return False

        eventually(
            drained,
            timeout=WAIT,
            interval=0.5,
            what=f"{SCHEDULES * MINUTES} runs, all settled",
            context=lambda: f"states: {dict(Counter(r.state for r in store.list_runs(limit=0)))}",
        )
    finally:
        svc.stop_all()

    runs = store.list_runs(limit=0)
    said = "".join(p.read_text() for p in tmp_path.glob("service*.log"))
    chaos = {
        **killed,
        "died of a fault": svc.faulted["restart"],
        "adopted": said.count("adopted run"),
        "settled after a crash": said.count("of a stopped scheduler settled"),
        "retried": said.count("; retry in"),
        "states": dict(Counter(r.state for r in runs)),
    }
    print("chaos:", chaos)
    assert killed["service"] >= 3 and killed["run"] >= 3 and svc.faulted["restart"] >= 1, chaos
    # every firing recorded exactly once, and settled
    fired = Counter((r.schedule_id, r.scheduled_for.strftime("%H:%M")) for r in runs)
    want = {(sid, f"09:{m:02d}") for sid in logs for m in range(1, MINUTES + 1)}
    assert set(fired) == want, f"lost: {sorted(want - set(fired))[:5]} extra: {sorted(set(fired) - want)[:5]}"
    assert max(fired.values()) == 1
    stuck = [(r.id, r.state, r.owner) for r in runs if r.state not in FINAL_STATES]
    assert not stuck, f"runs left half-done: {stuck[:5]}"
    assert {r.state for r in runs} <= {"succeeded", "failed"}
    # no attempt started twice (the fake runs' own side effect), none beyond what the row says
    by_key = {(r.schedule_id, r.scheduled_for.isoformat()): r for r in runs}
    starts: Counter[tuple[int, str, int]] = Counter()
    for sid, log in logs.items():
        for line in log.read_text().splitlines():
            x = json.loads(line)
            starts[(sid, x["scheduled_for"], x["attempt"])] += 1
    twice = [k for k, n in starts.items() if n > 1]
    assert not twice, f"attempts started twice: {twice[:5]}"
    for sid, sf, attempt in starts:
        row = by_key[(sid, sf)]
        assert 1 <= attempt <= row.attempt, (row.id, attempt, row.attempt)
    # a succeeded run ran: its last attempt started once and left its record
    for r in runs:
        if r.state == "succeeded":
            assert starts[(r.schedule_id, r.scheduled_for.isoformat(), r.attempt)] == 1
            rec = json.loads((Path(r.run_dir) / "run.json").read_text())
            assert rec["status"] == "succeeded"
    # every MLflow run once: the row's id is its own run folder's, and no two rows share one
    ml = [r.mlflow_run_id for r in runs if r.mlflow_run_id]
    assert len(ml) == len(set(ml)) and len(ml) >= sum(r.state == "succeeded" for r in runs)
    for r in runs:
        if r.mlflow_run_id:
            assert r.mlflow_run_id == "ml-" + Path(r.run_dir).name
    # no run process outlives the test's services unaccounted for
    assert not [r.child_pid for r in runs if r.child_pid and procs.alive(r.child_pid, r.run_dir)]


def _fault(rnd: random.Random) -> str | None:
    """Most restarts arm one store commit point: SIGKILL on its 1st to 4th hit."""
    if rnd.random() < 0.3:
        return None
    return f"{rnd.choice(POINTS)}=kill@{rnd.randint(1, 4)}"


def _kill_a_run(store, rnd: random.Random, within: float = 0.0) -> int:
    """SIGKILL one running fake run's process group (the machine lost it); -> 1 if one was.
    ``within``: seconds to wait for a run to be running."""
    deadline = time.monotonic() + within
    while True:
        live = [
            r
            for r in store.list_runs(limit=0)
            if r.state == "running" and r.child_pid and procs.alive(r.child_pid, r.run_dir)
        ]
        if live or time.monotonic() >= deadline:
            break
        time.sleep(0.2)
    if not live:
        return 0
    r = rnd.choice(live)
    try:
        os.killpg(r.child_pid, signal.SIGKILL)
    except ProcessLookupError:
        return 0
    return 1
