"""Kubeflow Pipelines: the spec compiled by the real kfp SDK matches the manifest, and runs.

``kfp.local.SubprocessRunner`` runs only lightweight Python components (it refuses container
components, checked below), so the compiled spec is run here the way a KFP launcher would run
it: each task's container command from the spec, its placeholders resolved (input artifacts to
the producers' output folders, parameters to the pipeline defaults, the run's id to one id), its
environment from the Secrets its platform spec names (kfp-kubernetes), in DAG order, each with a
fresh local store (as a fresh container has).
"""

from __future__ import annotations

import json
import re
import os
import subprocess
import uuid
from pathlib import Path

import yaml

from targetkit import NOTEBOOK_OPS
from notebook_ops.deploy import common, kfp

PLACEHOLDER = re.compile(r"\{\{\$\.(inputs|outputs)\.(artifacts|parameters)\['([^']+)'\](\.path)?\}\}")
JOB_ID = "{{$.pipeline_job_uuid}}"  # dsl.PIPELINE_JOB_ID_PLACEHOLDER, as kfp 2 compiles it


def spec_of(bundle: Path) -> dict:
    """The pipeline spec (the first document; the second is kfp-kubernetes' platform spec)."""
    return next(yaml.safe_load_all((bundle / "targets" / "kfp" / "pipeline.yaml").read_text()))


def platform_of(bundle: Path) -> dict:
    """kfp-kubernetes' settings per executor (Secrets as env, pod metadata)."""
    docs = list(yaml.safe_load_all((bundle / "targets" / "kfp" / "pipeline.yaml").read_text()))
    return docs[1]["platforms"]["kubernetes"]["deploymentSpec"]["executors"]


def secret_env(executor: dict, secrets: dict[str, dict]) -> dict[str, str]:
    """The env a pod gets from ``secretAsEnv``, given the Secrets that exist (name -> data); a
    missing Secret or key of an optional entry gives nothing, as Kubernetes does."""
    env = {}
    for entry in executor.get("secretAsEnv") or []:
        data = secrets.get(entry["secretName"])
        for pair in entry["keyToEnv"]:
            if data is not None and pair["secretKey"] in data:
                env[pair["envVar"]] = data[pair["secretKey"]]
            else:
                assert entry.get("optional"), (entry["secretName"], pair)
    return env


def test_compiled_spec_matches_the_manifest(churn_bundle):
    m = yaml.safe_load((churn_bundle / "pipeline.yaml").read_text())
    spec = spec_of(churn_bundle)
    assert spec["pipelineInfo"]["name"] == "churn"
    params = spec["root"]["inputDefinitions"]["parameters"]
    kinds = {"int": "NUMBER_INTEGER", "float": "NUMBER_DOUBLE", "str": "STRING", "bool": "BOOLEAN"}
    assert {n: (p["parameterType"], p["defaultValue"]) for n, p in params.items()} == {
        p["name"]: (kinds[p["type"]], p["default"]) for p in m["parameters"]
    }
    tasks = spec["root"]["dag"]["tasks"]
    assert sorted(t["taskInfo"]["name"] for t in tasks.values()) == sorted(s["name"] for s in m["steps"])
    by_step = {t["taskInfo"]["name"]: (key, t) for key, t in tasks.items()}
    key_of = {step: key for step, (key, _) in by_step.items()}
    execs = spec["deploymentSpec"]["executors"]
    for s in m["steps"]:
        key, task = by_step[s["name"]]
        upstream = set(s["after"]) | set(s["input_sources"].values())  # order and data
        assert sorted(task.get("dependentTasks", [])) == sorted(key_of[d] for d in upstream)
        arts = task.get("inputs", {}).get("artifacts", {})
        assert {a["taskOutputArtifact"]["producerTask"] for a in arts.values()} == {
            key_of[p] for p in set(s["input_sources"].values())
        }
        assert set(task.get("inputs", {}).get("parameters", {})) == set(s["parameters"])
        comp = spec["components"][task["componentRef"]["name"]]
        assert list(comp["outputDefinitions"]["artifacts"]) == ["nbo_data"]
        container = execs[comp["executorLabel"]]["container"]
        assert container["image"] == f"churn:v{m['version']}"
        assert container["command"][:4] == ["notebook-ops", "run-step", "/bundle", s["name"]]
        if s["options"].get("retries"):
            assert task["retryPolicy"]["maxRetryCount"] == s["options"]["retries"]
    linear = execs["exec-step-train-linear"]["container"]["resources"]
    assert linear["resourceCpuLimit"] == "1" and linear["resourceMemoryLimit"] == "1Gi"
    # every task: the KFP run's id (one MLflow parent run per pipeline run), and the MLflow
    # store from the optional Secret DevOps create in the namespace, never the author's
    platform = platform_of(churn_bundle)
    for label, executor in execs.items():
        args = executor["container"]["args"]
        assert args[args.index("--run-id") + 1] == JOB_ID, label
        (tracking,) = [e for e in platform[label]["secretAsEnv"] if e["secretName"] == common.TRACKING_SECRET]
        assert tracking["optional"] is True
        assert {p["envVar"]: p["secretKey"] for p in tracking["keyToEnv"]} == {
            name: name for name in common.TRACKING_ENV
        }
    assert "sqlite" not in (churn_bundle / "targets" / "kfp" / "pipeline.yaml").read_text()


