"""What a deploy target's task costs: `notebook-ops run-step` of one step vs papermill on the
same exported step notebook, and the time to generate every target's files.

Run: .venv/bin/python benchmarks/bench_targets.py
Both run the `features` step of examples/churn.ipynb's bundle from the same data store (its
`load` step ran first), as CLI subprocesses, each figure a median of 3. run-step does what
papermill does plus verifying the bundle's checksums, checking inputs, and writing the executed
notebook and metrics into the store; the ratio is its overhead per task.
"""

from __future__ import annotations

import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
REPEAT = 3


def timed(argv, cwd) -> float:
    t0 = time.perf_counter()
    subprocess.run(argv, cwd=cwd, check=True, capture_output=True)
    return time.perf_counter() - t0


def main() -> None:
    from notebook_ops.bundle import export_notebook, manifest
    from notebook_ops.deploy import airflow_dag as airflow, argo, k8s, kfp

    work = Path(tempfile.mkdtemp(prefix="nbo-bench-targets-"))
    try:
        shutil.copy(ROOT / "examples" / "churn.ipynb", work / "churn.ipynb")
        bundle = export_notebook(
            work / "churn.ipynb", out_dir=work / "dist", track=False, tag=False, allow_dirty=True
        ).folder
        store = work / "store"
        nbo = str(BIN / "notebook-ops")
        subprocess.run(
            [nbo, "run-step", str(bundle), "load", "--data", str(store), "-q"], check=True, cwd=work
        )
        ours = statistics.median(
            timed([nbo, "run-step", str(bundle), "features", "--data", str(store), "-q"], work)
            for _ in range(REPEAT)
        )
        pm = statistics.median(
            timed(
                [
                    str(BIN / "papermill"),
                    str(bundle / "steps" / "features.ipynb"),
                    str(work / "out.ipynb"),
                    "-p",
                    "_nbo_data_url",
                    str(store),
                    "--no-progress-bar",
                ],
                work,
            )
            for _ in range(REPEAT)
        )
        m = manifest.read(bundle)
        gens = {
            "airflow": airflow.generate,
            "airflow-image": airflow.generate_image,
            "argo": argo.generate,
            "k8s": k8s.generate,
            "kfp (DSL only)": kfp.render,
        }
        print(f"{'what':38} {'median s':>9}")
        print(f"{'run-step features (one task)':38} {ours:9.2f}")
        print(f"{'papermill features.ipynb (same store)':38} {pm:9.2f}")
        print(f"ratio run-step / papermill: {ours / pm:.2f}")
        for name, gen in gens.items():
            t0 = time.perf_counter()
            for _ in range(20):
                gen(m, work / "gen") if name != "kfp (DSL only)" else gen(m)
            print(f"{'generate ' + name:38} {(time.perf_counter() - t0) / 20 * 1000:8.1f} ms")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
