"""How fast `export` is: a 20-step notebook exported by notebook-ops vs compiled by Kale.

Run: .venv/bin/python benchmarks/bench_export.py
Both tools read the same Kale-tagged notebook (step:/prev:/imports/pipeline-parameters, which
notebook-ops reads as its own tags) and run as real CLI subprocesses; each figure is a median.
Kale (kubeflow-kale 2.3 on PyPI) lives in its own venv: $KALE_VENV, else /tmp/nbo-bench-kale,
installed there on first use; if it cannot be installed the peer column says so.

What each does: `kale --nb` writes a KFP DSL script and compiles it to a pipeline YAML.
`notebook-ops export` writes the whole bundle: manifest, 20 step notebooks, pinned requirements
(with the dependency closure), Dockerfile, MLproject, README, its own wheel, SHA256SUMS and the
reproducible tar.gz; "+ MLflow" also logs the export run to a local sqlite store.
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BIN = Path(sys.executable).parent
STEPS = 20
KALE_VERSION = "2.3.0"


def kale_notebook(steps: int = STEPS) -> dict:
    cells = []

    def cell(src, tags):
        cells.append(
            {
                "cell_type": "code",
                "id": f"c{len(cells)}",
                "metadata": {"tags": tags},
                "outputs": [],
                "execution_count": None,
                "source": src,
            }
        )

    cell("import math\nimport json\n", ["imports"])
    cell("scale = 2  # multiplier\nrows = 100  # rows per step\n", ["pipeline-parameters"])
    for s in range(1, steps + 1):
        name = f"s{s:02d}"
        prev = (
            []
            if s == 1
            else ([f"prev:s{s - 1:02d}"] + ([f"prev:s{s - 2:02d}"] if s > 2 and s % 3 == 0 else []))
        )
        if s == 1:
            src = "v01 = [math.sqrt(i) * scale for i in range(rows)]\n"
        else:
            src = (
                f"v{s:02d} = [x * scale + 1 for x in v{s - 1:02d}][:rows]\n"
                f"summary_{s:02d} = json.dumps({{'n': len(v{s:02d})}})\n"
            )
        cell(src, [f"step:{name}"] + prev)
        cell(f"print(len(v{s:02d}))\n", [])
    return {
        "cells": cells,
        "nbformat": 4,
        "nbformat_minor": 5,
        "metadata": {
            "kernelspec": {"name": "python3", "language": "python", "display_name": "Python 3"},
            "kubeflow_notebook": {
                "experiment_name": "bench",
                "pipeline_name": "bench",
                "pipeline_description": "20-step benchmark",
                "volumes": [],
            },
        },
    }


def timed(cmd, repeat=3, cwd=None, env=None) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        proc = subprocess.run(cmd, capture_output=True, text=True, cwd=cwd, env=env)
        times.append(time.perf_counter() - t)
        if proc.returncode != 0:
            raise RuntimeError(f"{' '.join(map(str, cmd))} failed:\n{proc.stderr[-2000:]}")
    return statistics.median(times)


def kale_bin() -> Path | None:
    venv = Path(os.environ.get("KALE_VENV", "/tmp/nbo-bench-kale"))
    kale = venv / "bin" / "kale"
    if kale.exists():
        return kale
    print(f"installing kubeflow-kale=={KALE_VERSION} into {venv} (once) ...", flush=True)
    try:
        subprocess.run([sys.executable, "-m", "venv", "--clear", str(venv)], check=True, capture_output=True)
        subprocess.run(
            [str(venv / "bin" / "pip"), "install", "-q", f"kubeflow-kale=={KALE_VERSION}"],
            check=True,
            capture_output=True,
            timeout=900,
        )
    except (subprocess.SubprocessError, OSError) as exc:
        print(f"kale could not be installed ({type(exc).__name__}); peer skipped")
        return None
    return kale if kale.exists() else None


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        nb = tmp / "bench.ipynb"
        nb.write_text(json.dumps(kale_notebook(), indent=1))
        env = {**os.environ, "MLFLOW_TRACKING_URI": f"sqlite:///{tmp / 'mlflow.db'}"}
        env.pop("SOURCE_DATE_EPOCH", None)
        nbo = str(BIN / "notebook-ops")
        base = timed([sys.executable, "-c", "pass"], repeat=5)
        inspect_t = timed([nbo, "inspect", str(nb)], cwd=tmp)
        export_t = timed(
            [nbo, "export", str(nb), "-o", str(tmp / "dist"), "--no-tag", "--no-mlflow"], cwd=tmp, env=env
        )
        tracked_t = timed(
            [nbo, "export", str(nb), "-o", str(tmp / "dist2"), "--no-tag"], cwd=tmp, env=env, repeat=3
        )
        bundle = tmp / "dist" / "bench-v1"
        files = sum(1 for p in bundle.rglob("*") if p.is_file())
        size = (tmp / "dist" / "bench-v1.tar.gz").stat().st_size
        print(f"notebook: {STEPS} steps (Kale tags), {len(kale_notebook()['cells'])} cells")
        print(f"python -c pass                          {base:6.2f} s")
        print(f"notebook-ops inspect                    {inspect_t:6.2f} s")
        print(
            f"notebook-ops export (no MLflow)         {export_t:6.2f} s   "
            f"({files} files, tar.gz {size / 1e6:.2f} MB)"
        )
        print(f"notebook-ops export + MLflow run        {tracked_t:6.2f} s")
        kale = kale_bin()
        if kale is None:
            return
        kpy = str(kale.parent / "python")
        kale_import = timed([kpy, "-c", "import kale.cli, kale.processors.nbprocessor"], repeat=3)
        kale_dir = tmp / "kale"
        kale_dir.mkdir()
        shutil.copy(nb, kale_dir / "bench.ipynb")
        kale_t = timed([str(kale), "--nb", "bench.ipynb"], cwd=kale_dir)
        if not list((kale_dir / ".kale").glob("*.yaml")):
            print("kale wrote no pipeline YAML; peer figure not comparable")
        print(f"kale --nb (KFP DSL + compile)           {kale_t:6.2f} s   (import alone {kale_import:.2f} s)")
        print(
            f"ratio kale / notebook-ops export        {kale_t / export_t:6.2f}x   "
            f"(with MLflow logging: {kale_t / tracked_t:.2f}x)"
        )


if __name__ == "__main__":
    main()