def _resolve(arg: str, task: dict, outputs: dict, defaults: dict, out_dir: Path) -> str:
    def sub(match):
        direction, kind, name, _ = match.groups()
        if direction == "outputs":
            return str(out_dir / name)
        if kind == "artifacts":
            ref = task["inputs"]["artifacts"][name]["taskOutputArtifact"]
            return str(outputs[ref["producerTask"]] / ref["outputArtifactKey"])
        source = task["inputs"]["parameters"][name]["componentInputParameter"]
        value = defaults[source]
        return json.dumps(value) if isinstance(value, (list, dict)) else str(value)

    return PLACEHOLDER.sub(sub, arg)


def test_the_compiled_spec_runs_step_by_step(churn_bundle, tmp_path):
    """Run as a launcher would, with the Secret notebook-ops-mlflow holding a sqlite store: the
    tasks record one MLflow parent run (the KFP run's id), a nested run per step."""
    spec = spec_of(churn_bundle)
    platform = platform_of(churn_bundle)
    registry = tmp_path / "registry" / "mlflow.db"
    registry.parent.mkdir()
    secrets = {common.TRACKING_SECRET: {"MLFLOW_TRACKING_URI": f"sqlite:///{registry}"}}
    job_id = str(uuid.uuid4())
    base_env = {k: v for k, v in os.environ.items() if not k.startswith(("MLFLOW_", "NOTEBOOK_OPS_"))}
    defaults = {n: p["defaultValue"] for n, p in spec["root"]["inputDefinitions"]["parameters"].items()}
    defaults["n_customers"] = 1600  # a non-default value travels through the placeholders
    tasks = spec["root"]["dag"]["tasks"]
    done: dict[str, Path] = {}
    while len(done) < len(tasks):
        ready = [
            k
            for k, t in tasks.items()
            if k not in done and all(d in done for d in t.get("dependentTasks", []))
        ]
        assert ready, "the DAG has a cycle"
        for key in sorted(ready):
            task = tasks[key]
            comp = spec["components"][task["componentRef"]["name"]]
            container = spec["deploymentSpec"]["executors"][comp["executorLabel"]]["container"]
            out_dir = tmp_path / "artifacts" / key
            argv = [
                _resolve(a, task, done, defaults, out_dir).replace(JOB_ID, job_id)
                for a in container["command"] + container["args"]
            ]
            assert argv[:3] == ["notebook-ops", "run-step", "/bundle"]
            argv[0], argv[2] = NOTEBOOK_OPS, str(churn_bundle)
            argv[argv.index(kfp.LOCAL_STORE)] = str(tmp_path / "containers" / key)
            env = {**base_env, **secret_env(platform[comp["executorLabel"]], secrets)}
            assert env["MLFLOW_TRACKING_URI"] == f"sqlite:///{registry}"
            run = subprocess.run(argv, capture_output=True, text=True, timeout=600, cwd=tmp_path, env=env)
            assert run.returncode == 0, (key, run.stdout[-1500:], run.stderr[-1500:])
            done[key] = out_dir
    load_out = json.loads((done["step-load"] / "nbo_data" / "_outputs.json").read_text())
    assert "customers" in load_out["outputs"]
    metrics = json.loads((done["step-evaluate"] / "nbo_data" / "_metrics.json").read_text())
    accuracy = {r["name"]: r["value"] for r in metrics}["accuracy"]
    assert accuracy >= 0.8
    executed = json.loads((done["step-load"] / "nbo_data" / "_notebook.ipynb").read_text())
    injected = [c for c in executed["cells"] if "injected-parameters" in c["metadata"].get("tags", [])]
    assert "n_customers = 1600" in "".join(injected[0]["source"])

    from mlflow.tracking import MlflowClient

    client = MlflowClient(f"sqlite:///{registry}")
    runs = client.search_runs(
        [e.experiment_id for e in client.search_experiments()], f"tags.`notebook_ops.run_id` = '{job_id}'"
    )
    (parent,) = [r for r in runs if "mlflow.parentRunId" not in r.data.tags]
    assert parent.data.tags["notebook_ops.status"] == "succeeded"
    children = client.search_runs(
        [parent.info.experiment_id], f"tags.mlflow.parentRunId = '{parent.info.run_id}'"
    )
    assert sorted(r.data.tags["notebook_ops.step"] for r in children) == sorted(
        t["taskInfo"]["name"] for t in tasks.values()
    )


