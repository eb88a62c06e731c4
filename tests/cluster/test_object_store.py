"""An object store as the data store, end to end, against a real S3 server (moto) with s3fs: a local
run, an exported bundle whose requirements carry the store's backend, that bundle on the Dask
cluster; a store that cannot be reached or has no backend installed stops the run in one line."""

from __future__ import annotations

import json
from importlib import metadata

import fsspec.config
import pytest

from nbfactory import make_notebook
from notebook_ops.bundle import export_notebook
from notebook_ops.bundle.requirements import parse
from notebook_ops.execution import run_notebook
from notebook_ops.execution.run_service import run as run_target
from notebook_ops.kernel_side.data_store import DataStore, StoreUnreachable

pytestmark = pytest.mark.slow

CELLS = [
    ("import notebook_ops as nbo\nfrom helpers import double", ["setup"]),
    ("n = 3", ["parameters"]),
    ("import pandas as pd\nbase = int(pd.read_csv('data/base.csv')['v'].sum()) * n", ["step:start"]),
    ("left = double(base)", ["step:left", "after:start"]),
    ("right = base + 1", ["step:right", "after:start"]),
    ("total = left + right\nnbo.log_metric('total', total)", ["step:join", "after:left", "after:right"]),
]


def _project(tmp_path, settings=None):
    proj = tmp_path / "proj"
    (proj / "data").mkdir(parents=True)
    (proj / "helpers.py").write_text("def double(x):\n    return 2 * x\n")
    (proj / "data" / "base.csv").write_text("v\n1\n2\n3\n")
    nb = proj / "flow.ipynb"
    meta = {"notebook_ops": {"name": "flow", **(settings or {})}}
    nb.write_text(json.dumps(make_notebook(CELLS, meta)))
    return nb


def test_s3_data_store_end_to_end_on_this_machine(tmp_path, s3):
    nb = _project(tmp_path, {"data_url": s3.url("from-settings")})
    res = run_notebook(nb, track=False, params={"n": 2})
    assert res.status == "succeeded", res.record["error"]
    assert res.record["options"]["data_url"] == s3.url("from-settings")
    assert res.record["metrics"] == {"total": 37}
    store = DataStore(s3.url("from-settings"))
    assert store.load_value("left", "left") == 24
    keys = s3.fs().find(f"{s3.bucket}/from-settings")
    assert f"{s3.bucket}/from-settings/start/_outputs.json" in keys
    assert not any("_nbo_preflight" in k for k in keys)  # the marker is gone
    assert not (res.run_dir / "data").exists()


def test_bundle_carries_the_store_backend_and_runs_on_the_cluster(tmp_path, s3, dask_cluster):
    nb = _project(tmp_path, {"data_url": s3.url("bundle"), "cluster": dask_cluster.address})
    r = export_notebook(
        nb, out_dir=tmp_path / "dist", allow_dirty=True, tag=False, track=False, target_names=[]
    )
    pins = parse((r.folder / "requirements.txt").read_text())
    assert pins["s3fs"] == metadata.version("s3fs")
    # the bundle, run from a folder of its own: steps on the cluster, data in S3
    work = tmp_path / "elsewhere"
    work.mkdir()
    res = run_target(r.folder, cwd=work, cluster=dask_cluster.address, data_url=s3.url("bundle"), track=False)
    assert res.status == "succeeded", res.record["error"]
    assert {s["worker"] for s in res.record["steps"].values()} <= {"w1", "w2"}
    assert res.record["metrics"] == {"total": 55}
    assert res.record["mode"] == "bundle"


def test_unreachable_store_or_missing_backend_one_line_before_any_step(tmp_path, monkeypatch):
    nb = _project(tmp_path)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "x")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "y")
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")  # nothing listens there
    monkeypatch.setenv("FSSPEC_S3_ENDPOINT_URL", "http://127.0.0.1:9")
    monkeypatch.setitem(fsspec.config.conf, "s3", {"endpoint_url": "http://127.0.0.1:9"})
    with pytest.raises(StoreUnreachable) as err:
        run_notebook(nb, track=False, data_url="s3://nowhere/runs")
    assert str(err.value).startswith(
        "the data store s3://nowhere/runs cannot be written and read: EndpointConnectionError"
    )
    assert "\n" not in str(err.value)
    with pytest.raises(StoreUnreachable, match="needs an fsspec backend that is not installed: .*gcsfs"):
        run_notebook(nb, track=False, data_url="gs://bucket/runs")
    assert not (nb.parent / ".notebook_ops" / "runs").exists()
