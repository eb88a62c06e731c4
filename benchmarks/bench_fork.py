"""Step kernels forked from a warmed zygote (`--kernels fork`) against fresh kernels
(`--kernels fresh`) and plain `papermill` on the same notebook, as whole processes side by side
(best of N, interleaved so that load from other processes hits every side alike):

1. a realistic notebook written here: pandas, scikit-learn and matplotlib imported in its setup
   cell, a CSV in a data/ folder beside it, a feature step, five models trained in parallel,
   an evaluate step that plots;
2. the example (examples/churn.ipynb) and the diamond of bench_run.py (two 2 s branches);
3. peak memory of one run of the realistic notebook, fork vs fresh: the sum over the run's
   process tree (runner, zygote, kernels) of RSS and of PSS (shared pages split between the
   processes that share them, from /proc/<pid>/smaps_rollup), sampled every 0.1 s.

Wall is the command's; CPU is user + system of the command and every process it waited for
(`getrusage(RUSAGE_CHILDREN)` around it: kernels, forked ones through the zygote, included).

With `--before REV`, also `--kernels fork` of git revision REV's `notebook_ops` (extracted to a
temporary folder, first on PYTHONPATH), in the same rounds; `--only NAME` runs one notebook.

Usage: python benchmarks/bench_fork.py [--repeat N] [--before REV] [--only realistic]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
NBO = [str(BIN / "notebook-ops")]
PAPERMILL = [str(BIN / "papermill")]
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_run import DIAMOND, _nb  # noqa: E402  (the runner benchmark's diamond)

MODELS = {
    "logistic": "LogisticRegression(max_iter=500)",
    "forest": "RandomForestClassifier(n_estimators=60, random_state=0, n_jobs=1)",
    "boosting": "GradientBoostingClassifier(n_estimators=60, random_state=0)",
    "knn": "KNeighborsClassifier(n_neighbors=15)",
    "tree": "DecisionTreeClassifier(max_depth=6, random_state=0)",
}
REALISTIC = _nb(
    [
        (
            "import numpy as np\nimport pandas as pd\nimport matplotlib.pyplot as plt\n"
            "from sklearn.model_selection import train_test_split\n"
            "from sklearn.preprocessing import StandardScaler\n"
            "from sklearn.linear_model import LogisticRegression\n"
            "from sklearn.ensemble import RandomForestClassifier, GradientBoostingClassifier\n"
            "from sklearn.neighbors import KNeighborsClassifier\n"
            "from sklearn.tree import DecisionTreeClassifier\n"
            "from sklearn.metrics import accuracy_score\n"
            "import notebook_ops as nbo",
            ["setup"],
        ),
        ("data_file = 'data/customers.csv'  # the input table\ntest_size = 0.25", ["parameters"]),
        (
            "df = pd.read_csv(data_file)\ndf['spend_per_month'] = df['spend'] / df['tenure']\n"
            "features = [c for c in df.columns if c != 'churned']\n"
            "X = StandardScaler().fit_transform(df[features])\ny = df['churned'].to_numpy()\n"
            "X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=test_size, "
            "random_state=0)",
            ["step:features"],
        ),
        *[
            (f"{name}_model = {est}.fit(X_train, y_train)", [f"step:{name}", "after:features"])
            for name, est in MODELS.items()
        ],
        (
            "scores = {n: accuracy_score(y_test, m.predict(X_test)) for n, m in ["
            + ", ".join(f"('{n}', {n}_model)" for n in MODELS)
            + "]}\n"
            "for n, s in scores.items():\n    nbo.log_metric(n, s)\n"
            "fig, ax = plt.subplots(figsize=(5, 3))\nax.bar(list(scores), list(scores.values()))\n"
            "plt.show()\nprint(scores)",
            ["step:evaluate", *[f"after:{n}" for n in MODELS]],
        ),
    ]
)


def write_data(folder: Path, rows: int = 6000) -> None:
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(7)
    tenure = rng.integers(1, 72, rows)
    monthly = rng.normal(65, 20, rows).clip(10, 150)
    cols = {
        "tenure": tenure,
        "monthly": monthly,
        "spend": tenure * monthly,
        "support_calls": rng.poisson(1.5, rows),
        "age": rng.integers(18, 90, rows),
    }
    for i in range(8):
        cols[f"usage_{i}"] = rng.normal(0, 1, rows)
    logit = -1.0 - 0.05 * tenure + 0.03 * (monthly - 65) + 0.6 * cols["support_calls"] + 0.5 * cols["usage_0"]
    cols["churned"] = (rng.random(rows) < 1 / (1 + np.exp(-logit))).astype(int)
    (folder / "data").mkdir(exist_ok=True)
    pd.DataFrame(cols).to_csv(folder / "data" / "customers.csv", index=False)


def measured(cmd, cwd, pythonpath=None) -> tuple[float, float]:
    """(wall s, CPU s of the command and the processes it waited for)."""
    env = dict(os.environ)
    if pythonpath:
        env["PYTHONPATH"] = str(pythonpath)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    p = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, env=env)
    wall = time.perf_counter() - t
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if p.returncode != 0:
        raise RuntimeError(f"{' '.join(map(str, cmd))} -> {p.returncode}\n{p.stderr[-2000:]}")
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def peak_memory(cmd, cwd) -> tuple[float, float]:
    """(peak RSS MB, peak PSS MB) summed over the command's process tree."""
    import psutil

    proc = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    root = psutil.Process(proc.pid)
    peak = [0.0, 0.0]
    done = threading.Event()

    def sample():
        while not done.is_set():
            rss = pss = 0
            try:
                procs = [root, *root.children(recursive=True)]
            except psutil.Error:
                procs = []
            for p in procs:
                try:
                    info = p.memory_full_info()
                except psutil.Error:
                    continue
                rss += info.rss
                pss += getattr(info, "pss", info.rss)
            peak[0], peak[1] = max(peak[0], rss / 2**20), max(peak[1], pss / 2**20)
            time.sleep(0.1)

    t = threading.Thread(target=sample, daemon=True)
    t.start()
    proc.wait()
    done.set()
    t.join()
    return peak[0], peak[1]


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--before", help="a git revision to compare with (e.g. main)")
    ap.add_argument("--only", choices=["realistic", "example", "diamond"])
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="nbo-bench-fork-"))
    notebooks = {
        "realistic": work / "models.ipynb",
        "example": work / "churn.ipynb",
        "diamond": work / "diamond.ipynb",
    }
    notebooks["realistic"].write_text(json.dumps(REALISTIC))
    shutil.copy(ROOT / "examples" / "churn.ipynb", notebooks["example"])
    notebooks["diamond"].write_text(json.dumps(DIAMOND))
    write_data(work)
    if args.only:
        notebooks = {args.only: notebooks[args.only]}
    load0 = os.getloadavg()
    sides = {
        "papermill": lambda nb: PAPERMILL + ["--no-progress-bar", str(nb), str(work / "o.ipynb")],
        "fresh": lambda nb: (
            NBO + ["run", str(nb), "--no-track", "--no-cache", "--quiet", "--kernels", "fresh"]
        ),
        "fork": lambda nb: NBO + ["run", str(nb), "--no-track", "--no-cache", "--quiet", "--kernels", "fork"],
    }
    paths = {}  # side -> the notebook_ops it runs, when not this checkout's
    if args.before:
        from bench_cached import checkout  # noqa: PLC0415 - bench_cached imports this module

        side = f"fork ({args.before})"
        sides[side] = sides["fork"]
        paths[side] = checkout(args.before, work / "before")
    best: dict[tuple[str, str], list[float]] = {}
    for i in range(args.repeat):
        print(f"round {i + 1}/{args.repeat} (load {os.getloadavg()[0]:.1f})", flush=True)
        for name, nb in notebooks.items():
            for side, cmd in sides.items():
                wall, cpu = measured(cmd(nb), work, paths.get(side))
                b = best.setdefault((name, side), [wall, cpu])
                b[0], b[1] = min(b[0], wall), min(b[1], cpu)
    mem = (
        {side: peak_memory(sides[side](notebooks["realistic"]), work) for side in ("fresh", "fork")}
        if "realistic" in notebooks
        else {}
    )
    load1 = os.getloadavg()

    print(
        f"\nbest of {args.repeat}; load average {load0[0]:.1f} at the start, "
        f"{load1[0]:.1f} at the end; {os.cpu_count()} cores"
    )
    print(f"{'notebook':10} {'side':14} {'wall s':>8} {'x pm':>6} {'CPU s':>8} {'x pm':>6}")
    for name in notebooks:
        pm_wall, pm_cpu = best[(name, "papermill")]
        for side in sides:
            wall, cpu = best[(name, side)]
            print(f"{name:10} {side:14} {wall:8.2f} {wall / pm_wall:6.2f} {cpu:8.2f} {cpu / pm_cpu:6.2f}")
    print("\npeak memory of the realistic notebook's run (process tree)")
    print(f"{'side':10} {'RSS MB':>8} {'PSS MB':>8}")
    for side, (rss, pss) in mem.items():
        print(f"{side:10} {rss:8.0f} {pss:8.0f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
