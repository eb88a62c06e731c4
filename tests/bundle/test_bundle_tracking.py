"""Each export is an MLflow run in the runner's store: archive attached, version and commit tagged."""

from __future__ import annotations

import pytest

from notebook_ops.bundle import export_notebook

pytestmark = pytest.mark.slow


def test_export_is_logged_to_the_default_local_store(repo_notebook):
    from mlflow.tracking import MlflowClient

    folder = repo_notebook.parent
    r = export_notebook(repo_notebook, out_dir=folder / "dist", track=True)
    assert r.mlflow_run_id and not [w for w in r.warnings if "static analysis only" not in w]
    db = folder / ".notebook_ops" / "mlflow.db"
    assert db.is_file()  # the runner's default store, beside the notebook
    client = MlflowClient(tracking_uri=f"sqlite:///{db}")
    run = client.get_run(r.mlflow_run_id)
    assert run.info.status == "FINISHED"
    assert client.get_experiment(run.info.experiment_id).name == "small"
    tags = run.data.tags
    assert tags["bundle_version"] == "1" and tags["notebook_ops.kind"] == "export"
    assert tags["git_commit"] == r.manifest["provenance"]["git"]["commit"]
    assert tags["git_tag"] == "notebook-ops/small/v1"
    names = sorted(a.path for a in client.list_artifacts(r.mlflow_run_id, "bundle"))
    assert names == ["bundle/pipeline.yaml", "bundle/small-v1.tar.gz"]
    local = client.download_artifacts(r.mlflow_run_id, "bundle/small-v1.tar.gz", str(folder / "dl"))
    assert open(local, "rb").read() == r.archive.read_bytes()


def test_a_broken_tracking_store_is_a_warning_not_a_failure(small_notebook, monkeypatch):
    blocker = small_notebook.parent / "blocker"
    blocker.write_text("a file where a folder should be")
    monkeypatch.setenv("MLFLOW_TRACKING_URI", f"sqlite:///{blocker}/sub/mlflow.db")
    r = export_notebook(small_notebook, out_dir=small_notebook.parent / "dist", track=True)
    assert r.archive.is_file() and r.mlflow_run_id is None
    assert any("not logged to MLflow" in w for w in r.warnings)
