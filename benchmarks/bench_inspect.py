"""How fast the model is: `inspect` on a 10,000-cell, 500-step notebook, and `notebook-ops --help`.

Run: .venv/bin/python benchmarks/bench_inspect.py   (targets: inspect < 1 s, --help < 0.3 s)
Each figure is the median of several runs of the real CLI as a subprocess, next to the same
machine's `python -c pass` and papermill's `--help` for scale.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BIN = Path(sys.executable).parent


def big_notebook(cells: int = 10_000, steps: int = 500) -> dict:
    per = cells // steps
    out = [
        {
            "cell_type": "code",
            "id": "p",
            "metadata": {"tags": ["parameters"]},
            "outputs": [],
            "execution_count": None,
            "source": "scale = 2  # multiplier\n",
        },
        {
            "cell_type": "code",
            "id": "s",
            "metadata": {"tags": ["setup"]},
            "outputs": [],
            "execution_count": None,
            "source": "import math\n",
        },
    ]
    for s in range(steps):
        for c in range(per):
            tags = [f"step:s{s}"] + (
                [f"after:s{s - 1}", f"after:s{max(s - 2, 0)}"] if s > 1 and c == 0 else []
            )
            prev = f"v{s - 1}_{per - 1}" if s else "scale"
            src = (
                f"v{s}_{c} = {prev if c == 0 else f'v{s}_{c - 1}'} + math.sqrt({c})\n"
                f"def f{s}_{c}(x):\n    return [y * scale for y in range(x) if y % 2]\n"
                f"tmp = sum(f{s}_{c}(3))\n"
            )
            out.append(
                {
                    "cell_type": "code",
                    "id": f"c{s}_{c}",
                    "metadata": {"tags": tags if c == 0 else []},
                    "outputs": [],
                    "execution_count": None,
                    "source": src,
                }
            )
    return {
        "cells": out,
        "metadata": {"kernelspec": {"name": "python3", "language": "python", "display_name": "Python 3"}},
        "nbformat": 4,
        "nbformat_minor": 5,
    }


def timed(cmd, repeat=5) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        subprocess.run(cmd, check=True, capture_output=True)
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        nb = Path(tmp) / "big.ipynb"
        nb.write_text(json.dumps(big_notebook(), indent=1))
        base = timed([sys.executable, "-c", "pass"])
        help_t = timed([str(BIN / "notebook-ops"), "--help"])
        inspect_t = timed([str(BIN / "notebook-ops"), "inspect", str(nb)], repeat=3)
        json_t = timed([str(BIN / "notebook-ops"), "inspect", "--json", str(nb)], repeat=3)
        pm = BIN / "papermill"
        pm_help = timed([str(pm), "--help"], repeat=3) if pm.exists() else None
        print(f"notebook: 10,000 cells, 500 steps, {nb.stat().st_size / 1e6:.1f} MB")
        print(f"python -c pass            {base:6.3f} s")
        print(f"notebook-ops --help       {help_t:6.3f} s   (target < 0.3 s)")
        if pm_help:
            print(
                f"papermill --help          {pm_help:6.3f} s   "
                f"ratio notebook-ops/papermill {help_t / pm_help:.2f}x"
            )
        print(f"inspect big.ipynb         {inspect_t:6.3f} s   (target < 1 s)")
        print(f"inspect --json big.ipynb  {json_t:6.3f} s")


if __name__ == "__main__":
    main()
