"""What the stale-step marks cost the server on each pause in typing (the lab asks after every
pipeline read): ``execution.staleness.staleness`` in-process, next to reading the pipeline.

1. the example (examples/churn.ipynb) after one real run: every step's key computed over the
   cache entries of the steps before it, five cache look-ups, the run folder read;
2. a chain of 20 steps after one real run: 20 step notebooks built (as a run builds them at its
   start), 20 keys over cache entries, next to the same with the last step's code edited;
3. bench_inspect's generated 10,000-cell, 500-step notebook, never run: decided without building
   a step notebook (no cache entry: nothing to reuse).

Each figure is the median of N calls. No kernel starts in either (the run in 1 is set-up).

Usage: python benchmarks/bench_stale.py [--repeat N]
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_inspect import big_notebook  # noqa: E402


def chain_notebook(steps: int) -> dict:
    """``s0`` makes a number, each next step adds one to the one before."""
    cells = [{"cell_type": "code", "id": "s0", "metadata": {"tags": ["step:s0"]}, "source": "v0 = 0"}]
    for i in range(1, steps):
        src = f"v{i} = v{i - 1} + 1"
        cells.append(
            {"cell_type": "code", "id": f"s{i}", "metadata": {"tags": [f"step:s{i}"]}, "source": src}
        )
    for cell in cells:
        cell.update(outputs=[], execution_count=None)
    meta = {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}}
    return {"nbformat": 4, "nbformat_minor": 5, "metadata": meta, "cells": cells}


def median_s(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()

    from notebook_ops.execution import run_notebook
    from notebook_ops.execution.staleness import staleness
    from notebook_ops.model import load_pipeline

    with tempfile.TemporaryDirectory() as tmp:
        example = Path(tmp) / "example" / "churn.ipynb"
        example.parent.mkdir()
        shutil.copy(ROOT / "examples" / "churn.ipynb", example)
        assert run_notebook(example, track=False).ok
        p = load_pipeline(example)
        assert staleness(p).stale == []
        read = median_s(lambda: load_pipeline(example), args.repeat)
        stale = median_s(lambda: staleness(p), args.repeat)
        print(f"example, 5 steps, after a run: staleness {stale * 1000:.1f} ms", end=" ")
        print(f"(reading it: {read * 1000:.1f} ms)")

        chain = Path(tmp) / "chain" / "chain.ipynb"
        chain.parent.mkdir()
        chain.write_text(json.dumps(chain_notebook(20)))
        assert run_notebook(chain, track=False).ok
        p = load_pipeline(chain)
        assert staleness(p).stale == []
        stale = median_s(lambda: staleness(p), args.repeat)
        edited = json.loads(chain.read_text())
        edited["cells"][-1]["source"] += " + 1"
        chain.write_text(json.dumps(edited))
        q = load_pipeline(chain)
        assert staleness(q).stale == ["s19"]
        one = median_s(lambda: staleness(q), args.repeat)
        print(f"chain of 20 steps, after a run: staleness {stale * 1000:.1f} ms,", end=" ")
        print(f"the last step edited {one * 1000:.1f} ms")

        big = Path(tmp) / "big" / "big.ipynb"
        big.parent.mkdir()
        big.write_text(json.dumps(big_notebook()))
        p = load_pipeline(big)
        read = median_s(lambda: load_pipeline(big), max(3, args.repeat // 2))
        stale = median_s(lambda: staleness(p), max(3, args.repeat // 2))
        print(f"500 steps, never run: staleness {stale:.2f} s (reading it: {read:.2f} s)")


if __name__ == "__main__":
    main()
