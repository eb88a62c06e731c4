"""Targets take any pipeline: parameters named like our own settings (``data_url``, ``bundle``,
``nbo_data``, ``dsl``, ``items``...) export to every target and validate with the real kfp,
hera and kubernetes models; Kale's ``limit:`` tags become Kubernetes resources
(``nvidia.com/gpu: 2``) and KFP accelerator limits; a target that cannot take a pipeline says
so in one line naming it and the ``--target`` that leaves it out."""

from __future__ import annotations

import json
import os
import subprocess

import pytest
import yaml

from nbfactory import make_notebook, write_notebook
from targetkit import HERE, NOTEBOOK_OPS
from test_targets_argo_k8s import validate

# names the generated files use for themselves, or that templates would read as something else
CLASHING = {
    "data_url": "s3://bucket/raw.csv",
    "bundle": "b",
    "data_root": "r",
    "notebook_ops_bin": "x",
    "nbo_data": 1,
    "nbo_in_load": 2,
    "step_train": 3,
    "t_load": 4,
    "dsl": "d",
    "pipeline": "p",
    "items": 5,
}
PARAMS = "\n".join(f"{name} = {value!r}" for name, value in CLASHING.items())
USE = " + ".join(f"str({name})" for name in CLASHING)


def cells(limits: list[str]):
    return [
        (PARAMS, ["pipeline-parameters"]),  # Kale's tags throughout
        ("rows = [data_url, bundle]", ["step:load"]),
        ("summary = " + USE + " + str(len(rows))", ["step:train", "prev:load", *limits]),
        ("print(summary)", ["step:pipeline", "prev:train"]),  # a step called like Argo's DAG template
    ]


def export(tmp_path, limits, *args, kfp_python=None):
    nb = write_notebook(tmp_path / "anyp.ipynb", make_notebook(cells(limits)))
    env = dict(os.environ)
    if kfp_python:
        env["NOTEBOOK_OPS_KFP_PYTHON"] = kfp_python
    argv = [NOTEBOOK_OPS, "export", str(nb), "-o", str(tmp_path / "dist"), "--allow-dirty", "--no-tag"]
    return subprocess.run(
        argv + ["--no-mlflow", *args], capture_output=True, text=True, timeout=600, cwd=tmp_path, env=env
    )


def _argo_template(bundle, name):
    wf = yaml.safe_load((bundle / "targets" / "argo" / "workflow.yaml").read_text())
    return wf, next(t for t in wf["spec"]["templates"] if t["name"] == name)


def test_clashing_names_and_kale_gpu_limits_export_to_every_target(kfp_venv, tmp_path):
    limits = ["limit:nvidia.com/gpu:2", "limit:memory:2Gi"]
    done = export(tmp_path, limits, kfp_python=str(kfp_venv / "bin" / "python"))
    assert done.returncode == 0, done.stdout + done.stderr
    bundle = tmp_path / "dist" / "anyp-v1"
    assert sorted(p.name for p in (bundle / "targets").iterdir()) == [
        "airflow",
        "airflow-image",
        "argo",
        "k8s",
        "kfp",
    ]
    manifest = yaml.safe_load((bundle / "pipeline.yaml").read_text())
    train = next(s for s in manifest["steps"] if s["name"] == "train")
    assert train["resources"]["gpu"] == 2 and train["resources"]["gpu_vendor"] == "nvidia.com"

    # Argo: the user's data_url is a workflow argument beside ours; GPUs as nvidia.com/gpu
    wf, tmpl = _argo_template(bundle, "train")
    args = {p["name"]: p["value"] for p in wf["spec"]["arguments"]["parameters"]}
    assert args["data_url"] == "s3://bucket/raw.csv" and args["_nbo_data_url"] == "/data"
    assert tmpl["container"]["resources"] == {
        "requests": {"memory": "2Gi"},
        "limits": {"memory": "2Gi", "nvidia.com/gpu": "2"},
    }
    assert "{{workflow.parameters.data_url}}" in tmpl["container"]["args"]
    templates = [t["name"] for t in wf["spec"]["templates"]]
    assert wf["spec"]["entrypoint"] == "pipeline-1" and len(set(templates)) == len(templates)
    # Kubernetes: the one pod asks for the largest step's resources
    job = yaml.safe_load((bundle / "targets" / "k8s" / "job.yaml").read_text())
    limits_k8s = job["spec"]["template"]["spec"]["containers"][0]["resources"]["limits"]
    assert limits_k8s == {"memory": "2Gi", "nvidia.com/gpu": "2"}
    # both validated by the real models (an unknown field or a wrong type fails)
    rows = validate(kfp_venv, [wf, job], tmp_path)
    assert [r for r in rows if not r["ok"]] == [], rows

    # KFP: compiled by the real SDK; the user's parameters are pipeline inputs, ours moved aside
    spec = next(yaml.safe_load_all((bundle / "targets" / "kfp" / "pipeline.yaml").read_text()))
    assert set(CLASHING) <= set(spec["root"]["inputDefinitions"]["parameters"])
    comp = spec["components"]["comp-step1-train"]  # step_train is a parameter: the component moved
    assert list(comp["outputDefinitions"]["artifacts"]) == ["nbo_data_1"]
    assert set(comp["inputDefinitions"]["artifacts"]) == {"nbo_in1_load"}
    resources = spec["deploymentSpec"]["executors"]["exec-step1-train"]["container"]["resources"]
    assert resources["accelerator"]["resourceType"] == "nvidia.com/gpu"
    assert resources["accelerator"]["resourceCount"] == "2"
    assert resources["resourceMemoryLimit"] == "2Gi"

    # Airflow: the DAG params hold the user's names and ours side by side
    dag = (bundle / "targets" / "airflow" / "anyp_dag.py").read_text()
    assert 'params["_nbo_bundle"] = Param(' in dag and "'name': 'bundle'" in dag
    image_dag = (bundle / "targets" / "airflow-image" / "anyp_image_dag.py").read_text()
    assert "params.%s" not in image_dag  # params['items'], never params.items (the dict method)


