"""Runner benchmarks, side by side in one run, as command-line wall-clock times (best of N,
interleaved so that load from other processes hits both sides alike):

1. the example pipeline (examples/churn.ipynb): `notebook-ops run` (a kernel per step) vs plain
   `papermill` on the same notebook;
2. a diamond whose two branches each sleep 2 s: `notebook-ops run` vs papermill top to bottom
   (target <= 0.75x);
3. a cached re-run with nothing changed (target < 0.5 s), without and with MLflow tracking;
4. `--single-kernel` vs papermill on the example (target <= 1.05x);
5. `ploomber build` of three of the example's steps written as Ploomber tasks vs
   `notebook-ops run --steps` of the same three steps (Ploomber goes into its own venv under
   /tmp; skipped with a note if it does not install);
6. the same comparisons inside one process, without interpreter start-up on either side.

Usage: python benchmarks/bench_run.py [--repeat N]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
NBO = [str(BIN / "notebook-ops")]
PAPERMILL = [str(BIN / "papermill")]
PLOOMBER_VENV = Path(os.environ.get("NBO_BENCH_PLOOMBER_VENV", "/tmp/nbo-bench-ploomber"))


def _nb(cells):
    out = []
    for i, (src, tags) in enumerate(cells):
        out.append(
            {
                "cell_type": "code",
                "id": f"c{i}",
                "metadata": {"tags": tags},
                "execution_count": None,
                "outputs": [],
                "source": src,
            }
        )
    return {
        "cells": out,
        "nbformat": 4,
        "nbformat_minor": 5,
        "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
    }


DIAMOND = _nb(
    [
        ("import time", ["setup"]),
        ("delay = 2.0  # seconds each branch sleeps", ["parameters"]),
        ("start = 1", ["step:start"]),
        ("time.sleep(delay)\nleft = start * 2", ["step:left", "after:start"]),
        ("time.sleep(delay)\nright = start * 3", ["step:right", "after:start"]),
        ("total = left + right", ["step:join", "after:left", "after:right"]),
    ]
)

PLOOMBER_TASKS = {
    "load.py": """# %% tags=["parameters"]
upstream = None
product = None
n_customers = 2000
seed = 7
# %%
import numpy as np
import pandas as pd
rng = np.random.default_rng(seed)
tenure = rng.integers(1, 72, n_customers)
monthly = rng.normal(65, 20, n_customers).clip(10, 150)
support_calls = rng.poisson(1.5, n_customers)
logit = -1.0 - 0.05 * tenure + 0.03 * (monthly - 65) + 0.6 * support_calls
churned = rng.random(n_customers) < 1 / (1 + np.exp(-logit))
customers = pd.DataFrame({"tenure": tenure, "monthly": monthly,
                          "support_calls": support_calls, "churned": churned})
customers.to_parquet(product["data"])
""",
    "features.py": """# %% tags=["parameters"]
upstream = ["load"]
product = None
test_fraction = 0.25
# %%
import numpy as np
import pandas as pd
customers = pd.read_parquet(upstream["load"]["data"])
X = customers[["tenure", "monthly", "support_calls"]].to_numpy(dtype=float)
X = (X - X.mean(axis=0)) / X.std(axis=0)
y = customers["churned"].to_numpy(dtype=bool)
split = int(len(X) * (1 - test_fraction))
np.savez(product["data"], X_train=X[:split], X_test=X[split:], y_train=y[:split], y_test=y[split:])
""",
    "train.py": """# %% tags=["parameters"]
upstream = ["features"]
product = None
learning_rate = 0.5
epochs = 200
# %%
import pickle
import numpy as np
d = np.load(upstream["features"]["data"])
X_train, y_train = d["X_train"], d["y_train"]
w = np.zeros(X_train.shape[1])
b = 0.0
for _ in range(epochs):
    p = 1 / (1 + np.exp(-(X_train @ w + b)))
    w -= learning_rate * X_train.T @ (p - y_train) / len(y_train)
    b -= learning_rate * float(np.mean(p - y_train))
with open(product["data"], "wb") as f:
    pickle.dump({"w": w, "b": b}, f)
""",
}
PLOOMBER_YAML = """tasks:
  - source: load.py
    product: {nb: out/load.ipynb, data: out/customers.parquet}
  - source: features.py
    product: {nb: out/features.ipynb, data: out/features.npz}
  - source: train.py
    product: {nb: out/train.ipynb, data: out/model.pkl}
