"""Log an export to MLflow: one "export" run in the pipeline's experiment, the archive attached.

The store is the runner's (``MLFLOW_TRACKING_URI``, else the notebook folder's
``.notebook_ops/mlflow.db``: see notebook_ops.tracking), so ``mlflow ui`` shows a pipeline's runs
and its exports side by side, in one experiment named after it. The run is described in an entry
file (``tracking.exports``) first, so it is logged exactly once whoever logs it: this process
(``log_export``, which imports MLflow) or a follower process (``queue_export``, which does not).
"""

from __future__ import annotations

from pathlib import Path

from notebook_ops.tracking import exports
from notebook_ops.tracking.follow import spawn
from notebook_ops.tracking.mlflow_tracker import default_tracking_uri
from notebook_ops.tracking.sync import read_json


def _entry(result, cwd) -> tuple[Path, dict]:

    uri, artifact_root = default_tracking_uri(cwd)
    m = result.manifest
    prov = m["provenance"]
    git = prov.get("git") or {}
    tags = {
        "mlflow.runName": f"export v{result.version}",
        "notebook_ops.kind": "export",
        "notebook_ops.pipeline": result.name,
        "bundle_version": str(result.version),
        "bundle_content_sha256": m["content_sha256"],
        "bundle_reused_version": str(result.reused).lower(),
        "mlflow.source.name": prov["source_notebook"]["path"],
    }
    if git.get("commit"):
        tags["mlflow.source.git.commit"] = tags["git_commit"] = git["commit"]
        tags["git_dirty"] = str(bool(git.get("dirty"))).lower()
    if git.get("branch"):
        tags["mlflow.source.git.branch"] = git["branch"]
    if result.tag:
        tags["git_tag"] = result.tag
    entry = {
        "experiment": result.name,
        "tracking_uri": uri,
        "artifact_root": artifact_root,
        "tags": tags,
        "params": {
            "version": str(result.version),
            "steps": str(len(m["steps"])),
            "source_notebook": prov["source_notebook"]["path"],
        },
        "artifacts": [
            [str(Path(result.archive).resolve()), "bundle"],
            [str(Path(result.folder).resolve() / "pipeline.yaml"), "bundle"],
        ],
    }
    return Path(cwd).resolve() / ".notebook_ops", entry


def log_export(result, *, cwd) -> str:
    """Record ``result`` (an ExportResult) now; returns the MLflow run id (raises when the
    store cannot be written; the entry stays for a later ``runs sync``)."""

    state, entry = _entry(result, cwd)
    path = exports.new_entry(state, entry)
    exports.sync_exports(path.parent, only=path)
    written = read_json(path) or {}
    if not written.get("mlflow_run_id"):
        raise RuntimeError(written.get("error") or "not logged")
    return written["mlflow_run_id"]


def queue_export(result, *, cwd) -> Path:
    """Record ``result`` from a follower process (``tracking.follow``); returns at once with the
    entry file, which gets the MLflow run id when it is logged."""

    state, entry = _entry(result, cwd)
    path = exports.new_entry(state, entry)
    spawn(export=path)
    return path
