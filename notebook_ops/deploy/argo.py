"""Argo Workflows: ``targets/argo/workflow.yaml`` and a ``CronWorkflow`` per schedule.

A DAG template with one container template per step (the bundle image's ``notebook-ops
run-step``), the pipeline parameters as workflow arguments, a shared data store given by the
``_nbo_data_url`` argument (default: a volume claimed per workflow, mounted at ``/data``; an
fsspec URL such as s3://... on a multi-node cluster; prefixed with ``_nbo_``, which no pipeline
parameter can take), and the executed step notebooks as output
artifacts in the artifact repository the ``artifactRepositoryRef`` names.
"""

from __future__ import annotations

import copy
from typing import Any

from notebook_ops.deploy import common

API_VERSION = "argoproj.io/v1alpha1"
DATA_PARAM = "_nbo_data_url"
DAG_TEMPLATE = "pipeline"
DATA_MOUNT = "/data"
VOLUME = "nbo-data"
NOTEBOOK_PATH = "/tmp/nbo/notebook.ipynb"
ARTIFACT_REPOSITORY = {"configMap": "artifact-repositories", "key": "default"}


def _arguments(m: dict, overrides: dict) -> dict:
    params = []
    for p in m["parameters"]:
        value = overrides.get(p["name"], p["default"])
        entry = {"name": p["name"], "value": common.cli_value(value)}
        if p.get("help"):
            entry["description"] = p["help"]
        params.append(entry)
    params.append(
        {
            "name": DATA_PARAM,
            "value": DATA_MOUNT,
            "description": "shared data store root: a folder on the claimed volume, or "
            "an fsspec URL (s3://bucket/prefix)",
        }
    )
    return {"parameters": params}


def _step_template(m: dict, s: dict) -> dict:
    args = [
        common.BUNDLE_IN_IMAGE,
        s["name"],
        "--data",
        "{{workflow.parameters.%s}}/{{workflow.name}}" % DATA_PARAM,
        "--run-id",
        "{{workflow.name}}",
        "--output-notebook",
        NOTEBOOK_PATH,
    ]
    for p in s.get("parameters") or []:
        args += ["--param-value", p, "{{workflow.parameters.%s}}" % p]
    container: dict[str, Any] = {
        "name": "main",
        "image": common.image(m, s),
        "command": list(common.RUN_STEP),
        "args": args,
        "volumeMounts": [{"name": VOLUME, "mountPath": DATA_MOUNT}],
    }
    resources = common.k8s_resources(s)
    if resources:
        container["resources"] = resources
    container["env"] = common.container_env(m)  # secret parameters, the MLflow store
    t: dict[str, Any] = {
        "name": common.dns_name(s["name"]),
        "container": container,
        "outputs": {"artifacts": [{"name": "notebook", "path": NOTEBOOK_PATH, "optional": True}]},
    }
    if common.pod_metadata(s):
        t["metadata"] = common.pod_metadata(s)  # the step pod's annotations and labels
    if common.retries(s):
        t["retryStrategy"] = {"limit": str(common.retries(s)), "retryPolicy": "Always"}
    if common.timeout(s):
        t["activeDeadlineSeconds"] = common.timeout(s)
    return t


def workflow_spec(m: dict, overrides: dict | None = None) -> dict:
    tasks = []
    for s in m["steps"]:
        task: dict[str, Any] = {"name": common.dns_name(s["name"]), "template": common.dns_name(s["name"])}
        if s["after"]:
            task["dependencies"] = [common.dns_name(d) for d in s["after"]]
        tasks.append(task)
    names = [t["name"] for t in tasks]
    if len(set(names)) != len(names):
        raise common.TargetError("two step names give the same Argo task name")
    dag = common.free_name(DAG_TEMPLATE, names, "-")  # a step may be called "pipeline"
    return {
        "entrypoint": dag,
        "arguments": _arguments(m, overrides or {}),
        "artifactRepositoryRef": dict(ARTIFACT_REPOSITORY),
        "volumeClaimTemplates": [
            {
                "metadata": {"name": VOLUME},
                "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}},
            }
        ],
        "templates": [{"name": dag, "dag": {"tasks": tasks}}] + [_step_template(m, s) for s in m["steps"]],
    }


def workflow(m: dict) -> dict:
    meta = {"generateName": f"{common.dns_name(m['name'])}-", "labels": common.labels(m)}
    if m.get("objective"):
        meta["annotations"] = {"workflows.argoproj.io/description": m["objective"]}
    return {"apiVersion": API_VERSION, "kind": "Workflow", "metadata": meta, "spec": workflow_spec(m)}


def cron_workflows(m: dict) -> list[tuple[str, dict]]:
    out = []
    for sched in common.schedules(m):
        name = f"{common.dns_name(m['name'], 40)}-{sched['key']}"
        out.append(
            (
                sched["key"],
                {
                    "apiVersion": API_VERSION,
                    "kind": "CronWorkflow",
                    "metadata": {"name": name, "labels": common.labels(m)},
                    "spec": {
                        "schedules": [sched["cron"]],
                        "timezone": sched["tz"],
                        "concurrencyPolicy": "Forbid",
                        "suspend": sched["paused"],
                        "successfulJobsHistoryLimit": 3,
                        "failedJobsHistoryLimit": 3,
                        "workflowSpec": workflow_spec(m, copy.deepcopy(sched["parameters"])),
                    },
                },
            )
        )
    return out


def generate(m: dict, bundle_dir) -> None:
    head = common.header(m, "Argo Workflows")
    common.write(bundle_dir, "argo/workflow.yaml", head + common.dump_yaml(workflow(m)))
    for key, doc in cron_workflows(m):
        common.write(
            bundle_dir,
            f"argo/cronworkflow-{key}.yaml",
            common.header(m, f"Argo CronWorkflow, schedule {key}") + common.dump_yaml(doc),
        )