"""


def timed(cmd, cwd, env=None, ok=(0,)) -> float:
    t = time.perf_counter()
    p = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, env=env)
    dt = time.perf_counter() - t
    if p.returncode not in ok:
        raise RuntimeError(f"{' '.join(map(str, cmd))} -> {p.returncode}\n{p.stderr[-2000:]}")
    return dt


def ploomber_env() -> tuple[Path | None, str]:
    exe = PLOOMBER_VENV / "bin" / "ploomber"
    if exe.exists():
        return exe, "ready"
    try:
        subprocess.run([sys.executable, "-m", "venv", str(PLOOMBER_VENV)], check=True)
        subprocess.run(
            [
                str(PLOOMBER_VENV / "bin" / "pip"),
                "install",
                "-q",
                "ploomber",
                "ipykernel",
                "pandas",
                "numpy",
                "pyarrow",
            ],
            check=True,
            capture_output=True,
            timeout=900,
        )
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired, OSError) as exc:
        return None, f"ploomber did not install ({exc})"
    return (exe, "installed") if exe.exists() else (None, "ploomber did not install")


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="nbo-bench-run-"))
    env = {k: v for k, v in os.environ.items() if k != "MLFLOW_TRACKING_URI"}
    churn = work / "churn.ipynb"
    shutil.copy(ROOT / "examples" / "churn.ipynb", churn)
    diamond = work / "diamond.ipynb"
    diamond.write_text(json.dumps(DIAMOND))
    quiet = ["--quiet", "--no-track"]
    rows: dict[str, list[float]] = {}

    def add(name, seconds):
        rows.setdefault(name, []).append(seconds)

    pl_exe, pl_note = ploomber_env()
    pl_dir = work / "ploomber"
    if pl_exe:
        pl_dir.mkdir()
        for name, src in PLOOMBER_TASKS.items():
            (pl_dir / name).write_text(src)
        (pl_dir / "pipeline.yaml").write_text(PLOOMBER_YAML)

    for i in range(args.repeat):
        print(f"round {i + 1}/{args.repeat}", flush=True)
        add("churn: papermill", timed(PAPERMILL + ["--no-progress-bar", churn, work / "o.ipynb"], work))
        add("churn: notebook-ops run", timed(NBO + ["run", churn, "--no-cache"] + quiet, work))
        add(
            "churn: notebook-ops --single-kernel",
            timed(NBO + ["run", churn, "--single-kernel"] + quiet, work),
        )
        add("diamond: papermill", timed(PAPERMILL + ["--no-progress-bar", diamond, work / "o.ipynb"], work))
        add("diamond: notebook-ops run", timed(NBO + ["run", diamond, "--no-cache"] + quiet, work))
        add("cached re-run (diamond, --no-track)", timed(NBO + ["run", diamond] + quiet, work))
        add(
            "cached re-run (diamond, MLflow tracking)",
            timed(NBO + ["run", diamond, "--quiet"], work, env=env),
        )
        if pl_exe:
            add("3 steps: ploomber build", timed([str(pl_exe), "build", "--force"], pl_dir))
            add(
                "3 steps: notebook-ops run --steps",
                timed(
                    NBO + ["run", churn, "--steps", "load,features,train_linear", "--no-cache"] + quiet, work
                ),
            )

    # the same comparisons inside one process (no interpreter start-up or imports on either
    # side): what the runner itself costs or saves over papermill
    import papermill

    from notebook_ops.model import load_pipeline
    from notebook_ops.execution import run_pipeline

    pipes = {"churn": load_pipeline(churn), "diamond": load_pipeline(diamond)}
    for _ in range(args.repeat):
        for name, path in (("churn", churn), ("diamond", diamond)):
            t = time.perf_counter()
            papermill.execute_notebook(str(path), str(work / "o.ipynb"), progress_bar=False)
            add(f"in-process {name}: papermill", time.perf_counter() - t)
            t = time.perf_counter()
            run_pipeline(pipes[name], cache=False, track=False)
            add(f"in-process {name}: run_pipeline", time.perf_counter() - t)
        t = time.perf_counter()
        run_pipeline(pipes["churn"], single_kernel=True, track=False)
        add("in-process churn: run_pipeline single kernel", time.perf_counter() - t)

    best = {k: min(v) for k, v in rows.items()}
    print(f"\n{'measurement':45} {'best s':>8} {'median s':>9}")
    for k, v in rows.items():
        print(f"{k:45} {min(v):8.2f} {statistics.median(v):9.2f}")

    def ratio(a, b, target=None):
        r = best[a] / best[b]
        t = f"  (target <= {target})" if target else ""
        print(f"{a} / {b}: {r:.2f}x{t}")

    print()
    ratio("churn: notebook-ops run", "churn: papermill")
    ratio("diamond: notebook-ops run", "diamond: papermill", 0.75)
    ratio("churn: notebook-ops --single-kernel", "churn: papermill", 1.05)
    print(
        f"cached re-run: {best['cached re-run (diamond, --no-track)']:.2f} s (target < 0.5 s); "
        f"with MLflow: {best['cached re-run (diamond, MLflow tracking)']:.2f} s"
    )
    ratio("in-process churn: run_pipeline", "in-process churn: papermill")
    ratio("in-process diamond: run_pipeline", "in-process diamond: papermill", 0.75)
    ratio("in-process churn: run_pipeline single kernel", "in-process churn: papermill", 1.05)
    if pl_exe:
        ratio("3 steps: notebook-ops run --steps", "3 steps: ploomber build")
    else:
        print(f"ploomber: {pl_note}")
    print(f"(load average during the run: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)")
    shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