def test_a_step_that_reads_data_url_runs_as_a_task(tmp_path):
    """The user's ``data_url`` reaches the step as a parameter; run-step's own store is apart."""
    done = export(tmp_path, [], "--target", "argo")
    assert done.returncode == 0, done.stderr
    bundle = tmp_path / "dist" / "anyp-v1"
    store = tmp_path / "store"
    for step, extra in (("load", ["--param-value", "data_url", "gs://other/x.csv"]), ("train", [])):
        task = tmp_path / f"task-{step}"
        task.mkdir()
        run = subprocess.run(
            [NOTEBOOK_OPS, "run-step", str(bundle), step, "--data", str(store), "-q", *extra],
            capture_output=True,
            text=True,
            timeout=600,
            cwd=task,
        )
        assert run.returncode == 0, run.stdout + run.stderr
    from notebook_ops.kernel_side.data_store import DataStore

    assert DataStore(str(store)).load_value("load", "rows") == ["gs://other/x.csv", "b"]


def test_other_vendors_and_resources(kfp_venv, tmp_path):
    done = export(
        tmp_path,
        ["limit:amd.com/gpu:1", "limit:cpu:2"],
        "--target",
        "argo,k8s,kfp",
        kfp_python=str(kfp_venv / "bin" / "python"),
    )
    assert done.returncode == 0, done.stderr
    bundle = tmp_path / "dist" / "anyp-v1"
    _, tmpl = _argo_template(bundle, "train")
    assert tmpl["container"]["resources"] == {
        "requests": {"cpu": "2"},
        "limits": {"cpu": "2", "amd.com/gpu": "1"},
    }
    spec = next(yaml.safe_load_all((bundle / "targets" / "kfp" / "pipeline.yaml").read_text()))
    resources = spec["deploymentSpec"]["executors"]["exec-step1-train"]["container"]["resources"]
    assert resources["accelerator"]["resourceType"] == "amd.com/gpu"


@pytest.mark.parametrize("target_args", [[], ["--target", "kfp,argo"]])
def test_a_target_that_cannot_take_the_pipeline_says_so_at_export(tmp_path, target_args):
    done = export(tmp_path, ["limit:example.com/fpga:1", "limit:ephemeral-storage:1Gi"], *target_args)
    assert done.returncode == 2
    others = "airflow,airflow-image,argo,k8s" if not target_args else "argo"
    assert done.stderr.strip() == (
        "error: deploy target 'kfp' cannot take this pipeline: step 'train' asks for "
        "ephemeral-storage: 1Gi, example.com/fpga: 1; a KFP task takes only cpu, memory and one "
        "accelerator (GPU) limit "
        f"(export without it: --target {others})"
    )
    assert not (tmp_path / "dist" / "anyp-v1").exists()
    again = export(
        tmp_path, ["limit:example.com/fpga:1", "limit:ephemeral-storage:1Gi"], "--target", "argo,k8s"
    )
    assert again.returncode == 0, again.stderr
    _, tmpl = _argo_template(tmp_path / "dist" / "anyp-v1", "train")
    assert tmpl["container"]["resources"]["limits"] == {"ephemeral-storage": "1Gi", "example.com/fpga": "1"}


