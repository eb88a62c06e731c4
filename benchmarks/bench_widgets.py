"""What the ipywidgets panel costs on top of the services it calls, measured in one process:

1. building ``nbo.panel()`` for examples/churn.ipynb vs ``load_pipeline`` alone (the model's part);
2. the same on a 500-step, 10,000-cell notebook (the grid holds 7 widgets per step);
3. the example run from the panel (Run click, progress events into the widgets, wait) vs
   ``run_notebook`` called directly with the same options, interleaved, best of N.

Usage: .venv/bin/python benchmarks/bench_widgets.py [--repeat N]
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))


def timed(fn, n):
    out = []
    for _ in range(n):
        t = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t)
    return statistics.median(out)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()

    from bench_inspect import big_notebook

    from notebook_ops.model import load_pipeline
    from notebook_ops.execution import run_notebook
    from notebook_ops.widgets import panel

    example = ROOT / "examples" / "churn.ipynb"
    panel(example)  # imports warmed
    load = timed(lambda: load_pipeline(example), 10)
    build = timed(lambda: panel(example), 10)
    print(
        f"panel build, example:     {build * 1000:7.1f} ms  (load_pipeline alone {load * 1000:.1f} ms, "
        f"x{build / load:.1f})"
    )

    with tempfile.TemporaryDirectory() as tmp:
        big = Path(tmp) / "big.ipynb"
        big.write_text(json.dumps(big_notebook()))
        load = timed(lambda: load_pipeline(big), 3)
        build = timed(lambda: panel(big), 3)
        print(
            f"panel build, 500 steps:   {build * 1000:7.1f} ms  (load_pipeline alone {load * 1000:.1f} ms, "
            f"x{build / load:.1f})"
        )

        repo = Path(tmp) / "repo"
        repo.mkdir()
        shutil.copy(example, repo / "churn.ipynb")
        subprocess.run(["git", "init", "-q", "-b", "main"], cwd=repo, check=True)
        opts = {"jobs": 2, "track": False, "cache": False}
        p = panel(repo / "churn.ipynb", run_options=opts)
        direct, via = [], []
        for _ in range(args.repeat):
            t = time.perf_counter()
            r = run_notebook(repo / "churn.ipynb", **opts)
            direct.append(time.perf_counter() - t)
            assert r.status in ("succeeded", "below_target"), r.record.get("error")
            t = time.perf_counter()
            p.run_button.click()
            r = p.wait(900)
            via.append(time.perf_counter() - t)
            assert r.status in ("succeeded", "below_target"), p.result.value
        print(
            f"example run via panel:    {min(via):7.2f} s   (run_notebook directly {min(direct):.2f} s, "
            f"x{min(via) / min(direct):.3f}; best of {args.repeat}, no cache, no MLflow)"
        )


if __name__ == "__main__":
    main()
