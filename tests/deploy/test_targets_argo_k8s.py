"""Argo and Kubernetes files: valid for the real API models (hera, kubernetes client) and
faithful to the manifest (DAG, parameters, schedules, resources)."""

from __future__ import annotations

import copy
import json
import re
import subprocess

import pytest
import yaml

from targetkit import HERE
from notebook_ops.deploy import argo, common, k8s

DNS = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")


def validate(venv, docs, tmp_path) -> list[dict]:
    paths = []
    for i, doc in enumerate(docs):
        p = tmp_path / f"doc{i}.yaml"
        p.write_text(yaml.safe_dump(doc, sort_keys=False))
        paths.append(str(p))
    done = subprocess.run(
        [str(venv / "bin" / "python"), str(HERE / "validate_k8s.py"), *paths],
        capture_output=True,
        text=True,
        timeout=300,
    )
    rows = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
    assert len(rows) == len(docs), done.stderr[-2000:]
    return rows


def all_docs(m):
    return (
        [argo.workflow(m)]
        + [d for _, d in argo.cron_workflows(m)]
        + [k8s.job(m)]
        + [d for _, d in k8s.cron_jobs(m)]
    )


def test_generated_files_are_valid_for_the_api_models(kfp_venv, golden_manifest, churn_bundle, tmp_path):
    docs = all_docs(golden_manifest)
    for f in sorted((churn_bundle / "targets").glob("*/*.yaml")):
        if f.parent.name in ("argo", "k8s"):
            docs += list(yaml.safe_load_all(f.read_text()))
    rows = validate(kfp_venv, docs, tmp_path)
    assert [r for r in rows if not r["ok"]] == []
    assert sorted({r["kind"] for r in rows}) == ["CronJob", "CronWorkflow", "Job", "Workflow"]


def _mutations(m):
    wf = argo.workflow(m)
    bad_field = copy.deepcopy(wf)
    bad_field["spec"]["templates"][1]["container"]["imagePullPolicyy"] = "Always"
    bad_type = copy.deepcopy(wf)
    bad_type["spec"]["templates"][1]["activeDeadlineSeconds"] = {"seconds": 600}
    cron = k8s.cron_jobs(m)[0][1]
    no_schedule = copy.deepcopy(cron)
    del no_schedule["spec"]["schedule"]
    bad_policy = copy.deepcopy(cron)
    bad_policy["spec"]["jobTemplate"]["spec"]["backoffLimit"] = "zero"
    misspelt = copy.deepcopy(cron)
    misspelt["spec"]["timezone"] = misspelt["spec"].pop("timeZone")
    return [bad_field, bad_type, no_schedule, bad_policy, misspelt]


def test_the_validator_rejects_broken_documents(kfp_venv, golden_manifest, tmp_path):
    rows = validate(kfp_venv, _mutations(golden_manifest), tmp_path)
    assert [r["ok"] for r in rows] == [False] * 5, rows
    assert "imagePullPolicyy" in rows[0]["error"]
    assert "timezone" in rows[4]["error"]


def test_argo_workflow_follows_the_manifest(golden_manifest):
    m = golden_manifest
    spec = argo.workflow(m)["spec"]
    dag = {t["name"]: t.get("dependencies", []) for t in spec["templates"][0]["dag"]["tasks"]}
    assert dag == {"load": [], "train": ["load"], "evaluate": ["train", "load"], "report-card": ["evaluate"]}
    args = {p["name"]: p["value"] for p in spec["arguments"]["parameters"]}
    assert args == {
        "n_customers": "2000",
        "rate": "0.5",
        "region": "eu-west",
        "verbose": "false",
        "columns": '["a", "b"]',
        "_nbo_data_url": "/data",  # ours: _nbo_ prefixed, no pipeline parameter can take it
    }
    assert spec["artifactRepositoryRef"] == {"configMap": "artifact-repositories", "key": "default"}
    train = next(t for t in spec["templates"] if t["name"] == "train")
    assert train["retryStrategy"]["limit"] == "1" and train["activeDeadlineSeconds"] == 600
    assert train["container"]["image"] == "python:3.11"
    assert train["container"]["resources"]["limits"] == {"cpu": "2", "memory": "4Gi"}
    assert train["container"]["args"][-6:] == [
        "--param-value",
        "rate",
        "{{workflow.parameters.rate}}",
        "--param-value",
        "verbose",
        "{{workflow.parameters.verbose}}",
    ]
    evaluate = next(t for t in spec["templates"] if t["name"] == "evaluate")
    assert evaluate["container"]["resources"]["limits"] == {"nvidia.com/gpu": "1"}
    assert all(DNS.match(t["name"]) for t in spec["templates"])


