"""/notebook-ops/api/runs: real runs (real kernels through the runner) started over HTTP."""

from __future__ import annotations

import json

import pytest
from waiting import eventually_async
from tornado.httpclient import HTTPClientError

pytestmark = pytest.mark.slow

RUNS = ("notebook-ops", "api", "runs")
FINAL = {"succeeded", "failed", "below_target", "cancelled"}


async def call(jp_fetch, *parts, method="GET", body=None, params=None):
    kw = {"method": method, "params": params or {}, "request_timeout": 300}
    if body is not None:
        kw["body"] = json.dumps(body)
    try:
        reply = await jp_fetch(*parts, **kw)
    except HTTPClientError as err:
        return err.code, json.loads(err.response.body) if err.response and err.response.body else {}
    return reply.code, json.loads(reply.body)


async def wait_final(jp_fetch, run_id, path, timeout=180):
    async def final():
        code, run = await call(jp_fetch, *RUNS, run_id, params={"path": path})
        assert code == 200, run
        return run if run["status"] in FINAL and not run["active"] else None

    return await eventually_async(final, timeout=timeout, interval=0.5, what=f"run {run_id} to finish")


@pytest.fixture
def pipeline_nb(jp_root_dir, nb):
    (jp_root_dir / "work").mkdir()
    path = jp_root_dir / "work" / "tiny.ipynb"
    path.write_text(
        json.dumps(
            nb(
                [
                    ("n = 3  # how many", ["parameters"]),
                    ("values = list(range(n))\nprint('made', values)", ["step:make"]),
                    ("total = sum(values)\nprint('total', total)", ["step:add"]),
                ]
            )
        )
    )
    return "work/tiny.ipynb"


async def test_a_run_starts_progresses_and_is_listed(jp_fetch, pipeline_nb, jp_root_dir):
    code, started = await call(
        jp_fetch, *RUNS, method="POST", body={"path": pipeline_nb, "parameters": {"n": "5"}}
    )
    assert code == 202, started
    assert started["status"] == "running"
    assert started["run_dir"].startswith("work/.notebook_ops/runs/")
    run = await wait_final(jp_fetch, started["run_id"], pipeline_nb)
    assert run["status"] == "succeeded", run
    assert run["parameters"]["n"] == 5
    assert {k: v["status"] for k, v in run["steps"].items()} == {"make": "succeeded", "add": "succeeded"}
    assert run["steps"]["add"]["notebook"] == f"{started['run_dir']}/steps/add.ipynb"
    assert run["mlflow"]["run_id"], run["mlflow"]  # once failed in a random-order run: None, why unseen

    code, listing = await call(jp_fetch, *RUNS, params={"path": pipeline_nb})
    assert code == 200
    assert [r["run_id"] for r in listing["runs"]] == [started["run_id"]]

    code, step = await call(jp_fetch, *RUNS, started["run_id"], "steps", "add", params={"path": pipeline_nb})
    assert code == 200
    outputs = [o for c in step["content"]["cells"] if c["cell_type"] == "code" for o in c.get("outputs", [])]
    assert any("total 10" in "".join(o.get("text", "")) for o in outputs), outputs
    html = await jp_fetch(
        *RUNS, started["run_id"], "steps", "add", params={"path": pipeline_nb, "format": "html"}
    )
    assert html.headers["Content-Type"].startswith("text/html")
    assert "sandbox" in html.headers["Content-Security-Policy"]
    assert b"total 10" in html.body
    # the runner's plumbing cells are in the JSON, not on the page the panel shows
    assert any("_nbo_rt" in "".join(c["source"]) for c in step["content"]["cells"])
    assert b"_nbo_rt" not in html.body
    # nor the _nbo_* values the runner and papermill write into the parameters cells
    assert any("_nbo_data_url" in "".join(c["source"]) for c in step["content"]["cells"])
    assert b"_nbo_" not in html.body
    assert b"how many" in html.body  # the user's own parameters cell stays

    # again from step "add" only (make's outputs come from the cache)
    code, again = await call(
        jp_fetch,
        *RUNS,
        method="POST",
        body={"path": pipeline_nb, "parameters": {"n": "5"}, "from_step": "add"},
    )
    assert code == 202, again
    rerun = await wait_final(jp_fetch, again["run_id"], pipeline_nb)
    assert rerun["steps"]["add"]["status"] == "succeeded", rerun
    assert rerun["steps"]["make"]["cached"] is True, rerun
    code, bad = await call(jp_fetch, *RUNS, method="POST", body={"path": pipeline_nb, "from_step": ""})
    assert code == 400 and "from_step" in bad["message"]


