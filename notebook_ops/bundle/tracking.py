"""Log an export to MLflow: one run in the pipeline's experiment, the archive as its artifact.

mlflow is imported here only, on use. The tracking store is ``MLFLOW_TRACKING_URI`` or the
runner's default local store, so ``mlflow ui`` shows runs and exports together.
"""
from __future__ import annotations

import os


def tracking_uri(cwd=None) -> str:
    if os.environ.get("MLFLOW_TRACKING_URI"):
        return os.environ["MLFLOW_TRACKING_URI"]
    from notebook_ops.runner import default_tracking_uri  # the runner owns the default store

    return default_tracking_uri(cwd)


def log_export(result, *, cwd=None) -> str:
    import mlflow

    prov = result.manifest["provenance"]
    git = prov.get("git") or {}
    client_uri = tracking_uri(cwd)
    mlflow.set_tracking_uri(client_uri)
    mlflow.set_experiment(result.name)
    tags = {"notebook_ops.kind": "export", "notebook_ops.pipeline": result.name,
            "notebook_ops.bundle_version": str(result.version),
            "notebook_ops.content_sha256": result.manifest["content_sha256"],
            "notebook_ops.reused_version": str(result.reused).lower(),
            "mlflow.source.git.commit": git.get("commit") or "",
            "notebook_ops.git_dirty": str(bool(git.get("dirty"))).lower()}
    if result.tag:
        tags["notebook_ops.git_tag"] = result.tag
    with mlflow.start_run(run_name=f"export {result.name} v{result.version}", tags=tags,
                          nested=mlflow.active_run() is not None) as run:
        mlflow.log_params({"version": result.version, "steps": len(result.manifest["steps"]),
                           "source_notebook": prov["source_notebook"]["path"]})
        mlflow.log_artifact(str(result.archive), artifact_path="bundle")
        mlflow.log_artifact(str(result.folder / "pipeline.yaml"), artifact_path="bundle")
        return run.info.run_id
