"""Model versions in the MLflow Model Registry, each tagged with where it came from.

A step's ``nbo.log_model`` leaves a saved model in the data store (``kernel_side/model_logging.py``); when
the step's MLflow run is logged (``mlflow_tracker.Session.step``) the model folder becomes that
run's artifact ``models/<name>`` and a new version of the registered model ``<name>`` points at
it. The version's tags are its lineage (``LINEAGE``): the pipeline, the notebook-ops run and
step, the parameters the step read, the git commit, the bundle and its version when the run came
from one, and the content fingerprint of the step's code and inputs (its cache key). Registering
is repeatable: a version of the same MLflow run is found, not made twice.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import TYPE_CHECKING

from notebook_ops.tracking.mlflow_tracker import Session, default_tracking_uri

if TYPE_CHECKING:
    from mlflow.tracking import MlflowClient

MODELS_ARTIFACT = "models"  # the step run's artifact folder of its models
TAG = "notebook_ops."  # the prefix of every lineage tag
LINEAGE = (
    "pipeline",
    "run_id",
    "step",
    "parameters",
    "git_commit",
    "bundle",
    "bundle_version",
    "bundle_content_sha256",
    "inputs",
)


def lineage_tags(record: dict, step: str, params: dict, steprec: dict) -> dict[str, str]:
    """The lineage of a model made by ``step`` of the run ``record`` (run.json's content)."""
    tags = record.get("tags") or {}
    values = {
        "pipeline": record.get("pipeline"),
        "run_id": record.get("run_id"),
        "step": step,
        "parameters": json.dumps(params, sort_keys=True, default=str),
        "git_commit": (record.get("git") or {}).get("commit") or tags.get("bundle_git_commit"),
        "bundle": tags.get("bundle_name"),
        "bundle_version": tags.get("bundle_version"),
        "bundle_content_sha256": tags.get("bundle_content_sha256"),
        "inputs": steprec.get("cache_key"),
    }
    return {TAG + k: str(v)[:5000] for k, v in values.items() if v not in (None, "")}


def register_version(client: MlflowClient, name: str, run_id: str, tags: dict[str, str]) -> str:
    """The version of ``name`` made from the step run ``run_id``'s ``models/<name>`` (created
    with ``tags`` unless it exists). Returns its number."""
    for v in client.search_model_versions(f"name = '{name}' and run_id = '{run_id}'"):
        return str(v.version)
    try:
        client.create_registered_model(name)
    except Exception:  # it exists (MLflow raises RESOURCE_ALREADY_EXISTS)
        pass
    source = f"{client.get_run(run_id).info.artifact_uri}/{MODELS_ARTIFACT}/{name}"
    version = client.create_model_version(name, source, run_id=run_id, tags=tags)
    return str(version.version)


def log_and_register(client: MlflowClient, run_id: str, models: list[dict]) -> dict[str, str]:
    """Log each model folder (``{"name", "path", "tags"}``) as ``models/<name>`` of the run and
    register it; returns {name: version}."""

    done = {}
    have = {f.path for f in client.list_artifacts(run_id, MODELS_ARTIFACT)} if models else set()
    for m in models:
        if not Path(m["path"]).is_dir():
            continue
        if f"{MODELS_ARTIFACT}/{m['name']}" not in have:
            client.log_artifacts(run_id, m["path"], artifact_path=f"{MODELS_ARTIFACT}/{m['name']}")
        done[m["name"]] = register_version(client, m["name"], run_id, m.get("tags") or {})
    return done


def register_interactive(folder: str, name: str, flavor: str) -> str:
    """A model logged outside any run (``nbo.log_model`` in a notebook session): an MLflow run
    of its own in the experiment "interactive" of the default store, then a new version."""

    uri, root = default_tracking_uri(os.getcwd())
    session = Session("interactive", uri, root)
    client = session.open()
    run = client.create_run(
        str(session.experiment_id),
        start_time=int(time.time() * 1000),
        tags={"mlflow.runName": f"log_model {name}", TAG + "mode": "interactive", TAG + "flavor": flavor},
    )
    rid = run.info.run_id
    versions = log_and_register(
        client, rid, [{"name": name, "path": folder, "tags": {TAG + "mode": "interactive"}}]
    )
    client.set_terminated(rid, "FINISHED")
    return versions[name]