async def test_a_running_run_can_be_cancelled(jp_fetch, jp_root_dir, nb):
    (jp_root_dir / "slow.ipynb").write_text(
        json.dumps(
            nb(
                [
                    ("import time\ntime.sleep(120)", ["step:wait"]),
                    ("done = True", ["step:after"]),
                ]
            )
        )
    )
    code, started = await call(jp_fetch, *RUNS, method="POST", body={"path": "slow.ipynb", "track": False})
    assert code == 202, started

    async def step_running() -> bool:
        _, run = await call(jp_fetch, *RUNS, started["run_id"], params={"path": "slow.ipynb"})
        return run["steps"]["wait"]["status"] == "running"

    await eventually_async(step_running, timeout=90, interval=0.5, what="the step to run")
    code, reply = await call(
        jp_fetch, *RUNS, started["run_id"], method="DELETE", params={"path": "slow.ipynb"}
    )
    assert code == 202, reply
    run = await wait_final(jp_fetch, started["run_id"], "slow.ipynb", timeout=90)
    assert run["status"] == "cancelled"
    assert run["steps"]["after"]["status"] != "succeeded"
    # a finished run cannot be cancelled again
    code, reply = await call(
        jp_fetch, *RUNS, started["run_id"], method="DELETE", params={"path": "slow.ipynb"}
    )
    assert code == 409 and "not running" in reply["message"]


async def test_bad_parameters_are_refused_before_anything_runs(jp_fetch, pipeline_nb, jp_root_dir):
    code, reply = await call(
        jp_fetch, *RUNS, method="POST", body={"path": pipeline_nb, "parameters": {"nope": 1}, "track": False}
    )
    assert code == 400
    assert reply["error"] == "ParameterError" and "nope" in reply["message"]
    code, reply = await call(
        jp_fetch,
        *RUNS,
        method="POST",
        body={"path": pipeline_nb, "parameters": {"n": "many"}, "track": False},
    )
    assert code == 400, reply
    assert not (jp_root_dir / "work" / ".notebook_ops" / "runs").exists() or not any(
        (jp_root_dir / "work" / ".notebook_ops" / "runs").iterdir()
    )


async def test_a_pipeline_with_errors_is_422_with_its_problems(jp_fetch, jp_root_dir, nb):
    (jp_root_dir / "bad.ipynb").write_text(
        json.dumps(
            nb(
                [
                    ("a = 1", ["step:one", "after:ghost"]),
                ]
            )
        )
    )
    code, reply = await call(jp_fetch, *RUNS, method="POST", body={"path": "bad.ipynb", "track": False})
    assert code == 422, reply
    assert reply["problems"][0]["cell"] == 0
    assert "ghost" in reply["message"]


async def test_unknown_runs_and_bad_requests(jp_fetch, pipeline_nb):
    assert (await call(jp_fetch, *RUNS, "20260101-000000-abcdef", params={"path": pipeline_nb}))[0] == 404
    assert (await call(jp_fetch, *RUNS, "nope", "steps", "make", params={"path": pipeline_nb}))[0] == 404
    assert (await call(jp_fetch, *RUNS, params={"path": "missing.ipynb"}))[0] == 404
    assert (await call(jp_fetch, *RUNS, params={"path": "../x.ipynb"}))[0] == 403
    assert (await call(jp_fetch, *RUNS, method="POST", body={"path": pipeline_nb, "parameters": [1]}))[
        0
    ] == 400
    assert (await call(jp_fetch, *RUNS, method="POST", body={"path": pipeline_nb, "jobs": 0}))[0] == 400


async def test_a_run_on_a_cluster_is_asked_for_in_the_body(jp_fetch, pipeline_nb, jp_root_dir):
    """``cluster`` and ``data_url`` reach the runner (a scheduler nobody runs: 400, nothing ran;
    runs on a real cluster: tests/cluster)."""
    body = {"path": pipeline_nb, "track": False, "cluster": "tcp://127.0.0.1:9", "data_url": "memory://nbo/x"}
    code, reply = await call(jp_fetch, *RUNS, method="POST", body=body)
    assert code == 400, reply
    assert reply["error"] == "ClusterError"
    assert "cannot reach the Dask scheduler at tcp://127.0.0.1:9" in reply["message"]
    assert not (jp_root_dir / "work" / ".notebook_ops" / "runs").exists() or not any(
        (jp_root_dir / "work" / ".notebook_ops" / "runs").iterdir()
    )


async def test_a_pipeline_file_runs_as_the_canvas_starts_it(jp_fetch, jp_root_dir, nb):
    """The lab's canvas runs its pipeline file (notebooks joined by after: tags)."""
    (jp_root_dir / "flow").mkdir()
    (jp_root_dir / "flow" / "01_make.ipynb").write_text(json.dumps(nb([("rows = [1, 2, 3]", [])])))
    (jp_root_dir / "flow" / "02_sum.ipynb").write_text(
        json.dumps(nb([("total = sum(rows)\nprint('total', total)", ["after:01_make"])]))
    )
    (jp_root_dir / "flow" / "pipeline.yaml").write_text(
        'notebooks:\n  - path: "01_make.ipynb"\n  - path: "02_sum.ipynb"\n'
    )
    code, started = await call(jp_fetch, *RUNS, method="POST", body={"path": "flow/pipeline.yaml"})
    assert code == 202, started
    run = await wait_final(jp_fetch, started["run_id"], "flow/pipeline.yaml")
    assert run["status"] == "succeeded", run
    assert set(run["steps"]) == {"make", "sum"}
    code, listed = await call(jp_fetch, *RUNS, params={"path": "flow/pipeline.yaml"})
    assert code == 200 and started["run_id"] in [r["run_id"] for r in listed["runs"]], listed
    code, refused = await call(jp_fetch, *RUNS, method="POST", body={"path": "flow/pipeline.txt"})
    assert code in (400, 404), refused
