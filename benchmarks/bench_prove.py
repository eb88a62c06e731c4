"""What a proof costs: `prove` of examples/churn.ipynb's bundle, cold (empty env cache) and warm
(the env cached by the cold proof), with uv and with venv + pip.

Run: .venv/bin/python benchmarks/bench_prove.py
The source run and the export happen first (not timed). Each proof builds or reuses the clean
env, runs the five steps as `run-step` processes in their own folders and compares them with
the source run. "Cold" is an empty proof-env cache; the installers' own download caches (uv's,
pip's) stay as this machine has them, as they would on a developer's machine.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    from notebook_ops.bundle.proofenv import find_uv
    from notebook_ops.bundle.prove import prove_bundle

    work = Path(tempfile.mkdtemp(prefix="nbo-bench-prove-"))
    try:
        shutil.copy(ROOT / "examples" / "churn.ipynb", work / "churn.ipynb")
        nbo = [sys.executable, "-m", "notebook_ops"]
        subprocess.run([*nbo, "run", "churn.ipynb", "--no-track", "-q"], cwd=work, check=True)
        subprocess.run(
            [*nbo, "export", "churn.ipynb", "--no-mlflow"], cwd=work, check=True, capture_output=True
        )
        bundle = work / "dist" / "churn-v1.tar.gz"
        builders = (["uv"] if find_uv() else []) + ["pip"]
        for builder in builders:
            cache = work / f"envs-{builder}"
            for label in ("cold", "warm"):
                t0 = time.perf_counter()
                record = prove_bundle(bundle, builder=builder, cache=cache, write=False)
                took = time.perf_counter() - t0
                steps = sum(s.duration_s or 0 for s in record.steps.values())
                print(
                    f"prove churn ({builder}, {label}): {took:.1f} s "
                    f"(env {'cached' if record.env_cached else f'built in {record.env_build_s:.1f} s'}, "
                    f"5 run-step tasks {steps:.1f} s, {record.steps_equal}/5 steps equal)",
                    flush=True,
                )
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
