"""Real services for the cluster tests, made and stopped here: a moto S3 server (tests/s3server.py)
and a Dask scheduler with two workers, w1 and w2 (w2 declares the resource ``gpu=1``)."""

from __future__ import annotations

import pytest

from daskcluster import DaskCluster
from s3server import s3_server


@pytest.fixture(scope="module")
def s3_module():
    with s3_server() as server:
        yield server


@pytest.fixture(scope="module")
def dask_cluster(s3_module):
    cluster = DaskCluster(s3_module.env)
    try:
        yield cluster.start(resources={"w2": "gpu=1"})
    finally:
        cluster.stop()


@pytest.fixture
def s3(s3_module, monkeypatch):
    """This process talks to the module's S3 server (as the workers do)."""
    s3_module.apply(monkeypatch)
    monkeypatch.delenv("NOTEBOOK_OPS_CLUSTER", raising=False)
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    return s3_module
