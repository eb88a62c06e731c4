"""What every generator reads from the manifest the same way: image, names, commands, resources.

Generated files must be the same bytes for the same manifest (bundles are reproducible), so
everything here is a pure function of the manifest; files are written atomically.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from notebook_ops.bundle.manifest import (
    producers,  # noqa: F401 - the generators' API
    secrets_object_name,
)
from notebook_ops.errors import NotebookOpsError
from notebook_ops.model.secrets import env_name
from notebook_ops.util import atomic
from notebook_ops.util.quantity import parse_quantity

BUNDLE_IN_IMAGE = "/bundle"  # where the Dockerfile copies the bundle
RUN_STEP = ["notebook-ops", "run-step"]
GPU_RESOURCE = "nvidia.com/gpu"


class TargetError(NotebookOpsError):
    """The manifest cannot be expressed for this engine."""


def image(m: dict, step: dict | None = None) -> str:
    """A step's container image: its ``image`` option, else the bundle's own image, tagged
    as the README's ``docker build -t <name>:v<version>`` makes it."""
    custom = ((step or {}).get("options") or {}).get("image")
    return custom or f"{m['name']}:v{m['version']}"


def dns_name(text: str, limit: int = 52) -> str:
    """A Kubernetes object name (RFC 1123 label: lowercase alphanumerics and '-')."""
    out = re.sub(r"[^a-z0-9-]+", "-", str(text).lower()).strip("-")[:limit].strip("-")
    if not out:
        raise TargetError(f"cannot make a Kubernetes name from {text!r}")
    return out


def labels(m: dict) -> dict:
    return {
        "app.kubernetes.io/name": dns_name(m["name"]),
        "app.kubernetes.io/version": f"v{m['version']}",
        "app.kubernetes.io/managed-by": "notebook-ops",
    }


def schedules(m: dict) -> list[dict]:
    """Schedules with a unique DNS-safe ``key`` each ("weekly", or "schedule-2")."""
    out, seen = [], set()
    for i, s in enumerate(m.get("schedules") or [], start=1):
        if not isinstance(s, dict) or not s.get("cron"):
            raise TargetError(f"schedule {i} has no cron expression")
        key = dns_name(s.get("name") or f"schedule-{i}", 30)
        if key in seen:
            key = f"{key}-{i}"
        seen.add(key)
        params = s.get("parameters") or {}
        if not isinstance(params, dict):
            raise TargetError(f"schedule {key}: parameters must be a mapping")
        known = {p["name"] for p in m["parameters"]}
        unknown = sorted(set(params) - known)
        if unknown:
            raise TargetError(f"schedule {key}: unknown parameter(s) {', '.join(unknown)}")
        out.append(
            {
                "key": key,
                "cron": str(s["cron"]),
                "tz": s.get("tz") or "UTC",
                "parameters": params,
                "paused": bool(s.get("paused")),
            }
        )
    return out


