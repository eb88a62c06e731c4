"""How cost grows with the number of steps: `inspect`, export's model part and `run` at 20,
200 and 2,000 trivial steps, as a long chain and as a wide fan-out (issue 27, item 5).

Run: .venv/bin/python benchmarks/bench_scale.py [--sizes 20,200,2000] [--max-run-steps 200]

Shapes: "chain" is ``x{i} = x{i-1} + 1``, each step after the one above it; "fan" is one source
step, N-2 independent steps each reading it, and one sink reading them all (``after:`` every
one). For each it prints:

- inspect: the real CLI as a subprocess (``notebook-ops inspect``) and, in this process, the
  model build alone (``load_pipeline``: tags, graph, analysis, files), per step;
- export's model part, in this process: the step notebooks (``bundle.writer.step_notebooks``)
  and the manifest body, per step (the rest of an export, pins and archives, does not grow with
  the steps in the model);
- run, up to ``--max-run-steps`` steps (a 2,000-step run on two shared cores takes too long to
  be a benchmark): ``notebook-ops run --no-track --no-cache --quiet`` against papermill of the
  same notebook top to bottom, wall time per step and the ratio, and the peak PSS of each
  command's process tree (psutil ``memory_full_info().pss`` summed, sampled every 0.2 s).

The growth columns divide each figure per step by the same figure at the smallest size: ~1
means linear, ~10 at 10x the steps means quadratic. Nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

BIN = Path(sys.executable).parent
NBO = [str(BIN / "notebook-ops")]
PAPERMILL = [str(BIN / "papermill")]
SHAPES = ("chain", "fan")


def _cell(i, src: str, tags: list[str]) -> dict:
    return {
        "cell_type": "code",
        "id": f"c{i}",
        "metadata": {"tags": tags},
        "outputs": [],
        "execution_count": None,
        "source": src,
    }


def scale_notebook(steps: int, shape: str) -> dict:
    """A notebook of ``steps`` trivial steps shaped as a chain or a fan-out with a sink."""
    cells = [_cell("p", "x0 = 0  # start\n", ["parameters"])]
    if shape == "chain":
        cells += [_cell(i, f"x{i} = x{i - 1} + 1\n", [f"step:s{i}"]) for i in range(1, steps + 1)]
    else:
        middle = range(1, steps - 1)
        cells.append(_cell(0, "src = x0 + 1\n", ["step:source"]))
        cells += [_cell(i, f"y{i} = src + {i}\n", [f"step:f{i}", "after:source"]) for i in middle]
        cells.append(
            _cell(
                steps,
                "total = sum([" + ", ".join(f"y{i}" for i in middle) + "])\n",
                ["step:sink"] + [f"after:f{i}" for i in middle],
            )
        )
    return {
        "cells": cells,
        "metadata": {"kernelspec": {"name": "python3", "language": "python", "display_name": "Python 3"}},
        "nbformat": 4,
        "nbformat_minor": 5,
    }


def timed(cmd, cwd, repeat: int = 1) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        p = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True)
        times.append(time.perf_counter() - t)
        if p.returncode != 0:
            raise RuntimeError(f"{' '.join(map(str, cmd))} -> {p.returncode}\n{p.stderr[-2000:]}")
    return statistics.median(times)


def in_process(fn, repeat: int = 1) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def run_with_peak_pss(cmd, cwd) -> tuple[float, float]:
    """(wall s, peak PSS MiB summed over the command's process tree)."""
    import psutil

    t = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    root = psutil.Process(proc.pid)
    peak = [0.0]
    done = threading.Event()

    def sample():
        while not done.is_set():
            try:
                procs = [root, *root.children(recursive=True)]
            except psutil.Error:
                procs = []
            pss = 0
            for p in procs:
                try:
                    info = p.memory_full_info()
                except psutil.Error:
                    continue
                pss += getattr(info, "pss", info.rss)
            peak[0] = max(peak[0], pss / 2**20)
            done.wait(0.2)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    _, err = proc.communicate()
    wall = time.perf_counter() - t
    done.set()
    sampler.join()
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(map(str, cmd))} -> {proc.returncode}\n{err[-2000:]}")
    return wall, peak[0]


