"""Golden files: every file the generators write for a fixed manifest, byte for byte.

Any change in their text fails here. After an intended change, regenerate with
``NBO_UPDATE_GOLDEN=1 pytest tests/deploy/test_targets_golden.py`` and review the diff. The compiled
KFP spec depends on the kfp SDK's version, so it is checked structurally in test_kfp.py instead.
"""

from __future__ import annotations

import os
import shutil

import pytest

from targetkit import GOLDEN
from notebook_ops.deploy import airflow_dag as airflow, argo, k8s, kfp

GENERATORS = {
    "airflow": airflow.generate,
    "airflow-image": airflow.generate_image,
    "argo": argo.generate,
    "k8s": k8s.generate,
    "kfp": kfp.generate,
}


@pytest.fixture
def generated(golden_manifest, tmp_path, monkeypatch):
    monkeypatch.delenv("NOTEBOOK_OPS_KFP_PYTHON", raising=False)
    out = {}
    for gen in GENERATORS.values():
        gen(golden_manifest, tmp_path)
    root = tmp_path / "targets"
    for path in sorted(root.rglob("*")):
        if path.is_file():
            out[path.relative_to(root).as_posix()] = path.read_text()
    out.pop("kfp/pipeline.yaml", None)  # only when this Python has kfp: see the docstring
    return out


def test_golden_files(generated):
    golden_dir = GOLDEN / "targets"
    if os.environ.get("NBO_UPDATE_GOLDEN"):
        shutil.rmtree(golden_dir, ignore_errors=True)
        for rel, text in generated.items():
            (golden_dir / rel).parent.mkdir(parents=True, exist_ok=True)
            (golden_dir / rel).write_text(text)
    expected = {
        p.relative_to(golden_dir).as_posix(): p.read_text()
        for p in sorted(golden_dir.rglob("*"))
        if p.is_file()
    }
    assert sorted(generated) == sorted(expected), "the set of generated files changed"
    for rel, text in generated.items():
        assert text == expected[rel], f"{rel} changed; see the module docstring"


def test_the_expected_files_exist(generated):
    assert sorted(generated) == [
        "airflow-image/churn_image_dag.py",
        "airflow/churn_dag.py",
        "argo/cronworkflow-schedule-2.yaml",
        "argo/cronworkflow-weekly.yaml",
        "argo/workflow.yaml",
        "k8s/cronjob-schedule-2.yaml",
        "k8s/cronjob-weekly.yaml",
        "k8s/job.yaml",
        "kfp/pipeline.py",
    ]


def test_same_manifest_same_bytes(golden_manifest, tmp_path):
    for n in (1, 2):
        for gen in GENERATORS.values():
            gen(golden_manifest, tmp_path / str(n))
    first, second = (
        {p.relative_to(tmp_path / n): p.read_bytes() for p in (tmp_path / n).rglob("*") if p.is_file()}
        for n in ("1", "2")
    )
    assert first == second and first
