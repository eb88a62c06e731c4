"""Kubeflow Pipelines: the spec compiled by the real kfp SDK matches the manifest, and runs.

``kfp.local.SubprocessRunner`` runs only lightweight Python components (it refuses container
components, checked below), so the compiled spec is run here the way a KFP launcher would run
it: each task's container command from the spec, its placeholders resolved (input artifacts to
the producers' output folders, parameters to the pipeline defaults), in DAG order, each with a
fresh local store (as a fresh container has).
"""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import yaml

from targetkit import NOTEBOOK_OPS
from notebook_ops.deploy import kfp

PLACEHOLDER = re.compile(r"\{\{\$\.(inputs|outputs)\.(artifacts|parameters)\['([^']+)'\](\.path)?\}\}")


def spec_of(bundle: Path) -> dict:
    return yaml.safe_load((bundle / "targets" / "kfp" / "pipeline.yaml").read_text())


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
    spec = spec_of(churn_bundle)
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
                _resolve(a, task, done, defaults, out_dir) for a in container["command"] + container["args"]
            ]
            assert argv[:3] == ["notebook-ops", "run-step", "/bundle"]
            argv[0], argv[2] = NOTEBOOK_OPS, str(churn_bundle)
            argv[argv.index(kfp.LOCAL_STORE)] = str(tmp_path / "containers" / key)
            run = subprocess.run(argv, capture_output=True, text=True, timeout=600, cwd=tmp_path)
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
    spec = yaml.safe_load(kfp.compile_spec(dsl, str(kfp_venv / "bin" / "python")))
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
