"""What ``deploy`` and ``run-step`` check before any Airflow is asked: parameters typed for the
DAG run's conf, no credentials written into the DAG file or shown, a missing bundle URL as one
line. (The deploy itself, against a real Airflow: test_airflow_live.py.)"""

from __future__ import annotations

import subprocess

import pytest

from s3server import s3  # noqa: F401  (fixture)
from targetkit import NOTEBOOK_OPS
from notebook_ops.deploy import airflow_push as airflow
from notebook_ops.deploy.airflow_api import AirflowClient, Credentials
from notebook_ops.errors import NotebookOpsError, ParameterError

MANIFEST = {
    "parameters": [
        {"name": "n", "type": "int", "default": 3},
        {"name": "rate", "type": "float", "default": 0.5},
        {"name": "cols", "type": "tuple", "default": ["a"]},
        {"name": "on", "type": "bool", "default": False},
    ]
}


def test_parameters_become_a_typed_conf():
    conf = airflow.conf_for(MANIFEST, {"n": "10", "rate": "2", "cols": "('a', 'b')", "on": "true"})
    assert conf == {"n": 10, "rate": 2.0, "cols": ["a", "b"], "on": True}
    with pytest.raises(ParameterError, match="unknown parameter 'm'.*known: cols, n, on, rate"):
        airflow.conf_for(MANIFEST, {"m": "1"})


def test_credentials_in_urls_are_refused_and_never_shown():
    with pytest.raises(ParameterError) as err:
        airflow._no_secrets("sftp://ops:hunter2@files/bundles", "BUNDLES_URL")
    assert "hunter2" not in str(err.value) and "written into the DAG file" in str(err.value)
    with pytest.raises(NotebookOpsError) as err:
        AirflowClient("http://admin:hunter2@127.0.0.1:8080", Credentials())
    assert "hunter2" not in str(err.value)
    assert "hunter2" not in repr(Credentials(token="hunter2", username="u", password="hunter2"))


def test_run_step_of_a_missing_bundle_url_is_one_line(s3, tmp_path):  # noqa: F811
    done = subprocess.run(
        [NOTEBOOK_OPS, "run-step", s3.url("bundles/nope-v1.tar.gz"), "start", "--data", s3.url("data")],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
    )
    assert done.returncode == 2 and "Traceback" not in done.stderr
    url = s3.url("bundles/nope-v1.tar.gz")
    assert (
        done.stderr.strip() == f"error: {url}: no bundle archive at this URL (deploy the bundle there first)"
    )


def test_the_uploaded_archive_is_the_bundle_given(tmp_path):
    """The archive export wrote beside the folder, or, without it, the folder packed anew: the
    same bundle either way (same SHA256SUMS digest)."""
    from airflowkit import export_diamond
    from notebook_ops.bundle.load import open_bundle, verify_bundle

    folder = export_diamond(tmp_path / "nb")
    bundle = open_bundle(folder)
    sibling = folder.with_name(folder.name + ".tar.gz")
    assert airflow.archive_bytes(bundle) == sibling.read_bytes()
    assert airflow.archive_bytes(open_bundle(sibling)) == sibling.read_bytes()
    sibling.unlink()
    packed = tmp_path / "packed.tar.gz"
    packed.write_bytes(airflow.archive_bytes(bundle))
    assert verify_bundle(packed).digest == bundle.digest