def test_subprocess_runner_refuses_container_components(kfp_venv, churn_bundle, tmp_path):
    code = (
        "import sys, runpy\n"
        "from kfp import local\n"
        "ns = runpy.run_path(sys.argv[1])\n"
        "local.init(runner=local.SubprocessRunner(use_venv=False), pipeline_root=sys.argv[2])\n"
        "try:\n"
        "    ns['pipeline_churn']()\n"
        "except RuntimeError as exc:\n"
        "    print('REFUSED', exc)\n"
    )
    run = subprocess.run(
        [
            str(kfp_venv / "bin" / "python"),
            "-c",
            code,
            str(churn_bundle / "targets" / "kfp" / "pipeline.py"),
            str(tmp_path / "root"),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=tmp_path,
    )
    assert "REFUSED" in run.stdout and "Container Component" in run.stdout, run.stderr[-1500:]


def test_every_option_compiles(kfp_venv, golden_manifest, tmp_path):
    """GPU, custom image, cache off, list / bool parameters, order-only dependencies."""
    dsl = tmp_path / "pipeline.py"
    dsl.write_text(kfp.render(golden_manifest))
    spec = next(yaml.safe_load_all(kfp.compile_spec(dsl, str(kfp_venv / "bin" / "python"))))
    tasks = spec["root"]["dag"]["tasks"]
    assert tasks["step-report-card"]["dependentTasks"] == ["step-evaluate"]
    assert "inputs" not in tasks["step-report-card"] or "artifacts" not in tasks["step-report-card"]["inputs"]
    assert tasks["step-evaluate"]["cachingOptions"] == {}  # caching off: no enableCache
    assert tasks["step-train"]["cachingOptions"] == {"enableCache": True}
    execs = spec["deploymentSpec"]["executors"]
    gpu = execs["exec-step-evaluate"]["container"]["resources"]["accelerator"]
    assert gpu["resourceType"] == "nvidia.com/gpu" and gpu["resourceCount"] == "1"
    assert execs["exec-step-train"]["container"]["image"] == "python:3.11"
    params = spec["root"]["inputDefinitions"]["parameters"]
    assert params["columns"] == {"defaultValue": ["a", "b"], "isOptional": True, "parameterType": "LIST"}
    assert params["verbose"]["parameterType"] == "BOOLEAN"
