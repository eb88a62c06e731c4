"""What running the steps on a Dask cluster costs: the diamond (4 steps, 2 parallel branches) on a
2-worker cluster on loopback vs the local runner, data in an S3 server (moto) for both.

Run: .venv/bin/python benchmarks/bench_cluster.py
The scheduler, the two workers (one thread each, no nanny) and the S3 server are processes this
script starts and stops (tests/cluster/daskcluster.py, tests/s3server.py). Reported: the wall
time of a run (median), the mean step time as run.json records it (submit to result, so it holds
the kernel's start), and the overhead per task: the cluster's mean step time minus the local
runner's with fresh kernels (a worker starts a fresh kernel per step, as `run-step` does), and
the bare round trip of a no-op Dask task. Figures are for this machine (2 cores, shared); the
point is the ratio.
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "tests" / "cluster"), str(ROOT / "tests"), str(ROOT)]

from daskcluster import DaskCluster  # noqa: E402
from nbfactory import make_notebook  # noqa: E402
from s3server import s3_server  # noqa: E402

REPEAT = int(os.environ.get("BENCH_REPEAT", "3"))
DIAMOND = [
    ("import notebook_ops as nbo", ["setup"]),
    ("n = 1000", ["parameters"]),
    ("base = list(range(n))", ["step:start"]),
    ("left = sum(base)", ["step:left", "after:start"]),
    ("right = max(base)", ["step:right", "after:start"]),
    ("total = left + right\nnbo.log_metric('total', total)", ["step:join", "after:left", "after:right"]),
]


def one(nb: Path, url: str, **kw) -> tuple[float, float]:
    """(wall s, mean step s) of one run."""
    from notebook_ops.execution import run_notebook

    t0 = time.perf_counter()
    res = run_notebook(nb, data_url=url, track=False, cache=False, **kw)
    wall = time.perf_counter() - t0
    assert res.status == "succeeded", res.record["error"]
    return wall, statistics.mean(s["duration_s"] for s in res.record["steps"].values())


def series(label: str, nb: Path, url: str, **kw) -> tuple[float, float]:
    runs = [one(nb, f"{url}/{i}", **kw) for i in range(REPEAT)]
    wall = statistics.median(r[0] for r in runs)
    step = statistics.median(r[1] for r in runs)
    print(f"{label:<34} run {wall:6.2f} s   mean step {step * 1000:7.0f} ms", flush=True)
    return wall, step


def round_trip(cluster: DaskCluster, n: int = 50) -> float:
    """Median ms of submitting a no-op task and getting its result."""
    with cluster.client() as c:
        c.submit(int, 0, pure=False).result()
        times = []
        for _ in range(n):
            t0 = time.perf_counter()
            c.submit(int, 1, pure=False).result()
            times.append(time.perf_counter() - t0)
    return statistics.median(times) * 1000


def main() -> None:
    tmp = Path(tempfile.mkdtemp(prefix="nbo-bench-cluster-"))
    nb = tmp / "diamond.ipynb"
    nb.write_text(json.dumps(make_notebook(DIAMOND)))
    with s3_server() as s3:
        os.environ.update(s3.env)
        cluster = DaskCluster(s3.env).start()
        try:
            print(f"diamond, 4 steps; medians of {REPEAT} runs; data in S3 (moto) for all", flush=True)
            fork_wall, fork_step = series("local runner (forked kernels, -j2)", nb, s3.url("fork"), jobs=2)
            fresh_wall, fresh_step = series(
                "local runner (fresh kernels, -j2)", nb, s3.url("fresh"), jobs=2, kernels="fresh"
            )
            dask_wall, dask_step = series(
                "Dask cluster (2 workers)", nb, s3.url("dask"), cluster=cluster.address
            )
            rt = round_trip(cluster)
            print(f"cluster / local (forked) run time: {dask_wall / fork_wall:.2f}x", flush=True)
            print(f"cluster / local (fresh) run time:  {dask_wall / fresh_wall:.2f}x", flush=True)
            print(f"overhead per task vs fresh local kernels: {(dask_step - fresh_step) * 1000:.0f} ms")
            print(f"overhead per task vs forked local kernels: {(dask_step - fork_step) * 1000:.0f} ms")
            print(f"no-op Dask task round trip: {rt:.1f} ms")
        finally:
            cluster.stop()


if __name__ == "__main__":
    main()
