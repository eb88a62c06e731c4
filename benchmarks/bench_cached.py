"""Fully cached re-runs with tracking on (issue 27: nothing waits for work that will not run),
as whole `notebook-ops run` processes, best of N, interleaved so that load from other processes
hits every side alike:

1. the example (examples/churn.ipynb: synthetic data, no file read);
2. bench_fork.py's realistic notebook (pandas, scikit-learn, matplotlib; its first step reads a
   CSV from `data/`, which the cache key covers): a run whose first step's cache entry was
   looked up with a key that left the CSV out started a zygote importing pandas and
   scikit-learn, and waited for it when closing.

With `--before REV` the same runs also go through git revision REV's `notebook_ops` (extracted
to a temporary folder and put first on PYTHONPATH), each side with its own project folders and
caches. Also counted: whether a re-run started a zygote or a kernel (its kernels.log exists).
Target (issue 27): a fully cached re-run with tracking on <= 0.5 s.

Usage: python benchmarks/bench_cached.py [--repeat N] [--before REV]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
NBO = [str(BIN / "notebook-ops")]
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_fork import REALISTIC, write_data  # noqa: E402  (the fork benchmark's notebook)
from bench_tracking import followers_gone, newest_run  # noqa: E402


def checkout(rev: str, into: Path) -> Path:
    """Revision ``rev``'s notebook_ops package, extracted under ``into``."""
    into.mkdir(parents=True)
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", rev, "notebook_ops"], check=True, capture_output=True
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive, check=True)
    return into


def project(folder: Path, name: str) -> Path:
    folder.mkdir(parents=True)
    if name == "example":
        shutil.copy(ROOT / "examples" / "churn.ipynb", folder / "nb.ipynb")
    else:
        write_data(folder)
        (folder / "nb.ipynb").write_text(json.dumps(REALISTIC))
    return folder / "nb.ipynb"


def timed_run(nb: Path, pythonpath: Path) -> tuple[float, bool]:
    """Wall time of `notebook-ops run` and whether it started any kernel (or zygote)."""
    env = {k: v for k, v in os.environ.items() if k != "MLFLOW_TRACKING_URI"}
    env["PYTHONPATH"] = str(pythonpath)
    t = time.perf_counter()
    p = subprocess.run(
        NBO + ["run", str(nb), "--quiet"], cwd=nb.parent, env=env, capture_output=True, text=True
    )
    dt = time.perf_counter() - t
    if p.returncode != 0:
        raise RuntimeError(f"run {nb} -> {p.returncode}\n{p.stderr[-2000:]}")
    followers_gone(nb.parent)
    started = (newest_run(nb.parent) / "logs" / "kernels.log").exists()
    return dt, started


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--before", help="a git revision to compare with (e.g. main)")
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="nbo-bench-cached-"))
    sides = {"this checkout": ROOT}
    if args.before:
        sides[f"before ({args.before})"] = checkout(args.before, work / "before")
    nbs = {
        (side, name): project(work / f"{i}-{name}", name)
        for i, side in enumerate(sides)
        for name in ("example", "realistic")
    }
    for (side, _name), nb in nbs.items():  # the first run fills the cache
        timed_run(nb, sides[side])
    rows: dict[tuple[str, str], list[float]] = {}
    kernels: dict[tuple[str, str], bool] = {}
    for i in range(args.repeat):
        print(f"round {i + 1}/{args.repeat}", flush=True)
        for (side, name), nb in nbs.items():
            dt, started = timed_run(nb, sides[side])
            rows.setdefault((side, name), []).append(dt)
            kernels[(side, name)] = kernels.get((side, name), False) or started
    print(f"\n{'fully cached re-run, tracking on':45} {'best s':>8} {'median s':>9}  kernels started")
    for (side, name), v in rows.items():
        v = sorted(v)
        print(f"{name + ': ' + side:45} {v[0]:8.2f} {v[len(v) // 2]:9.2f}  {kernels[(side, name)]}")
    print("target: <= 0.5 s")
    shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
