"""Validate Argo and Kubernetes YAML files against maintained models (run in .venv-kfp).

Argo documents go through hera's generated pydantic models of the Argo Workflows API
(``hera.workflows.models``); Kubernetes ones through the official client's models
(``kubernetes.client``), whose constructors check required fields and enums. A document is
valid when the model accepts it *and* dumping the model gives back the same document: a
misspelt or unknown field (dropped by the model) or a value of the wrong type (coerced) fails.

Usage: python validate_k8s.py FILE...   prints one JSON line per file: {file, kind, ok, error}.
"""

from __future__ import annotations

import json
import sys

import yaml


def _argo(doc: dict):
    from hera.workflows import models

    cls = {
        "Workflow": models.Workflow,
        "CronWorkflow": models.CronWorkflow,
        "WorkflowTemplate": models.WorkflowTemplate,
    }[doc["kind"]]
    obj = cls.model_validate(doc)
    return obj.model_dump(mode="json", by_alias=True, exclude_none=True)


def _k8s(doc: dict):
    from kubernetes import client

    api = client.ApiClient()
    cls = {"CronJob": "V1CronJob", "Job": "V1Job", "Pod": "V1Pod"}[doc["kind"]]
    obj = api._ApiClient__deserialize(doc, cls)  # the client's own model loader
    return api.sanitize_for_serialization(obj)


def _diff(a, b, path="") -> str | None:
    if isinstance(a, dict) and isinstance(b, dict):
        for k in sorted(set(a) | set(b)):
            if k not in b:
                return f"{path}/{k}: not in the model (unknown field?)"
            if k not in a:
                return f"{path}/{k}: added by the model"
            d = _diff(a[k], b[k], f"{path}/{k}")
            if d:
                return d
        return None
    if isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            return f"{path}: list length {len(a)} != {len(b)}"
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            d = _diff(x, y, f"{path}/{i}")
            if d:
                return d
        return None
    if a != b or type(a) is not type(b):
        return f"{path}: {a!r} became {b!r}"
    return None


def validate(doc: dict) -> str | None:
    api = doc.get("apiVersion", "")
    loader = _argo if api.startswith("argoproj.io/") else _k8s
    try:
        back = loader(doc)
    except Exception as exc:  # the model refused it
        return f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"
    return _diff(doc, back)


def main(paths) -> int:
    bad = 0
    for path in paths:
        for doc in yaml.safe_load_all(open(path, encoding="utf-8")):
            error = validate(doc)
            bad += error is not None
            print(json.dumps({"file": path, "kind": doc.get("kind"), "ok": error is None, "error": error}))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
