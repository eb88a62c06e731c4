"""The runtime check for objects changed in place: what it costs per step.

After a step, each object it received and may hand on is checked for change (kernel_side/fingerprint.py):
pandas and numpy by a content hash taken at load and after the step, anything else by serialising
it once after the step. This prints, for a DataFrame of about 1 GB (and smaller ones), the two
hashes the check takes against what saving and loading the object cost in the same run, and the
check's cost on the example notebook's steps (which receive objects no later step reads from them,
so nothing is watched there). Sizes: NBO_BENCH_GB (default 1.0).
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from notebook_ops.model.build import load_pipeline  # noqa: E402
from notebook_ops.kernel_side.fingerprint import content_hash  # noqa: E402
from notebook_ops.kernel_side.data_store import DataStore  # noqa: E402


def best(fn, n=3):
    times = []
    for _ in range(n):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def frame(gb: float) -> pd.DataFrame:
    rows = int(gb * 1e9 / (8 * 16))
    rng = np.random.default_rng(0)
    cols = {f"f{i}": rng.random(rows) for i in range(14)}
    cols["i"] = rng.integers(0, 1000, rows)
    cols["k"] = pd.Categorical(rng.integers(0, 50, rows).astype(str))
    return pd.DataFrame(cols)


def main() -> None:
    gb = float(os.environ.get("NBO_BENCH_GB", "1.0"))
    print(f"{'size':>8} {'hash':>8} {'check (2 hashes)':>17} {'save':>8} {'load':>8}  check/save")
    with tempfile.TemporaryDirectory() as tmp:
        store = DataStore(tmp)
        for size in sorted({0.01, 0.1, gb}):
            df = frame(size)
            mb = df.memory_usage(deep=True).sum() / 1e6
            h = best(lambda df=df: content_hash(df), 3 if size < 0.5 else 2)
            s = best(lambda df=df: store.save_values("bench", {"df": df}), 2 if size < 0.5 else 1)
            ld = best(lambda: store.load_value("bench", "df"), 2 if size < 0.5 else 1)
            print(f"{mb:>6.0f}MB {h:>7.3f}s {2 * h:>16.3f}s {s:>7.3f}s {ld:>7.3f}s  x{2 * h / s:.2f}")

    p = load_pipeline(ROOT / "examples" / "churn.ipynb")
    watched = {s.name: list(s.watch) for s in p.steps if s.watch}
    print(f"example: steps with watched inputs: {watched or 'none'} (the check costs nothing there)")


if __name__ == "__main__":
    main()
