"""What measuring a step's cost costs the runner (execution/usage.py).

The meter looks at the kernel's process tree every SAMPLE_EVERY_S: its RSS and CPU times (cheap
counters), its children every TREE_EVERY_S (psutil scans every process), and its PSS (the OS
walks the page tables: /proc/PID/smaps_rollup) only when RSS reaches a new high or
PSS_AT_LEAST_EVERY_S passed. Measured here, against a process shaped like a kernel (a Python
that imported numpy, pandas and IPython, with 200 MiB live): the runner's CPU time for each of
those reads, best of REPEAT batches of SAMPLES; then the share of one core the meter takes while
a step's memory is steady, and while it grows at every sample (PSS read each time).

Run: .venv/bin/python benchmarks/bench_usage.py   (BENCH_REPEAT=N to change the repeats)
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT)]
REPEAT = int(os.environ.get("BENCH_REPEAT", "5"))
SAMPLES = 200
KERNEL_LIKE = (
    "import sys, numpy, pandas, IPython\n"
    "block = b'x' * (200 * 2**20)\n"
    "print('ready', flush=True)\n"
    "sys.stdin.read()\n"
)


def _cost(fn) -> float:
    """Runner CPU seconds per call of ``fn``, best of REPEAT batches."""
    best = float("inf")
    for _ in range(REPEAT):
        t0 = time.process_time()
        for _ in range(SAMPLES):
            fn()
        best = min(best, (time.process_time() - t0) / SAMPLES)
    return best


def main() -> None:
    import psutil

    from notebook_ops.execution import usage

    proc = subprocess.Popen(
        [sys.executable, "-c", KERNEL_LIKE], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
        kernel = [psutil.Process(proc.pid)]
        rss, pss = _cost(lambda: usage._rss(kernel)), _cost(lambda: usage._pss(kernel))
        cpu, tree = _cost(lambda: usage._cpu(kernel[0], [])), _cost(lambda: usage._children(kernel[0]))
        every = usage.SAMPLE_EVERY_S
        steady = (rss + cpu) / every + pss / usage.PSS_AT_LEAST_EVERY_S + tree / usage.TREE_EVERY_S
        growing = (rss + cpu + pss) / every + tree / usage.TREE_EVERY_S
        mib = usage._pss(kernel) / 2**20, usage._rss(kernel) / 2**20
        print(f"kernel-like process: PSS {mib[0]:.0f} MiB, RSS {mib[1]:.0f} MiB")
        for label, t in (("RSS", rss), ("CPU times", cpu), ("PSS", pss), ("children", tree)):
            print(f"  {label:10s} {t * 1000:7.3f} ms per read (best of {REPEAT} x {SAMPLES})")
        print(f"share of one core per running step: {steady:.2%} steady, {growing:.2%} while memory grows")
    finally:
        proc.kill()
        proc.wait()


if __name__ == "__main__":
    main()
