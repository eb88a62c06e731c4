"""Kubernetes: ``targets/k8s/job.yaml`` (one run now) and ``cronjob-<schedule>.yaml`` per schedule.

The whole pipeline runs in one pod from the bundle image (its entry point is
``notebook-ops run /bundle``: steps in parallel kernels, run folder under ``/runs``), sized for
its largest step, with every step's pod annotations and labels (Kale's ``annotation:`` and
``label:`` tags). Schedule parameters become ``-p NAME=VALUE`` arguments.
"""

from __future__ import annotations

from typing import Any

from notebook_ops.deploy import common

RUNS_MOUNT = "/runs"


def _pod_spec(m: dict, overrides: dict) -> dict:
    args = []
    for name, value in overrides.items():
        args += ["-p", f"{name}={common.cli_value(value)}"]
    container: dict[str, Any] = {
        "name": "pipeline",
        "image": common.image(m),
        "args": args,
        "volumeMounts": [{"name": "runs", "mountPath": RUNS_MOUNT}],
    }
    resources = common.max_resources(m)
    if resources:
        container["resources"] = resources
    container["env"] = common.container_env(m)  # secret parameters, the MLflow store
    if not args:
        del container["args"]
    return {
        "restartPolicy": "Never",
        "containers": [container],
        "volumes": [{"name": "runs", "emptyDir": {}}],
    }


def _job_spec(m: dict, overrides: dict) -> dict:
    spec: dict[str, Any] = {
        "backoffLimit": 0,
        "template": {"metadata": common.run_pod_metadata(m), "spec": _pod_spec(m, overrides)},
    }
    timeouts = [common.timeout(s) for s in m["steps"]]
    if all(timeouts):
        # every step has a timeout: the run cannot legitimately take longer than all of them
        # in sequence, retries included
        spec["activeDeadlineSeconds"] = sum(
            (t or 0) * (1 + common.retries(s)) for t, s in zip(timeouts, m["steps"], strict=True)
        )
    return spec


def job(m: dict) -> dict:
    return {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {"generateName": f"{common.dns_name(m['name'])}-", "labels": common.labels(m)},
        "spec": _job_spec(m, {}),
    }


def cron_jobs(m: dict) -> list[tuple[str, dict]]:
    out = []
    for sched in common.schedules(m):
        out.append(
            (
                sched["key"],
                {
                    "apiVersion": "batch/v1",
                    "kind": "CronJob",
                    "metadata": {
                        "name": f"{common.dns_name(m['name'], 40)}-{sched['key']}",
                        "labels": common.labels(m),
                    },
                    "spec": {
                        "schedule": sched["cron"],
                        "timeZone": sched["tz"],
                        "concurrencyPolicy": "Forbid",
                        "suspend": sched["paused"],
                        "successfulJobsHistoryLimit": 3,
                        "failedJobsHistoryLimit": 3,
                        "jobTemplate": {
                            "metadata": {"labels": common.labels(m)},
                            "spec": _job_spec(m, sched["parameters"]),
                        },
                    },
                },
            )
        )
    return out


def generate(m: dict, bundle_dir) -> None:
    common.write(
        bundle_dir, "k8s/job.yaml", common.header(m, "Kubernetes Job (one run)") + common.dump_yaml(job(m))
    )
    for key, doc in cron_jobs(m):
        common.write(
            bundle_dir,
            f"k8s/cronjob-{key}.yaml",
            common.header(m, f"Kubernetes CronJob, schedule {key}") + common.dump_yaml(doc),
        )
