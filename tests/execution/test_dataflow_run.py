"""A diamond whose branches run in parallel, passing a DataFrame, an array, a function and an
instance of a notebook-defined class; the same pipeline in one kernel; Kale's notebook as is;
parameter values that try to become code."""

from __future__ import annotations

import json
import math
import shutil
from datetime import datetime

from conftest import write_nb
from nbfactory import CORPUS
from trackingkit import own
from notebook_ops.execution import run_notebook
from notebook_ops.kernel_side.data_store import DataStore

NASTY = '"; open("pwned", "w"); x = "\\\' + __import__("os").getcwd() #'
CELLS = [
    ("import time\nimport numpy as np\nimport pandas as pd\nimport notebook_ops as nbo", ["setup"]),
    ("delay = 1.0  # seconds each branch sleeps\nlabel = 'plain'", ["parameters"]),
    (
        "df = pd.DataFrame({'a': [1, 2, 3], 'b': ['x', 'y', 'z']})\n"
        "arr = np.arange(6).reshape(2, 3)\n"
        "def scale(v, k=2):\n    return v * k\n"
        "class Box:\n    def __init__(self, v):\n        self.v = v\n"
        "    def get(self):\n        return self.v\n"
        "box = Box(5)\n"
        "where = nbo.context().to_dict()",
        ["step:start"],
    ),
    ("time.sleep(delay)\nleft = int(scale(df['a'].sum()))", ["step:left", "after:start"]),
    ("time.sleep(delay)\nright = int(arr.sum()) + box.get()", ["step:right", "after:start"]),
    (
        "total = left + right\nnbo.log_metric('total', total)\nseen_label = label\nprint(total)\n"
        "open('report.txt', 'w').write(f'total={total}')\nnbo.log_artifact('report.txt')",
        ["step:join", "after:left", "after:right"],
    ),
    ("echo = seen_label", ["step:tail"]),
]


def _t(iso):
    return datetime.fromisoformat(iso.replace("Z", "+00:00"))


def test_diamond_parallel_data_kinds_and_single_kernel(tmp_path):
    nb = write_nb(tmp_path, "diamond.ipynb", CELLS)
    res = run_notebook(
        nb, params={"label": NASTY}, jobs=2, cache=False, data_url=f"file://{tmp_path / 'store'}"
    )
    rec = res.record
    assert res.status == "succeeded", rec["error"]
    # the artifact the step logged is in its MLflow run
    from mlflow.tracking import MlflowClient

    client = MlflowClient(rec["mlflow"]["tracking_uri"])
    join = client.search_runs(
        [rec["mlflow"]["experiment_id"]],
        f"tags.mlflow.parentRunId = '{rec['mlflow']['run_id']}' and tags.mlflow.runName = 'join'",
    )
    assert [a.path for a in client.list_artifacts(join[0].info.run_id, "artifacts")] == [
        "artifacts/report.txt"
    ]
    assert own(join[0].data.metrics) == {"total": 32.0}
    assert join[0].data.metrics["cpu_s"] == rec["steps"]["join"]["cpu_s"]
    left, right = rec["steps"]["left"], rec["steps"]["right"]
    # the two branches overlapped in time
    assert _t(left["started_at"]) < _t(right["finished_at"])
    assert _t(right["started_at"]) < _t(left["finished_at"])
    kinds = {
        n: e["kind"]
        for n, e in json.loads((tmp_path / "store" / "start" / "_outputs.json").read_text())[
            "outputs"
        ].items()
    }
    assert kinds == {"df": "pandas-arrow", "arr": "npy", "scale": "pickle5", "box": "pickle5"}
    assert rec["metrics"] == {"total": 12 + 15 + 5}
    assert not (res.run_dir / "data").exists()  # the data went to the given store
    store = DataStore(str(tmp_path / "store"))
    # the value arrived as the same string: nothing was executed
    assert store.load_value("join", "seen_label") == NASTY
    assert not (tmp_path / "pwned").exists()
    # nbo.context() inside a step
    where = json.loads((res.run_dir / "steps" / "start.ipynb").read_text())
    assert where["metadata"]["papermill"]["parameters"]["_nbo_step"] == "start"

    single = run_notebook(nb, params={"label": NASTY, "delay": 0}, single_kernel=True, track=False)
    assert single.status == "succeeded", single.record["error"]
    assert single.record["metrics"] == rec["metrics"]
    assert [s["status"] for s in single.record["steps"].values()] == ["succeeded"] * 5
    assert (single.run_dir / "steps" / "pipeline.ipynb").is_file()


def test_kale_notebook_runs_as_is(tmp_path):
    nb = shutil.copy(CORPUS / "kale.ipynb", tmp_path)
    res = run_notebook(nb, track=False)
    assert res.status == "succeeded", res.record["error"]
    assert list(res.record["steps"]) == ["load_data", "transform", "summarise"]
    # Kale's pipeline-metrics cell: the printed names became metrics
    assert res.record["metrics"] == {"total": 12, "root": math.sqrt(12)}
