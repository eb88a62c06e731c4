"""The scheduler service with 1,000 schedules in its store: idle CPU and memory, and how late
firings start when 50 fall due in the same second with 4 workers.

Run: .venv/bin/python benchmarks/bench_scheduler.py [--idle-seconds 30]
- idle: the real `notebook-ops scheduler` process over 1,000 schedules none of which is due;
  CPU time from /proc over the window, resident memory at the end; a bare `python` sleeping is
  measured beside it for scale.
- burst: the same store plus 50 schedules on one 6-field cron second; the service (real clock,
  4 workers) launches each run as a child process (a trivial Python child, so the figure is the
  scheduler's own dispatch: claim, fork/exec, record). Lateness = child started - scheduled time.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

TICK = os.sysconf("SC_CLK_TCK")


def cpu_s(pid: int) -> float:
    f = Path(f"/proc/{pid}/stat").read_text()
    rest = f[f.rindex(")") + 2 :].split()
    return (int(rest[11]) + int(rest[12])) / TICK


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def fill(store, n: int, now) -> None:
    from notebook_ops.scheduler.cron import Cron
    from notebook_ops.model.contracts.schedules import Schedule

    for i in range(n):  # yearly (1 January) at spread times: never due in the window
        cron = f"{i % 60} {(i // 60) % 24} 1 1 *"
        s = Schedule(
            name=f"idle-{i}",
            target="/nonexistent.ipynb",
            cron=cron,
            workdir="/tmp",
            parameters={"i": i},
            next_fire_at=Cron(cron).next_after(now),
        )
        store.add_schedule(s, now)


def measure_idle(bin_dir: Path, db: str, seconds: float) -> dict:
    svc = subprocess.Popen(
        [str(bin_dir / "notebook-ops"), "scheduler", "--db", db, "--workers", "4"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    bare = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(3600)"])
    try:
        time.sleep(5)  # start-up and migrations done
        c0, b0, t0 = cpu_s(svc.pid), cpu_s(bare.pid), time.monotonic()
        time.sleep(seconds)
        c1, b1, t1 = cpu_s(svc.pid), cpu_s(bare.pid), time.monotonic()
        out = {
            "cpu_pct": 100 * (c1 - c0) / (t1 - t0),
            "rss_mb": rss_mb(svc.pid),
            "bare_cpu_pct": 100 * (b1 - b0) / (t1 - t0),
            "bare_rss_mb": rss_mb(bare.pid),
        }
    finally:
        for p in (svc, bare):
            p.terminate()
            p.wait(30)
    return out


def child_command(target, run_dir, params):
    return [sys.executable, "-c", "pass", "--run-dir", str(run_dir)]


def measure_burst(db: str, tmp: Path, n: int = 50, workers: int = 4) -> list[float]:
    import threading

    from notebook_ops.scheduler.cron import Cron
    from notebook_ops.model.contracts.schedules import Schedule
    from notebook_ops.scheduler.service import SchedulerService
    from notebook_ops.scheduler.database import Store

    store = Store(db)
    now = datetime.now(timezone.utc)
    due = (now + timedelta(seconds=8)).replace(microsecond=0)
    cron = f"{due.second} {due.minute} {due.hour} * * *"
    (tmp / "job.ipynb").write_text("{}")
    for i in range(n):
        store.add_schedule(
            Schedule(
                name=f"burst-{i}",
                target=str(tmp / "job.ipynb"),
                cron=cron,
                workdir=str(tmp),
                next_fire_at=Cron(cron).next_after(now),
            ),
            now,
        )
    svc = SchedulerService(store, workers=workers, command=child_command, poll_s=1.0)
    t = threading.Thread(target=svc.run, daemon=True)
    t.start()
    end = time.monotonic() + 120
    while time.monotonic() < end:
        rs = [r for r in store.list_runs(limit=0) if r.schedule_name.startswith("burst-")]
        if len(rs) == n and all(r.final for r in rs):
            break
        time.sleep(0.2)
    svc.stop()
    t.join(30)
    durs = [(r.finished_at - r.started_at).total_seconds() for r in rs if r.finished_at]
    measure_burst.child_s = statistics.mean(durs) if durs else float("nan")
    return sorted((r.started_at - r.scheduled_for).total_seconds() for r in rs if r.started_at)


def pct(xs, p):
    return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--idle-seconds", type=float, default=30)
    args = ap.parse_args()
    from notebook_ops.scheduler.database import Store

    bin_dir = Path(sys.executable).parent
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        db = f"sqlite:///{tmp / 'sched.db'}"
        t0 = time.perf_counter()
        fill(Store(db), 1000, datetime.now(timezone.utc))
        print(f"store: 1,000 schedules added in {time.perf_counter() - t0:.1f} s")
        idle = measure_idle(bin_dir, db, args.idle_seconds)
        print(
            f"idle over {args.idle_seconds:.0f} s with 1,000 schedules: CPU {idle['cpu_pct']:.2f} % "
            f"of one core, RSS {idle['rss_mb']:.0f} MB  (a bare sleeping python: CPU "
            f"{idle['bare_cpu_pct']:.2f} %, RSS {idle['bare_rss_mb']:.0f} MB; ratio RSS "
            f"{idle['rss_mb'] / idle['bare_rss_mb']:.1f}x)"
        )
        late = measure_burst(db, tmp)
        if len(late) < 50:
            print(f"burst: only {len(late)} of 50 runs started")
            sys.exit(1)
        print(
            f"burst: 50 firings due in one second, 4 workers, trivial child runs: lateness "
            f"p50 {pct(late, 50) * 1000:.0f} ms, p99 {pct(late, 99) * 1000:.0f} ms, "
            f"max {late[-1] * 1000:.0f} ms; first wave (no queue) {pct(late[:4], 99) * 1000:.0f} ms; "
            f"a child run lasts {measure_burst.child_s * 1000:.0f} ms on average, so the rest is "
            f"50 runs queueing for 4 workers ({50 / 4 * measure_burst.child_s:.1f} s of child time)"
        )


if __name__ == "__main__":
    main()
