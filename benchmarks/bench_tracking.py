"""MLflow off the critical path: what a run and an export cost with tracking on, as whole
processes side by side (best of N, interleaved so that load from other processes hits every
side alike), on the example (examples/churn.ipynb):

1. a fully cached re-run: `notebook-ops run` (its MLflow run logged by a follower process),
   `notebook-ops run --no-track`, and the same run logged in the process as before this change
   (`run_notebook(track=True)`, what the Jupyter server still does: MLflow imported there);
2. `notebook-ops export` of the 20-step notebook of bench_export.py (its MLflow run logged by a
   follower), `--no-mlflow`, and in-process (`export_notebook(track=True)`).

Also: when the follower has the run in MLflow (from the command's start), and whether the CLI
process imports mlflow at all (`python -X importtime`). Targets (issue 15): cached re-run with
tracking <= 1.0 s, export with its MLflow run <= 1.5 s. The store is a fresh local sqlite one.

Usage: python benchmarks/bench_tracking.py [--repeat N]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
NBO = [str(BIN / "notebook-ops")]
PY = [sys.executable, "-c"]
IN_PROCESS_RUN = "from notebook_ops.execution import run_notebook; run_notebook('churn.ipynb', track=True)"
IN_PROCESS_EXPORT = (
    "from notebook_ops.bundle import export_notebook; "
    "export_notebook('steps20.ipynb', out_dir='dist', tag=False, allow_dirty=True, track=True)"
)
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_export import kale_notebook  # noqa: E402  (the export benchmark's 20-step notebook)


def followers_gone(work: Path, timeout: float = 300) -> None:
    """Wait for every follower process of this benchmark (so the next round starts idle)."""
    import psutil

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not any(
            "notebook_ops.tracking.follow" in " ".join(p.info["cmdline"] or ())
            and str(work) in " ".join(p.info["cmdline"] or ())
            for p in psutil.process_iter(["cmdline"])
        ):
            return
        time.sleep(0.05)


def newest_run(work: Path) -> Path:
    return max((work / ".notebook_ops" / "runs").iterdir())


def timed(cmd, cwd) -> float:
    t = time.perf_counter()
    p = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True)
    if p.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} -> {p.returncode}\n{p.stderr[-2000:]}")
    return time.perf_counter() - t


def logged_after(work: Path, t0: float, timeout: float = 300) -> float:
    """Seconds from ``t0`` until the newest run's MLflow records are complete."""
    marker = newest_run(work) / "tracking" / "logged.json"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if json.loads(marker.read_text()).get("finished"):
                return time.perf_counter() - t0
        except (OSError, ValueError):
            pass
        time.sleep(0.02)
    return float("nan")


def imports_mlflow(cmd, cwd) -> bool:
    p = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "notebook_ops", *cmd],
        cwd=cwd,
        capture_output=True,
        text=True,
    )
    return any(line.split("|")[-1].strip().startswith("mlflow") for line in p.stderr.splitlines())


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="nbo-bench-tracking-"))
    shutil.copy(ROOT / "examples" / "churn.ipynb", work / "churn.ipynb")
    (work / "steps20.ipynb").write_text(json.dumps(kale_notebook()))
    env_note = os.environ.pop("MLFLOW_TRACKING_URI", None)
    timed(NBO + ["run", "churn.ipynb", "--quiet"], work)  # fills the cache and creates the store
    followers_gone(work)
    timed(NBO + ["export", "steps20.ipynb", "--allow-dirty", "--no-tag"], work)
    followers_gone(work)
    runs = {
        "run (follower)": NBO + ["run", "churn.ipynb", "--quiet"],
        "run --no-track": NBO + ["run", "churn.ipynb", "--quiet", "--no-track"],
        "run (in-process)": PY + [IN_PROCESS_RUN],
    }
    exports = {
        "export (follower)": NBO + ["export", "steps20.ipynb", "--allow-dirty", "--no-tag"],
        "export --no-mlflow": NBO + ["export", "steps20.ipynb", "--allow-dirty", "--no-tag", "--no-mlflow"],
        "export (in-process)": PY + [IN_PROCESS_EXPORT],
    }
    best: dict[str, float] = {}
    logged: list[float] = []
    load0 = os.getloadavg()
    for i in range(args.repeat):
        print(f"round {i + 1}/{args.repeat} (load {os.getloadavg()[0]:.1f})", flush=True)
        for side, cmd in {**runs, **exports}.items():
            t0 = time.perf_counter()
            best[side] = min(best.get(side, float("inf")), timed(cmd, work))
            if side == "run (follower)":
                logged.append(logged_after(work, t0))
            followers_gone(work)
    load1 = os.getloadavg()
    cli_imports = imports_mlflow(["run", "churn.ipynb", "--quiet"], work)
    followers_gone(work)

    print(
        f"\nbest of {args.repeat}, whole processes; load average {load0[0]:.1f} at the start, "
        f"{load1[0]:.1f} at the end; {os.cpu_count()} cores"
        + ("; MLFLOW_TRACKING_URI ignored" if env_note else "")
    )
    print(f"{'':24} {'wall s':>7} {'x untracked':>12}")
    for group, base in ((runs, "run --no-track"), (exports, "export --no-mlflow")):
        for side in group:
            print(f"{side:24} {best[side]:7.2f} {best[side] / best[base]:12.2f}")
    print(f"fully cached run in MLflow (follower done) after {min(logged):.2f} s (best)")
    print(f"target: cached re-run with tracking <= 1.0 s: {best['run (follower)']:.2f} s")
    print(f"target: export with its MLflow run <= 1.5 s: {best['export (follower)']:.2f} s")
    print(
        "`notebook-ops run` (tracking on) imports mlflow in the CLI process: "
        + ("yes" if cli_imports else "no")
    )
    shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
