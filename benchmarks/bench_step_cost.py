"""What a trivial step costs (issue 27, item 1): a chain of 21 one-line steps, each after the
one before, so every step's overhead is on the critical path.

1. whole `notebook-ops run --no-cache --no-track` processes vs `papermill` on the same notebook,
   best of N, interleaved; with `--before REV` also git revision REV's `notebook_ops` (extracted
   to a temporary folder, first on PYTHONPATH); the per-step figure is (run - papermill) / 21;
2. the wait of a new client for an already started kernel (what nbclient does for every step):
   jupyter_client's client (reads IOPub until 0.2 s of silence) vs the pool's
   (`execution/kernel_client.py`), 10 times each, in one process;
3. with `--py-spy`: one run of each side under `py-spy record --subprocesses --idle`, and the
   runner's samples of the step threads split by what they were doing, with the main thread's
   (the scheduler's) busy samples beside them.

Usage: python benchmarks/bench_step_cost.py [--repeat N] [--before REV] [--py-spy]
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
NBO = [str(BIN / "notebook-ops")]
PAPERMILL = [str(BIN / "papermill")]
STEPS = 21
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_cached import checkout  # noqa: E402
from bench_run import _nb  # noqa: E402

CHAIN = _nb(
    [("import json", ["setup"]), ("x0 = 0", ["step:s0"])]
    + [(f"x{i} = x{i - 1} + 1", [f"step:s{i}", f"after:s{i - 1}"]) for i in range(1, STEPS)]
)
# what a step thread's samples were doing (first match wins), for --py-spy
PHASES = [
    ("kernel start (fork, connect, ready, preload), off the critical path", "KernelPool._start_kernel"),
    ("waiting for a job (prewarmed, idle)", "Queue.get"),
    (
        "kernel shutdown, after the step's result is handed over: off the critical path",
        "KernelPool._stop_kernel",
    ),
    ("nbclient: the step's client waits for the kernel", "NotebookClient.setup_kernel"),
    ("papermill: notebook written at each cell's start and end", "NotebookExecutionManager.save"),
    ("cells running in the kernel (plumbing, parameters, code)", "papermill_execute_cells"),
    ("papermill: read, parameterize, write", "papermill/"),
]
SCHEDULER = "the scheduler between steps (cache key, record, metrics; the main thread)"


def timed(cmd, cwd, pythonpath=None) -> float:
    env = dict(os.environ)
    if pythonpath:
        env["PYTHONPATH"] = str(pythonpath)
    t = time.perf_counter()
    p = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True)
    if p.returncode != 0:
        raise RuntimeError(f"{' '.join(map(str, cmd))} -> {p.returncode}\n{p.stderr[-2000:]}")
    return time.perf_counter() - t


def client_waits(n: int = 10) -> dict[str, float]:
    """Median seconds a new client waits for a started, idle kernel: each client class."""
    from jupyter_client.asynchronous import AsyncKernelClient

    from notebook_ops.execution.kernel_client import PromptKernelClient
    from notebook_ops.execution.kernels import KernelPool

    def measure(km):
        async def go():
            out = {}
            for cls in (AsyncKernelClient, PromptKernelClient):
                times = []
                for _ in range(n):
                    kc = cls(parent=km, **km.get_connection_info(session=True))
                    kc.start_channels()
                    t = time.perf_counter()
                    await kc.wait_for_ready(timeout=60)
                    times.append(time.perf_counter() - t)
                    kc.stop_channels()
                out[cls.__name__] = sorted(times)[n // 2]
            return out

        return asyncio.new_event_loop().run_until_complete(go())

    pool = KernelPool(kernels="fork")
    try:
        return pool.submit(measure).result(timeout=300)
    finally:
        pool.close(kill_running=True)


def _record(cmd, cwd, env) -> None:
    """Run py-spy; it can outlive the run it records (seen on a loaded machine): once its child
    has ended, it gets SIGINT, on which it writes what it has."""
    import psutil  # noqa: PLC0415 - only for --py-spy

    spy = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    ended_at = None
    while spy.poll() is None:
        time.sleep(1)
        with contextlib.suppress(psutil.Error):
            alive = [c for c in psutil.Process(spy.pid).children() if c.status() != psutil.STATUS_ZOMBIE]
            ended_at = None if alive else (ended_at or time.monotonic())
        if ended_at is not None and time.monotonic() - ended_at > 10:
            spy.send_signal(signal.SIGINT)
            try:
                spy.wait(timeout=60)
            except subprocess.TimeoutExpired:  # stuck for good: nothing recorded
                spy.kill()
                spy.wait()


def profile(nb: Path, side: str, pythonpath: Path) -> None:
    raw = nb.parent / "profile.raw"
    raw.unlink(missing_ok=True)
    spy = shutil.which("py-spy") or str(BIN / "py-spy")
    cmd = [spy, "record", "--subprocesses", "--idle", "--format", "raw", "-r", "50", "-o", str(raw)]
    cmd += ["--", sys.executable, "-m", "notebook_ops", "run", str(nb), "--no-cache", "--no-track", "--quiet"]
    env = {**os.environ, "PYTHONPATH": str(pythonpath)}
    _record(cmd, nb.parent, env)
    if not raw.exists():
        print("py-spy: could not record (not installed, or no ptrace here)")
        return
    phases: collections.Counter = collections.Counter()
    for line in raw.read_text().splitlines():
        stack, count = line.rsplit(" ", 1)
        frames = stack.split(";")
        procs = [f for f in frames if f.startswith("process ")]
        if len(procs) != 1:  # the runner's threads only
            continue
        if "ParallelSteps.run" in stack and "_slot_main" not in stack:
            if "wait (concurrent" not in stack:
                phases[SCHEDULER] += int(count)
            continue
        if "_slot_main" not in stack:
            continue
        phase = next((name for name, key in PHASES if key in stack), "other")
        phases[phase] += int(count)
    on_path = sum(v for k, v in phases.items() if "off the critical path" not in k and "idle" not in k)
    print(f"\n{side}: one run, per step (on the critical path: {on_path / 50 / STEPS * 1000:.0f} ms)")
    for name, v in phases.most_common():
        print(f"  {v / 50 / STEPS * 1000:7.0f} ms  {name}")


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--before", help="a git revision to compare with (e.g. main)")
    ap.add_argument("--py-spy", action="store_true", dest="pyspy")
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="nbo-bench-step-cost-"))
    nb = work / "chain.ipynb"
    nb.write_text(json.dumps(CHAIN))
    sides = {"this checkout": ROOT}
    if args.before:
        sides[f"before ({args.before})"] = checkout(args.before, work / "before")
    rows: dict[str, list[float]] = {}
    for i in range(args.repeat):
        print(f"round {i + 1}/{args.repeat}", flush=True)
        rows.setdefault("papermill", []).append(
            timed(PAPERMILL + ["--no-progress-bar", str(nb), str(work / "o.ipynb")], work)
        )
        for side, path in sides.items():
            cmd = NBO + ["run", str(nb), "--no-cache", "--no-track", "--quiet"]
            rows.setdefault(side, []).append(timed(cmd, work, path))
    best = {k: min(v) for k, v in rows.items()}
    print(f"\n{STEPS}-step chain       best s   per step over papermill")
    for k, v in best.items():
        extra = "" if k == "papermill" else f"{(v - best['papermill']) / STEPS * 1000:8.0f} ms"
        print(f"{k:20} {v:7.2f}   {extra}")
    waits = client_waits()
    print("\na new client's wait for a started kernel (median of 10):")
    for k, v in waits.items():
        print(f"  {k:20} {v * 1000:6.0f} ms")
    if args.pyspy:
        for side, path in sides.items():
            profile(nb, side, path)
    shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