def cli_value(value) -> str:
    """A parameter value as ``run-step`` parses it back (JSON for lists and dicts)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple, dict)):
        return json.dumps(value, sort_keys=True)
    return "" if value is None else str(value)


def param(m: dict, name: str) -> dict:
    return next(p for p in m["parameters"] if p["name"] == name)


def options(step: dict) -> dict:
    return step.get("options") or {}


def pod_metadata(step: dict) -> dict:
    """The step's own pod annotations and labels (Kale's ``annotation:``/``label:`` tags), as
    Kubernetes metadata; empty when it sets none."""
    meta = {}
    for key in ("annotations", "labels"):
        value = options(step).get(key)
        if isinstance(value, dict) and value:
            meta[key] = {str(k): str(v) for k, v in sorted(value.items())}
    return meta


def run_pod_metadata(m: dict) -> dict:
    """The annotations and labels of a pod that runs every step (a k8s Job): each step's, in
    graph order (a key two steps set differently takes the later step's value), under the
    pipeline's own labels (which select its pods and are never overridden)."""
    meta: dict = {"annotations": {}, "labels": {}}
    for s in m["steps"]:
        for key, values in pod_metadata(s).items():
            meta[key].update(values)
    meta["labels"].update(labels(m))
    return {k: v for k, v in meta.items() if v}


def retries(step: dict) -> int:
    return int(options(step).get("retries") or 0)


def timeout(step: dict) -> int | None:
    t = options(step).get("timeout")
    return int(t) if t else None


def free_name(base: str, taken, sep: str = "_") -> str:
    """``base``, else ``base_1``, ``base_2``... (``sep`` between), the first no name in ``taken``
    is: our own names in a generated file never clash with the pipeline's, whatever its
    parameters and steps are called, and stay as they were when nothing clashes."""
    name, n = base, 1
    while name in taken:
        name, n = f"{base}{sep}{n}", n + 1
    return name


# A Kubernetes resource name: an optional DNS prefix and '/', then a name (kubernetes.io/docs:
# "Extended resources"); cpu, memory and the GPU count are read apart.
_RESOURCE_NAME = re.compile(r"^([a-z0-9]([-a-z0-9.]*[a-z0-9])?/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$")
_READ_APART = ("cpu", "memory", "gpu", "gpu_vendor")


def gpu_resource(res: dict) -> str:
    """The Kubernetes resource of a step's GPUs. ``gpu_vendor`` is a vendor domain (Kale's
    ``limit:amd.com/gpu:1`` gives ``amd.com``) or a whole resource name; default nvidia.com/gpu."""
    vendor = str(res.get("gpu_vendor") or "").strip().rstrip("/")
    if not vendor:
        return GPU_RESOURCE
    name = vendor if "/" in vendor else f"{vendor}/gpu"
    if not _RESOURCE_NAME.match(name):
        raise TargetError(f"GPU vendor {vendor!r} does not make a Kubernetes resource name")
    return name


def gpu_count(res: dict) -> str | None:
    value = res.get("gpu")
    return None if value in (None, "", 0, "0") else str(value)


def extra_resources(step: dict) -> dict[str, str]:
    """Resources besides cpu, memory and GPUs (Kale's ``limit:ephemeral-storage:10Gi``,
    ``limit:example.com/fpga:1``): name -> amount."""
    out = {}
    for name, value in sorted((step.get("resources") or {}).items()):
        if name in _READ_APART or value in (None, ""):
            continue
        if not _RESOURCE_NAME.match(str(name)):
            raise TargetError(f"step {step['name']!r}: {name!r} is not a Kubernetes resource name")
        out[str(name)] = str(value)
    return out


def k8s_resources(step: dict) -> dict:
    """``{"requests": ..., "limits": ...}`` from the step's cpu / memory / gpu and any other
    resource (empty: none). GPUs and other extended resources are limits only (Kubernetes
    requests them at their limit)."""
    res = step.get("resources") or {}
    req = {}
    if res.get("cpu") not in (None, ""):
        req["cpu"] = str(res["cpu"])
    if res.get("memory") not in (None, ""):
        req["memory"] = str(res["memory"])
    limits = dict(req)
    count = gpu_count(res)
    if count is not None:
        limits[gpu_resource(res)] = count
    limits.update(extra_resources(step))
    return {k: v for k, v in (("requests", req), ("limits", limits)) if v}


def max_resources(m: dict) -> dict:
    """For one pod running the whole pipeline: the largest request of any step."""
    best: dict[str, str] = {}
    for s in m["steps"]:
        for key, value in (k8s_resources(s).get("limits") or {}).items():
            if key not in best or _quantity(value) > _quantity(best[key]):
                best[key] = value
    req = {k: v for k, v in best.items() if k in ("cpu", "memory")}
    return {k: v for k, v in (("requests", req), ("limits", best)) if v}


def _quantity(text: str) -> float:
    try:
        return parse_quantity(text)
    except ValueError:
        raise TargetError(f"not a Kubernetes quantity: {text!r}") from None


def dump_yaml(docs) -> str:
    import yaml  # noqa: PLC0415 - yaml costs 26 ms CPU to import, loaded on first use

    docs = docs if isinstance(docs, list) else [docs]
    return "---\n".join(
        yaml.safe_dump(d, sort_keys=False, default_flow_style=False, width=100, allow_unicode=True)
        for d in docs
    )


def header(m: dict, what: str, comment: str = "#") -> str:
    return (
        f"{comment} {m['name']} v{m['version']}: {what}\n"
        f"{comment} Generated by notebook-ops from pipeline.yaml; regenerate with "
        f"`notebook-ops export`, do not edit.\n"
    )


def write(bundle_dir, rel: str, text: str) -> Path:
    """Write ``targets/<rel>`` atomically; refuses any path that leaves ``targets/``."""
    root = (Path(bundle_dir) / "targets").resolve()
    path = (root / rel).resolve()
    if root not in path.parents:
        raise TargetError(f"refusing to write outside targets/: {rel}")
    return atomic.write_text(path, text)


# --- secret parameters: each target takes them its own way (model/secrets.py) ---------------


def secret_name(m: dict) -> str:
    """The Kubernetes Secret every task reads its secret parameters from (``bundle.manifest``)."""

    return secrets_object_name(m)


def secret_env(m: dict) -> list[dict]:
    """Container ``env`` entries: each secret parameter from the pipeline's Secret."""

    return [
        {
            "name": env_name(n),
            "valueFrom": {"secretKeyRef": {"name": secret_name(m), "key": n}},
        }
        for n in m.get("secret_parameters") or ()
    ]


# --- the MLflow tracking store: configured where the tasks run, never the author's machine ---

# One Secret per namespace for every pipeline's tasks (a tracking URI may carry a password, and
# an MLflow server's credentials sit beside it); each key is optional, as is the Secret itself:
# without it a task runs and tracks nothing.
TRACKING_SECRET = "notebook-ops-mlflow"
TRACKING_ENV = (
    "MLFLOW_TRACKING_URI",
    "MLFLOW_TRACKING_USERNAME",
    "MLFLOW_TRACKING_PASSWORD",
    "MLFLOW_TRACKING_TOKEN",
)


def tracking_env() -> list[dict]:
    """Container ``env`` entries: the MLflow store and its credentials from the keys of the
    same names in the Secret ``notebook-ops-mlflow``, each optional."""

    return [
        {
            "name": name,
            "valueFrom": {"secretKeyRef": {"name": TRACKING_SECRET, "key": name, "optional": True}},
        }
        for name in TRACKING_ENV
    ]


def container_env(m: dict) -> list[dict]:
    """A task container's ``env``: its secret parameters, then the MLflow store's settings."""

    return secret_env(m) + tracking_env()
