"""``notebook-ops export --target``: which generators run, and bad names or manifests refused."""

from __future__ import annotations

import copy
import subprocess

import pytest
import yaml

from nbfactory import make_notebook, write_notebook
from notebook_ops.deploy import common, kfp
from targetkit import NOTEBOOK_OPS

CELLS = [("n = 3", ["parameters"]), ("xs = list(range(n))", ["step:make"]), ("total = sum(xs)", ["step:add"])]


def export(tmp_path, *args):
    nb = write_notebook(tmp_path / "tiny.ipynb", make_notebook(CELLS))
    return subprocess.run(
        [
            NOTEBOOK_OPS,
            "export",
            str(nb),
            "-o",
            str(tmp_path / "dist"),
            "--allow-dirty",
            "--no-tag",
            "--no-mlflow",
            *args,
        ],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=tmp_path,
    )


def test_only_the_chosen_targets_are_generated(tmp_path):
    done = export(tmp_path, "--target", "argo,k8s")
    assert done.returncode == 0, done.stderr
    bundle = tmp_path / "dist" / "tiny-v1"
    assert sorted(p.name for p in (bundle / "targets").iterdir()) == ["argo", "k8s"]
    assert yaml.safe_load((bundle / "pipeline.yaml").read_text())["targets"] == ["argo", "k8s"]
    assert subprocess.run([NOTEBOOK_OPS, "verify", str(bundle)], capture_output=True).returncode == 0


def test_default_is_every_target(tmp_path):
    done = export(tmp_path)
    assert done.returncode == 0, done.stderr
    folders = sorted(p.name for p in (tmp_path / "dist" / "tiny-v1" / "targets").iterdir())
    assert folders == ["airflow", "airflow-image", "argo", "k8s", "kfp"]


def test_an_unknown_target_is_one_line_exit_2(tmp_path):
    done = export(tmp_path, "--target", "airflow,nomad")
    assert done.returncode == 2
    assert done.stderr.strip() == (
        "error: unknown deploy target 'nomad' (known: airflow, airflow-image, argo, k8s, kfp)"
    )
    assert not (tmp_path / "dist" / "tiny-v1").exists()


def test_generators_refuse_what_their_engine_cannot_express(golden_manifest, tmp_path):
    m = copy.deepcopy(golden_manifest)
    m["parameters"].append({"name": "_seed", "type": "int", "default": 1, "help": ""})
    with pytest.raises(common.TargetError, match="'_seed': Kubeflow Pipelines takes only names that begin"):
        kfp.generate(m, tmp_path)
    m = copy.deepcopy(golden_manifest)
    m["steps"][0] = dict(m["steps"][0], name="load_")
    m["steps"].append(dict(m["steps"][0], name="load-"))
    with pytest.raises(common.TargetError, match="differ only by"):
        kfp.render(m)
    assert not (tmp_path / "targets").exists()