def measure(nb: Path, steps: int, run: bool, repeat: int) -> dict:
    from notebook_ops.bundle import manifest, writer
    from notebook_ops.model import load_pipeline

    row: dict = {"inspect_cli": timed(NBO + ["inspect", str(nb)], nb.parent, repeat)}
    row["model"] = in_process(lambda: load_pipeline(nb), repeat)
    pipeline = load_pipeline(nb)
    assert len(pipeline.steps) == steps and pipeline.ok, [p.message for p in pipeline.errors][:3]
    row["export_model"] = in_process(
        lambda: (
            writer.step_notebooks(pipeline),
            manifest.body(pipeline, name=pipeline.name, requirements=[], targets=[], files={}),
        ),
        repeat,
    )
    if run:
        out = nb.parent / "papermill-out.ipynb"
        row["pm"], row["pm_pss"] = run_with_peak_pss(
            PAPERMILL + ["--no-progress-bar", str(nb), str(out)], nb.parent
        )
        row["run"], row["run_pss"] = run_with_peak_pss(
            NBO + ["run", str(nb), "--no-track", "--no-cache", "--quiet"], nb.parent
        )
    return row


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="20,200,2000", help="numbers of steps, comma-separated")
    ap.add_argument("--shapes", default=",".join(SHAPES))
    ap.add_argument("--max-run-steps", type=int, default=200, help="run (and papermill) only up to this size")
    ap.add_argument("--repeat", type=int, default=3, help="median of this many inspect/model timings")
    args = ap.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    shapes = [s for s in args.shapes.split(",") if s]
    work = Path(tempfile.mkdtemp(prefix="nbo-bench-scale-"))
    warm = work / "warm.ipynb"  # imports paid here, not by the first size measured
    warm.write_text(json.dumps(scale_notebook(3, "chain")))
    measure(warm, 3, run=False, repeat=1)
    load0 = os.getloadavg()
    rows: dict[tuple[str, int], dict] = {}
    for shape in shapes:
        for n in sizes:
            folder = work / f"{shape}{n}"
            folder.mkdir()
            nb = folder / f"{shape}{n}.ipynb"
            nb.write_text(json.dumps(scale_notebook(n, shape)))
            print(f"{shape} {n} steps (load {os.getloadavg()[0]:.1f})", flush=True)
            rows[(shape, n)] = measure(nb, n, n <= args.max_run_steps, args.repeat)
    load1 = os.getloadavg()

    print(
        f"\nload average {load0[0]:.1f} at the start, {load1[0]:.1f} at the end; {os.cpu_count()} cores; "
        f"run only up to {args.max_run_steps} steps; times in ms per step unless marked s"
    )
    head = (
        f"{'shape':6} {'N':>5} {'inspect s':>9} {'model':>7} {'growth':>6} {'export':>7} {'growth':>6} "
        f"{'run':>7} {'pm':>7} {'x pm':>5} {'over':>7} {'PSS MiB':>8} {'pm PSS':>7}"
    )
    print(head)
    for shape in shapes:
        base = rows[(shape, sizes[0])]
        for n in sizes:
            r = rows[(shape, n)]
            per = {k: 1000 * r[k] / n for k in ("model", "export_model", "run", "pm") if k in r}
            grow = {k: per[k] / (1000 * base[k] / sizes[0]) for k in ("model", "export_model")}
            line = (
                f"{shape:6} {n:5d} {r['inspect_cli']:9.2f} {per['model']:7.2f} {grow['model']:6.1f} "
                f"{per['export_model']:7.2f} {grow['export_model']:6.1f}"
            )
            if "run" in r:
                line += (
                    f" {per['run']:7.0f} {per['pm']:7.0f} {r['run'] / r['pm']:5.2f}"
                    f" {per['run'] - per['pm']:7.0f} {r['run_pss']:8.0f} {r['pm_pss']:7.0f}"
                )
            else:
                line += f" {'(not run)':>7}"
            print(line)
    print(
        "\nmodel: load_pipeline in this process; export: step notebooks + manifest body; growth: per-step"
        " cost over the smallest size's; run/pm: notebook-ops run and papermill wall ms per step;"
        " over: run minus papermill per step; PSS: peak of the process tree"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
