"""Kale notebooks run as they are, by real kernels: the pipeline gives what the notebook gives
top to bottom, Kale's pipeline-metrics code runs in the step that reports each metric, and the
export carries Kale's step options (limits, annotations, labels, image) into the manifest."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import papermill
import yaml

from nbfactory import make_notebook, write_notebook
from notebook_ops.execution import run_notebook

NOTEBOOK_OPS = str(Path(sys.executable).parent / "notebook-ops")

# the shape of Kale's test notebook pipeline_parameters_and_metrics.ipynb (deterministic data)
CELLS = [
    ("print('before the first tag: Kale runs this nowhere')", []),
    ("import numpy as np", ["imports"]),
    ("d1 = 5\nd2 = 6\nbooltest = True\nstrtest = 'test'", ["pipeline-parameters"]),
    (
        "rnd_matrix = np.arange(d1 * d2).reshape(d1, d2)",
        [
            "limit:nvidia.com/gpu:2",
            "step:create_matrix",
            "annotation:example.com/owner:ml-team",
            "label:stage:train",
        ],
    ),
    ("rnd_matrix = rnd_matrix * 2", ["block:"]),  # bare block: continues create_matrix
    ("sum_result = int(rnd_matrix.sum())", ["prev:create_matrix", "step:sum_matrix"]),
    ("print(d1)\nprint(d2)\nprint(sum_result)", ["pipeline-metrics"]),
]
META = {"kubeflow_notebook": {"pipeline_name": "hp-test", "experiment_name": "hp-tuning", "volumes": []}}


def _printed(nb_path: Path, marker) -> str:
    nb = json.loads(nb_path.read_text())
    texts = []
    for cell in nb["cells"]:
        if marker(cell):
            for out in cell.get("outputs", []):
                if out.get("output_type") == "stream":
                    texts.append("".join(out["text"]))
    return "".join(texts)


def export(nb: Path, tmp_path: Path) -> Path:
    """``notebook-ops export`` of ``nb`` into ``tmp_path/dist`` (no git tag, no MLflow); the
    bundle folder."""
    out = subprocess.run(
        [
            NOTEBOOK_OPS,
            "export",
            str(nb),
            "-o",
            str(tmp_path / "dist"),
            "--allow-dirty",
            "--no-tag",
            "--no-mlflow",
        ],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=tmp_path,
    )
    assert out.returncode == 0, out.stderr
    return next(p for p in (tmp_path / "dist").iterdir() if p.is_dir())


def test_kale_notebook_pipeline_equals_top_to_bottom_and_exports(tmp_path):
    nb = write_notebook(tmp_path / "hp.ipynb", make_notebook(CELLS, metadata=META))
    before = nb.read_bytes()

    # top to bottom, as the data scientist runs it
    top = tmp_path / "top.ipynb"
    papermill.execute_notebook(
        str(nb), str(top), kernel_name="python3", progress_bar=False, cwd=str(tmp_path)
    )
    printed = _printed(top, lambda c: "pipeline-metrics" in c["metadata"].get("tags", []))
    assert printed.split() == ["5", "6", "870"]

    res = run_notebook(nb, track=False, cache=False)
    assert res.status == "succeeded", res.record["error"]
    assert list(res.record["steps"]) == ["create_matrix", "sum_matrix"]
    assert res.record["metrics"] == {"d1": 5, "d2": 6, "sum_result": 870}
    # the metrics cell's code ran, in the step that reports each metric
    executed = {p.stem: p for p in (res.run_dir / "steps").glob("*.ipynb")}
    code = lambda c: c.get("id", "").endswith("-metrics-code")  # noqa: E731
    assert _printed(executed["create_matrix"], code).split() == ["5", "6"]
    assert _printed(executed["sum_matrix"], code).split() == ["870"]
    # the cell before the first tag ran in no step, as in Kale
    for path in executed.values():
        assert "Kale runs this nowhere" not in path.read_text()
    assert nb.read_bytes() == before

    bundle = export(nb, tmp_path)
    manifest = yaml.safe_load((bundle / "pipeline.yaml").read_text())
    assert manifest["name"] == "hp-test"
    steps = {s["name"]: s for s in manifest["steps"]}
    assert list(steps) == ["create_matrix", "sum_matrix"]
    assert steps["sum_matrix"]["after"] == ["create_matrix"]
    opts = steps["create_matrix"]["options"]
    assert opts["annotations"] == {"example.com/owner": "ml-team"}
    assert opts["labels"] == {"stage": "train"}
    assert steps["create_matrix"]["resources"]["gpu"] == 2
    # Argo carries them to the step's pod
    wf = yaml.safe_load((bundle / "targets" / "argo" / "workflow.yaml").read_text())
    templates = {t["name"]: t for t in wf["spec"]["templates"]}
    assert templates["create-matrix"]["metadata"] == {
        "annotations": {"example.com/owner": "ml-team"},
        "labels": {"stage": "train"},
    }
    assert "metadata" not in templates["sum-matrix"]
    # proven: each step as run-step in its own folder, from the bundle's requirements alone,
    # equal to the run above
    proof = subprocess.run(
        [NOTEBOOK_OPS, "prove", str(bundle), "--source-run", str(res.run_dir)],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=tmp_path,
    )
    assert proof.returncode == 0, proof.stdout + proof.stderr
    assert "2/2 steps equal" in proof.stdout
    assert nb.read_bytes() == before


# the shape of Kale's dog-breed example: legacy block: tags, a bare block:, untagged functions
# after functions, a step name repeated after a skip cell, a cell before the first tag
DOG_BREED = [
    ("print('exploring')", []),
    ("import random", ["imports"]),
    ("def load(n):\n    return [random.Random(i).random() for i in range(n)]", ["functions"]),
    ("def mean(xs):\n    return sum(xs) / len(xs)", []),
    ("n_images = 8", ["pipeline-parameters"]),
    ("images = load(n_images)", ["block:load_data"]),
    ("images = sorted(images)", ["block:"]),
    ("features = [x * 2 for x in images]", ["block:feature_extraction", "prev:load_data"]),
    ("print(len(features))", ["skip"]),
    ("features = features + [1.0]", ["block:feature_extraction"]),
    ("model_score = round(mean(features), 6)", ["block:train", "prev:feature_extraction"]),
    ("print(model_score)", ["pipeline-metrics"]),
]


def test_dog_breed_shape_runs_as_top_to_bottom(tmp_path):
    nb = write_notebook(tmp_path / "dogs.ipynb", make_notebook(DOG_BREED))
    top = tmp_path / "top.ipynb"
    papermill.execute_notebook(
        str(nb), str(top), kernel_name="python3", progress_bar=False, cwd=str(tmp_path)
    )
    expected = float(_printed(top, lambda c: "pipeline-metrics" in c["metadata"].get("tags", [])))

    res = run_notebook(nb, track=False, cache=False)
    assert res.status == "succeeded", res.record["error"]
    assert list(res.record["steps"]) == ["load_data", "feature_extraction", "train"]
    assert res.record["metrics"] == {"model_score": expected}
    single = run_notebook(nb, track=False, single_kernel=True)
    assert single.status == "succeeded", single.record["error"]
    assert single.record["metrics"] == {"model_score": expected}


def test_kale_composition_runs_across_notebooks_and_exports(tmp_path):
    # Kale 2.3's composition (docs/source/concepts/composition.md): a root notebook whose
    # notebook: cells reference a preprocessing and a training notebook, and a step of its own
    write_notebook(
        tmp_path / "preprocessing.ipynb", make_notebook([("dataset = [1.0, 2.0, 3.0, 6.0]", ["step:load"])])
    )
    write_notebook(
        tmp_path / "training.ipynb", make_notebook([("model = sum(dataset) / len(dataset)", ["step:train"])])
    )
    root = make_notebook(
        [
            ("# references preprocessing", ["notebook:preprocessing"]),
            ("# references training", ["notebook:training"]),
            ("score = model * 2", ["step:report"]),
            ("print(score)", ["pipeline-metrics"]),
        ]
    )
    root["cells"][0]["metadata"]["notebook_path"] = "./preprocessing.ipynb"
    root["cells"][1]["metadata"]["notebook_path"] = "./training.ipynb"
    nb = write_notebook(tmp_path / "root.ipynb", root)

    res = run_notebook(nb, track=False, cache=False)
    assert res.status == "succeeded", res.record["error"]
    assert list(res.record["steps"]) == ["preprocessing-load", "training-train", "report"]
    assert res.record["metrics"] == {"score": 6.0}

    bundle = export(nb, tmp_path)
    steps = {s["name"]: s for s in yaml.safe_load((bundle / "pipeline.yaml").read_text())["steps"]}
    assert steps["training-train"]["after"] == ["preprocessing-load"]
    assert steps["report"]["after"] == ["preprocessing-load", "training-train"]
