"""Experiments keep their artifacts beside the store, never in ``./mlruns`` of the run's folder."""

from __future__ import annotations

from pathlib import Path

from notebook_ops.tracking.mlflow_tracker import Session, artifacts_beside, default_tracking_uri


def test_a_sqlite_store_from_the_environment_keeps_artifacts_beside_it(tmp_path, monkeypatch):
    store = tmp_path / "team" / "mlflow.db"
    store.parent.mkdir()
    uri = f"sqlite:///{store}"
    monkeypatch.setenv("MLFLOW_TRACKING_URI", uri)
    project = tmp_path / "project"
    project.mkdir()
    monkeypatch.chdir(project)

    got, root = default_tracking_uri(project)
    assert got == uri
    assert root == (store.parent / "mlartifacts").as_uri()

    session = Session("churn", got, root)
    session.open()
    experiment = session.client.get_experiment(session.experiment_id)
    assert experiment.artifact_location == f"{root}/churn"
    assert not (project / "mlruns").exists()


def test_servers_and_file_stores_choose_their_own_artifact_root(tmp_path, monkeypatch):
    assert artifacts_beside("http://mlflow.example:5000") is None
    assert artifacts_beside(f"file://{tmp_path}/mlruns") is None
    assert artifacts_beside("sqlite:///:memory:") is None
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    uri, root = default_tracking_uri(tmp_path)
    assert uri == f"sqlite:///{tmp_path.resolve()}/.notebook_ops/mlflow.db"
    assert root == (tmp_path.resolve() / ".notebook_ops" / "mlartifacts").as_uri()
    assert Path(tmp_path / ".notebook_ops").is_dir()
