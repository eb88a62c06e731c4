"""What observing a step costs (issue 23: at most 2 % of a step's time).

1. The example (examples/churn.ipynb) run whole, observation on and off
   (``NOTEBOOK_OPS_OBSERVE=0``), interleaved, best of REPEAT: the sum of the steps' times as
   run.json records them, observed / unobserved. On a shared 2-core machine this ratio carries
   the load's noise; 2. and 3. measure the observer's own work directly.
2. The observer's fixed cost per step in the example's project (this checkout: the before and
   after scan of its files, the summary, the distributions), against the example's mean step.
3. A step that writes then reads back 1,000 files, in a fresh interpreter each time (an audit
   hook cannot be removed): with the hook installed and recording (start + code + finish)
   against without, best of REPEAT (at least 7) each: the per-event cost of the hook. The files
   are in /dev/shm when there is one: on this machine's shared disk the time of 1,000 small
   writes swings 10x with the other processes' writeback, which drowns what is measured.

Run: .venv/bin/python benchmarks/bench_observe.py   (BENCH_REPEAT=N to change the repeats)
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT)]
REPEAT = int(os.environ.get("BENCH_REPEAT", "3"))
CHURN = ROOT / "examples" / "churn.ipynb"


def churn_run(observe: bool) -> float:
    """Sum of the step times of one run of the example (fresh cache, own run folder)."""
    env = {**os.environ, "NOTEBOOK_OPS_OBSERVE": "1" if observe else "0", "PYTHONPATH": str(ROOT)}
    work = Path(tempfile.mkdtemp(prefix="nbo-bench-observe-"))
    try:
        cmd = [sys.executable, "-m", "notebook_ops", "run", str(CHURN), "--no-cache"]
        cmd += ["--run-dir", str(work / "run"), "--no-track"]
        proc = subprocess.run(cmd, env=env, capture_output=True, text=True, cwd=ROOT)
        if proc.returncode:
            raise SystemExit(proc.stdout + proc.stderr)
        rec = json.loads((work / "run" / "run.json").read_text())
        steps = rec["steps"].values()
        assert all(("observed" in s) == observe for s in steps), "the switch did not hold"
        return sum(s["duration_s"] for s in steps)
    finally:
        shutil.rmtree(work, ignore_errors=True)


FIXED = textwrap.dedent(
    """
    import json, sys, time
    from notebook_ops.kernel_side import observe
    root, repeat = sys.argv[1], int(sys.argv[2])
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        observe.start("s", root=root)
        seen = observe.finish({})
        times.append(time.perf_counter() - t0)
    print(json.dumps({"best": min(times), "median": sorted(times)[len(times) // 2]}))
    """
)

MANY = textwrap.dedent(
    """
    import json, os, sys, time
    root, observed = sys.argv[1], sys.argv[2] == "1"
    from notebook_ops.kernel_side import observe
    if observed:
        observe.install()
    os.makedirs(os.path.join(root, "many"), exist_ok=True)
    t0 = time.perf_counter()
    if observed:
        observe.start("s", root=root)
    for i in range(1000):
        with open(os.path.join(root, "many", f"f{i}.txt"), "w") as f:
            f.write(str(i))
    total = 0
    for i in range(1000):
        with open(os.path.join(root, "many", f"f{i}.txt")) as f:
            total += int(f.read())
    seen = observe.finish({}) if observed else None
    took = time.perf_counter() - t0
    if observed:
        assert len(seen["writes"]) == 1000, len(seen["writes"])
    print(json.dumps({"s": took}))
    """
)


def py(script: str, *args: str) -> dict:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    out = subprocess.run([sys.executable, "-c", script, *args], env=env, capture_output=True, text=True)
    if out.returncode:
        raise SystemExit(out.stderr)
    return json.loads(out.stdout)


def main() -> None:
    print(f"observation cost (best of {REPEAT}; this machine: {os.cpu_count()} cores, shared)")
    on, off = [], []
    for _ in range(REPEAT):
        off.append(churn_run(False))
        on.append(churn_run(True))
    print(
        f"1. churn example, sum of step times: observed {min(on):.2f} s, unobserved {min(off):.2f} s,"
        f" ratio {min(on) / min(off):.3f} (median {statistics.median(on) / statistics.median(off):.3f})"
    )
    fixed = py(FIXED, str(ROOT), str(max(REPEAT, 5)))
    from notebook_ops.model import load_pipeline

    n_steps = len(load_pipeline(CHURN).step_names)
    mean_step = min(off) / n_steps
    print(
        f"2. fixed cost per step in this checkout ({ROOT.name}): {fixed['best'] * 1000:.1f} ms best,"
        f" {fixed['median'] * 1000:.1f} ms median = {fixed['median'] / mean_step * 100:.2f} % of the"
        f" example's mean step ({mean_step * 1000:.0f} ms, {n_steps} steps)"
    )
    shm = "/dev/shm" if os.path.isdir("/dev/shm") and os.access("/dev/shm", os.W_OK) else None
    work = Path(tempfile.mkdtemp(prefix="nbo-bench-observe-many-", dir=shm))
    try:
        with_hook, without = [], []
        py(MANY, str(work), "0")  # the files exist from here on: every timed run overwrites
        for _ in range(max(REPEAT, 7)):
            without.append(py(MANY, str(work), "0")["s"])
            with_hook.append(py(MANY, str(work), "1")["s"])
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(
        f"3. a step opening 1,000 files (written, then read back, in {work.parent}): observed"
        f" {min(with_hook) * 1000:.1f} ms,"
        f" unobserved {min(without) * 1000:.1f} ms, ratio {min(with_hook) / min(without):.3f}"
    )


if __name__ == "__main__":
    t0 = time.perf_counter()
    main()
    print(f"({time.perf_counter() - t0:.0f} s)")
