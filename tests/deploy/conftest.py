"""Fixtures for the deploy-target tests: the golden manifest, real bundles of the example, and
the engines' own environments (Airflow 3 in .venv-airflow; kfp + hera + kubernetes in .venv-kfp).

`make install` creates those venvs; when one is missing (a plain `pytest` on a new checkout),
the session creates it here the same way, so the tests always run against the real engines.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from nbfactory import EXAMPLES, ROOT
from targetkit import GOLDEN

ENV_SPECS = {  # keep in step with the Makefile's deploy-envs
    "airflow": (
        "NBO_AIRFLOW_VENV",
        ".venv-airflow",
        ["apache-airflow>=3.3,<3.4", "apache-airflow-providers-cncf-kubernetes>=10"],
    ),
    "kfp": (
        "NBO_KFP_VENV",
        ".venv-kfp",
        ["kfp>=2.14,<3", "kfp-kubernetes>=2.14,<3", "hera>=5.16,<8", "kubernetes>=30"],
    ),
}


def engine_venv(kind: str) -> Path:
    var, default, packages = ENV_SPECS[kind]
    venv = Path(os.environ.get(var) or ROOT / default)
    stamp = venv / ".installed-stamp"
    if not stamp.exists():
        if not (venv / "bin" / "python").exists():
            subprocess.run([shutil.which("python3") or sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "install", "-q", *packages], check=True)
        stamp.touch()
    return venv


@pytest.fixture(scope="session")
def airflow_venv() -> Path:
    return engine_venv("airflow")


@pytest.fixture(scope="session")
def kfp_venv() -> Path:
    return engine_venv("kfp")


@pytest.fixture(scope="session")
def golden_manifest() -> dict:
    from notebook_ops.bundle import manifest as manifest_mod

    return manifest_mod.validate(yaml.safe_load((GOLDEN / "manifest.yaml").read_text()))


@pytest.fixture(scope="session")
def churn_bundle(tmp_path_factory, kfp_venv) -> Path:
    """examples/churn.ipynb exported with every target (the KFP spec compiled by the real SDK)."""
    from notebook_ops.bundle import export_notebook

    work = tmp_path_factory.mktemp("churn")
    nb = work / "churn.ipynb"
    shutil.copy(EXAMPLES / "churn.ipynb", nb)
    old = os.environ.get("NOTEBOOK_OPS_KFP_PYTHON")
    os.environ["NOTEBOOK_OPS_KFP_PYTHON"] = str(kfp_venv / "bin" / "python")
    try:
        r = export_notebook(
            nb,
            out_dir=work / "dist",
            track=False,
            tag=False,
            allow_dirty=True,
            target_names=["airflow", "airflow-image", "kfp", "argo", "k8s"],
        )
    finally:
        if old is None:
            os.environ.pop("NOTEBOOK_OPS_KFP_PYTHON", None)
        else:
            os.environ["NOTEBOOK_OPS_KFP_PYTHON"] = old
    return r.folder