def test_cron_workflows_and_cron_jobs_per_schedule(golden_manifest):
    m = golden_manifest
    crons = dict(argo.cron_workflows(m))
    assert sorted(crons) == ["schedule-2", "weekly"]
    weekly = crons["weekly"]["spec"]
    assert weekly["schedules"] == ["0 6 * * 1"] and weekly["timezone"] == "Europe/Paris"
    second = {
        p["name"]: p["value"] for p in crons["schedule-2"]["spec"]["workflowSpec"]["arguments"]["parameters"]
    }
    assert second["region"] == "us" and crons["schedule-2"]["spec"]["timezone"] == "UTC"
    jobs = dict(k8s.cron_jobs(m))
    assert jobs["weekly"]["spec"]["schedule"] == "0 6 * * 1"
    assert jobs["weekly"]["spec"]["timeZone"] == "Europe/Paris"
    pod = jobs["schedule-2"]["spec"]["jobTemplate"]["spec"]["template"]["spec"]
    assert pod["containers"][0]["args"] == ["-p", "region=us"]
    assert pod["containers"][0]["image"] == "churn:v7"
    # one pod runs every step: sized for the largest
    assert pod["containers"][0]["resources"]["limits"] == {"cpu": "2", "memory": "4Gi", "nvidia.com/gpu": "1"}
    for doc in list(crons.values()) + list(jobs.values()):
        assert DNS.match(doc["metadata"]["name"]) and len(doc["metadata"]["name"]) <= 52


def test_bad_manifests_are_refused_with_a_clear_error(golden_manifest):
    m = copy.deepcopy(golden_manifest)
    m["schedules"] = [{"cron": "0 * * * *", "parameters": {"nope": 1}}]
    with pytest.raises(common.TargetError, match="unknown parameter"):
        k8s.cron_jobs(m)
    m["schedules"] = [{"tz": "UTC"}]
    with pytest.raises(common.TargetError, match="no cron"):
        argo.cron_workflows(m)
    m = copy.deepcopy(golden_manifest)
    m["steps"][0]["resources"] = {"cpu": 1, "bad name!": "1"}
    with pytest.raises(common.TargetError, match="'bad name!' is not a Kubernetes resource name"):
        argo.workflow(m)


MLFLOW_ENV = [
    {
        "name": name,
        "valueFrom": {"secretKeyRef": {"name": "notebook-ops-mlflow", "key": name, "optional": True}},
    }
    for name in (
        "MLFLOW_TRACKING_URI",
        "MLFLOW_TRACKING_USERNAME",
        "MLFLOW_TRACKING_PASSWORD",
        "MLFLOW_TRACKING_TOKEN",
    )
]


def _pod_containers(doc):
    if isinstance(doc, dict):
        if "image" in doc and "name" in doc:
            yield doc
        for value in doc.values():
            yield from _pod_containers(value)
    elif isinstance(doc, list):
        for value in doc:
            yield from _pod_containers(value)


def test_every_container_reads_the_mlflow_store_from_the_optional_secret(golden_manifest, monkeypatch):
    """Argo and Kubernetes tasks take MLFLOW_TRACKING_URI (and its credentials) from the Secret
    DevOps create in the namespace, optional (no Secret: the task runs untracked); the author's
    own store is never written into the files. Secret parameters keep their own entries first."""
    m = copy.deepcopy(golden_manifest)
    monkeypatch.setenv("MLFLOW_TRACKING_URI", "sqlite:////home/author/mlflow.db")
    docs = [
        argo.workflow(m),
        k8s.job(m),
        *dict(argo.cron_workflows(m)).values(),
        *dict(k8s.cron_jobs(m)).values(),
    ]
    containers = [c for d in docs for c in _pod_containers(d)]
    assert len(containers) == 3 * 4 + 1 + 2  # a template per step (workflow, 2 crons), a pod per job
    assert all(c["env"] == MLFLOW_ENV for c in containers)
    assert "/home/author" not in common.dump_yaml(docs)

    m["secret_parameters"] = ["api_key"]
    env = argo.workflow(m)["spec"]["templates"][1]["container"]["env"]
    assert env[0] == {
        "name": "NOTEBOOK_OPS_SECRET_API_KEY",
        "valueFrom": {"secretKeyRef": {"name": "churn-secrets", "key": "api_key"}},
    }
    assert env[1:] == MLFLOW_ENV
    assert k8s.job(m)["spec"]["template"]["spec"]["containers"][0]["env"][1:] == MLFLOW_ENV
