"""What ``nbo.log_model`` adds to a step (issue 28: report its cost).

A two-step scikit-learn pipeline (data; fit a LogisticRegression and log its accuracy) run
tracked, with and without ``nbo.log_model(model, ..., input_example=...)`` in the fit step,
interleaved, best of REPEAT: the fit step's time as run.json records it (in the kernel: MLflow's
import, the signature, ``save_model`` and the copy into the data store), and the whole command
until MLflow has the version (the follower logs and registers it after the steps end).

Run: .venv/bin/python benchmarks/bench_log_model.py   (BENCH_REPEAT=N to change the repeats)
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]
REPEAT = int(os.environ.get("BENCH_REPEAT", "3"))

FIT = "model = LogisticRegression(max_iter=500).fit(X, y)\nnbo.log_metric('accuracy', model.score(X, y))\n"


def notebook(folder: Path, log: bool) -> Path:
    from nbfactory import make_notebook

    cells = [
        (
            "import numpy as np\nimport notebook_ops as nbo\n"
            "from sklearn.linear_model import LogisticRegression",
            ["setup"],
        ),
        (
            "rng = np.random.default_rng(0)\nX = rng.normal(size=(5000, 20))\ny = (X[:, 0] > 0).astype(int)",
            ["step:data"],
        ),
        (FIT + ("nbo.log_model(model, 'bench-clf', input_example=X[:5])\n" if log else ""), ["step:fit"]),
    ]
    path = folder / "bench.ipynb"
    path.write_text(json.dumps(make_notebook(cells)))
    return path


def once(log: bool) -> tuple[float, float]:
    """(the fit step's seconds, the command's seconds until the model version exists)."""
    work = Path(tempfile.mkdtemp(prefix="nbo-bench-model-"))
    try:
        nb = notebook(work, log)
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        env.pop("MLFLOW_TRACKING_URI", None)
        t0 = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "notebook_ops", "run", str(nb), "--no-cache"],
            cwd=work,
            env=env,
            check=True,
            capture_output=True,
        )
        run_dir = max((work / ".notebook_ops" / "runs").iterdir())
        logged = run_dir / "tracking" / "logged.json"
        while not (logged.is_file() and json.loads(logged.read_text()).get("finished")):
            time.sleep(0.05)
        total = time.perf_counter() - t0
        record = json.loads((run_dir / "run.json").read_text())
        return float(record["steps"]["fit"]["duration_s"]), total
    finally:
        shutil.rmtree(work, ignore_errors=True)


def main() -> None:
    with_model, without = [], []
    for _ in range(REPEAT):
        without.append(once(False))
        with_model.append(once(True))
    fit_a, fit_b = min(s for s, _ in with_model), min(s for s, _ in without)
    tot_a, tot_b = min(t for _, t in with_model), min(t for _, t in without)
    print(f"log_model cost, best of {REPEAT} (scikit-learn LogisticRegression, 5000x20):")
    for what, a, b in (("fit step", fit_a, fit_b), ("until in MLflow", tot_a, tot_b)):
        print(f"  {what:16} {b:6.2f} s without, {a:6.2f} s with  (+{a - b:.2f} s, x{a / b:.2f})")


if __name__ == "__main__":
    main()