POD_TAGS = ["annotation:example.com/dashboard:http://grafana:3000/d", "label:team:vision"]


def test_kale_annotation_and_label_tags_reach_every_pod(kfp_venv, airflow_venv, tmp_path):
    """Kale's ``annotation:KEY:VALUE`` / ``label:KEY:VALUE`` on a step: its pod's metadata in
    the KFP spec (kfp-kubernetes), the Argo workflow, the Kubernetes Job/CronJob pods and the
    Airflow image DAG's KubernetesPodOperator."""
    done = export(tmp_path, POD_TAGS, kfp_python=str(kfp_venv / "bin" / "python"))
    assert done.returncode == 0, done.stdout + done.stderr
    bundle = tmp_path / "dist" / "anyp-v1"
    mine = {
        "annotations": {"example.com/dashboard": "http://grafana:3000/d"},
        "labels": {"team": "vision"},
    }

    # Argo: the train template's pod, and only it
    wf, tmpl = _argo_template(bundle, "train")
    assert tmpl["metadata"] == mine
    assert "metadata" not in _argo_template(bundle, "load")[1]
    # Kubernetes: the one pod runs every step, so it carries them, beside the pipeline's labels
    job = yaml.safe_load((bundle / "targets" / "k8s" / "job.yaml").read_text())
    pod_meta = job["spec"]["template"]["metadata"]
    assert pod_meta["annotations"] == mine["annotations"]
    assert pod_meta["labels"] == {"team": "vision", **job["metadata"]["labels"]}
    rows = validate(kfp_venv, [wf, job], tmp_path)
    assert [r for r in rows if not r["ok"]] == [], rows

    # KFP: compiled by the real SDK with kfp-kubernetes: the train executor's pod metadata
    docs = list(yaml.safe_load_all((bundle / "targets" / "kfp" / "pipeline.yaml").read_text()))
    platform = next(d for d in docs if "platforms" in d)
    executors = platform["platforms"]["kubernetes"]["deploymentSpec"]["executors"]
    assert executors["exec-step1-train"]["podMetadata"] == mine
    assert "podMetadata" not in executors.get("exec-step1-load", {})

    # Airflow (image style), loaded by Airflow's own DagBag: the train task's pod
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW", "NOTEBOOK_OPS"))}
    env.update(AIRFLOW_HOME=str(tmp_path / "home"), AIRFLOW__CORE__LOAD_EXAMPLES="False")
    shown = subprocess.run(
        [
            str(airflow_venv / "bin" / "python"),
            str(HERE / "render_airflow_image.py"),
            str(bundle / "targets" / "airflow-image"),
            "anyp_image",
            "{}",
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    line = [x for x in shown.stdout.splitlines() if x.startswith("JSON")]
    assert line, shown.stderr[-3000:]
    tasks = json.loads(line[-1][4:])["tasks"]
    assert tasks["train"]["annotations"] == mine["annotations"]
    assert tasks["train"]["labels"]["team"] == "vision"
    assert tasks["train"]["labels"]["app.kubernetes.io/managed-by"] == "notebook-ops"
    assert not tasks["load"]["annotations"] and "team" not in tasks["load"]["labels"]


def test_pod_metadata_of_cron_jobs_and_a_key_two_steps_set(kfp_venv, golden_manifest, tmp_path):
    import copy

    from notebook_ops.deploy import k8s

    m = copy.deepcopy(golden_manifest)
    first, last = m["steps"][0], m["steps"][-1]
    first["options"] = {**first["options"], "labels": {"team": "data", "tier": "etl"}}
    last["options"] = {**last["options"], "labels": {"team": "ml", "app.kubernetes.io/name": "x"}}
    last["options"]["annotations"] = {"example.com/owner": "ana:ml"}
    crons = k8s.cron_jobs(m)
    assert crons
    for _, doc in crons:
        meta = doc["spec"]["jobTemplate"]["spec"]["template"]["metadata"]
        # the later step's value wins; the pipeline's own labels (its selector) are never replaced
        assert meta["labels"] == {"team": "ml", "tier": "etl", **common_labels(m)}
        assert meta["annotations"] == {"example.com/owner": "ana:ml"}
    rows = validate(kfp_venv, [d for _, d in crons] + [k8s.job(m)], tmp_path)
    assert [r for r in rows if not r["ok"]] == [], rows


def common_labels(m):
    from notebook_ops.deploy import common

    return common.labels(m)
