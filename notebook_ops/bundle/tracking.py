"""Log an export to MLflow: one "export" run in the pipeline's experiment, the archive attached.

mlflow is imported here only, on use. The store is the runner's (``MLFLOW_TRACKING_URI``, else
the notebook folder's ``.notebook_ops/mlflow.db``: see notebook_ops.tracking), so ``mlflow ui``
shows a pipeline's runs and its exports side by side, in one experiment named after it.
"""

from __future__ import annotations

import logging


def _experiment_id(client, name: str, artifact_root: str | None) -> str:
    exp = client.get_experiment_by_name(name)
    if exp is not None:
        return exp.experiment_id
    try:
        loc = f"{artifact_root}/{name}" if artifact_root else None
        return client.create_experiment(name, artifact_location=loc)
    except Exception:  # created meanwhile by a concurrent run
        exp = client.get_experiment_by_name(name)
        if exp is None:
            raise
        return exp.experiment_id


def log_export(result, *, cwd) -> str:
    """Record ``result`` (an ExportResult); returns the MLflow run id."""
    from mlflow.entities import Param
    from mlflow.tracking import MlflowClient

    for name in ("mlflow", "alembic"):  # after the import: mlflow sets its own levels then
        logging.getLogger(name).setLevel(logging.WARNING)

    from notebook_ops.tracking.mlflow_tracker import default_tracking_uri

    uri, artifact_root = default_tracking_uri(cwd)
    client = MlflowClient(tracking_uri=uri)
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
    run = client.create_run(_experiment_id(client, result.name, artifact_root), tags=tags)
    rid = run.info.run_id
    try:
        client.log_batch(
            rid,
            params=[
                Param("version", str(result.version)),
                Param("steps", str(len(m["steps"]))),
                Param("source_notebook", prov["source_notebook"]["path"]),
            ],
        )
        client.log_artifact(rid, str(result.archive), artifact_path="bundle")
        client.log_artifact(rid, str(result.folder / "pipeline.yaml"), artifact_path="bundle")
    except BaseException:
        client.set_terminated(rid, status="FAILED")
        raise
    client.set_terminated(rid, status="FINISHED")
    return rid
