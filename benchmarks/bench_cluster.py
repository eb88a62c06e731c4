"""What running the steps on a Dask cluster costs: the diamond (4 steps, 2 parallel branches) on a
2-worker cluster on loopback vs the local runner, and a one-step no-op pipeline's task against a
no-op Dask task, data in an S3 server (moto) for all.

Run: .venv/bin/python benchmarks/bench_cluster.py
The scheduler, the two workers (one thread each, no nanny) and the S3 server are processes this
script starts and stops (tests/cluster/daskcluster.py, tests/s3server.py). Side by side:

- the diamond's wall time (median of BENCH_REPEAT runs) locally with forked kernels (-j2) and on
  the cluster with each worker's warm zygote and the kernel it forked ahead of the tasks (issue
  27; the first cluster run, whose zygotes are still importing, is reported apart) and with fresh
  kernels (``--kernels fresh``: before);
- per task, from run.json: queued (submitted -> started on the worker), start-up (-> kernel
  ready), code (the notebook's run), and the overhead: a step's time minus its code's;
- that overhead against a no-op Dask task's round trip (``client.submit(int, 1)``), on a
  one-step pipeline whose code does nothing (``x = 1``), BENCH_NOOP runs.

Figures are for this machine (2 cores, shared: the load average is printed at the start and the
end); the point is the ratios. The last lines put each figure beside its target.
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
NOOP_RUNS = int(os.environ.get("BENCH_NOOP", "5"))
DIAMOND = [
    ("import notebook_ops as nbo", ["setup"]),
    ("n = 1000", ["parameters"]),
    ("base = list(range(n))", ["step:start"]),
    ("left = sum(base)", ["step:left", "after:start"]),
    ("right = max(base)", ["step:right", "after:start"]),
    ("total = left + right\nnbo.log_metric('total', total)", ["step:join", "after:left", "after:right"]),
]
NOOP = [("import notebook_ops as nbo", ["setup"]), ("x = 1", ["step:noop"])]
PARTS = ("queued_s", "startup_s", "code_s")


def one(nb: Path, url: str, **kw) -> tuple[float, list[dict]]:
    """(wall s, the step records) of one run."""
    from notebook_ops.execution import run_notebook

    t0 = time.perf_counter()
    res = run_notebook(nb, data_url=url, track=False, cache=False, **kw)
    wall = time.perf_counter() - t0
    assert res.status == "succeeded", res.record["error"]
    return wall, list(res.record["steps"].values())


def _ms(values) -> str:
    values = [v for v in values if v is not None]
    return f"{statistics.median(values) * 1000:6.0f}" if values else "     -"


def series(label: str, nb: Path, url: str, repeat: int = REPEAT, **kw) -> tuple[float, list[dict]]:
    runs = [one(nb, f"{url}/{i}", **kw) for i in range(repeat)]
    wall = statistics.median(r[0] for r in runs)
    steps = [s for r in runs for s in r[1]]
    over = [s["duration_s"] - s["code_s"] for s in steps if s.get("code_s") is not None]
    queued, startup, code = (_ms(s.get(part) for s in steps) for part in PARTS)
    print(
        f"{label:<40} run {wall:6.2f} s   step {_ms(s['duration_s'] for s in steps)}   queued {queued}"
        f"   start-up {startup}   code {code}   overhead {_ms(over)}",
        flush=True,
    )
    return wall, steps


def round_trip(cluster: DaskCluster, n: int = 50) -> float:
    """Median s of submitting a no-op task and getting its result."""
    with cluster.client() as c:
        c.submit(int, 0, pure=False).result()
        times = []
        for _ in range(n):
            t0 = time.perf_counter()
            c.submit(int, 1, pure=False).result()
            times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main() -> None:
    tmp = Path(tempfile.mkdtemp(prefix="nbo-bench-cluster-"))
    nb, noop = tmp / "diamond.ipynb", tmp / "noop.ipynb"
    nb.write_text(json.dumps(make_notebook(DIAMOND)))
    noop.write_text(json.dumps(make_notebook(NOOP)))
    print(f"load average at the start: {_load()}")
    with s3_server() as s3:
        os.environ.update(s3.env)
        cluster = DaskCluster(s3.env).start()
        try:
            print(f"diamond, 4 steps; medians of {REPEAT} runs; data in S3 (moto) for all; times in ms")
            fork_wall, _ = series("local runner (forked kernels, -j2)", nb, s3.url("fork"), jobs=2)
            fresh_wall, _ = series(
                "Dask, fresh kernels (--kernels fresh)",
                nb,
                s3.url("fresh"),
                cluster=cluster.address,
                kernels="fresh",
            )
            first_wall, _ = series(
                "Dask, first run (zygotes warming)", nb, s3.url("first"), 1, cluster=cluster.address
            )
            warm_wall, _ = series("Dask, warm zygote per worker", nb, s3.url("warm"), cluster=cluster.address)
            print(f"cluster (warm zygotes) / local (forked) run time: {warm_wall / fork_wall:.2f}x")
            print(f"cluster (fresh kernels) / local (forked) run time: {fresh_wall / fork_wall:.2f}x")
            print(f"first cluster run / local (forked) run time: {first_wall / fork_wall:.2f}x")
            rt = round_trip(cluster)
            print(f"\nno-op step, {NOOP_RUNS} runs each; no-op Dask task round trip {rt * 1000:.1f} ms")
            results = {}
            for label, kw in (
                ("Dask, warm zygote per worker", {}),
                ("Dask, fresh kernels (--kernels fresh)", {"kernels": "fresh"}),
            ):
                _, steps = series(
                    label, noop, s3.url(f"noop-{len(results)}"), NOOP_RUNS, cluster=cluster.address, **kw
                )
                results[label] = statistics.median(s["duration_s"] - s["code_s"] for s in steps) - rt
            for label, over in results.items():
                print(f"per-task overhead over a no-op Dask task, {label}: {over * 1000:.0f} ms")
            warm = results["Dask, warm zygote per worker"]
            print(f"\nload average at the end: {_load()}")
            print("side by side (target):")
            print(f"  diamond, cluster (warm) / local (forked): x{warm_wall / fork_wall:.2f}   (<= x1.2)")
            print(f"  per-task overhead over a no-op task, warm workers: {warm * 1000:.0f} ms   (<= 500 ms)")
        finally:
            cluster.stop()


def _load() -> str:
    return " ".join(f"{v:.1f}" for v in os.getloadavg())


if __name__ == "__main__":
    main()
