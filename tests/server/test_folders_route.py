"""A folder of notebooks from the lab (real Jupyter server): ``GET folders`` shows the order
inferred from what the notebooks hand each other and why; ``POST pipeline-files`` writes it out
to edit (atomically, never over a file unless asked); ``POST runs`` runs the folder (real
kernels) and the runs routes follow it as they follow a notebook's run."""

from __future__ import annotations

import json

import pytest
from waiting import eventually_async
import yaml
from folderkit import CSV_CHAIN_TOTAL, csv_chain, numbered_folder
from tornado.httpclient import HTTPClientError

API = ("notebook-ops", "api")
FINAL = {"succeeded", "failed", "below_target", "cancelled"}


async def call(jp_fetch, *parts, method="GET", body=None, params=None):
    kw = {"method": method, "params": params or {}, "request_timeout": 300}
    if body is not None:
        kw["body"] = json.dumps(body)
    try:
        reply = await jp_fetch(*API, *parts, **kw)
    except HTTPClientError as err:
        return err.code, json.loads(err.response.body) if err.response and err.response.body else {}
    return reply.code, json.loads(reply.body)


async def test_the_order_is_shown_with_what_links_the_notebooks(jp_fetch, jp_root_dir):
    numbered_folder(jp_root_dir / "analysis")
    code, view = await call(jp_fetch, "folders", params={"path": "analysis"})
    assert code == 200, view
    assert view["path"] == "analysis" and view["name"] == "analysis" and view["glob"] == "*.ipynb"
    by_path = {n["path"]: n for n in view["notebooks"]}
    assert list(by_path) == [
        "analysis/0-simulate.ipynb",
        "analysis/5-settings.ipynb",
        "analysis/1-load.ipynb",
        "analysis/2-eda.ipynb",
        "analysis/10-report.ipynb",
    ]
    load = by_path["analysis/1-load.ipynb"]
    assert load["number"] == 1 and load["steps"] == ["load"]
    assert {(g["notebook"], g["what"]) for g in load["gets"]} == {
        ("analysis/0-simulate.ipynb", "file data/raw.csv"),
        ("analysis/5-settings.ipynb", "file settings.json"),
    }
    assert by_path["analysis/10-report.ipynb"]["runs"] == ["analysis/common.ipynb"]
    assert view["helpers"] == ["analysis/common.ipynb"]
    assert [n["steps"] for n in view["notebooks"]] == [
        ["simulate"],
        ["settings"],
        ["load"],
        ["eda"],
        ["report"],
    ]
    assert view["pipeline_file"] == "analysis/pipeline.yaml" and view["pipeline_file_exists"] is False


async def test_bad_folders_are_one_line_errors(jp_fetch, jp_root_dir):
    (jp_root_dir / "empty").mkdir()
    (jp_root_dir / "empty" / "notes.txt").write_text("no notebooks here")
    code, body = await call(jp_fetch, "folders", params={"path": "empty"})
    assert code == 400 and body["message"].startswith("empty: no notebooks match *.ipynb"), body
    # the pipeline view of the same folder names it the same way, never by the server's disk path
    code, body = await call(jp_fetch, "pipelines", method="POST", body={"path": "empty"})
    assert code == 400 and body["message"].startswith("empty: no notebooks match *.ipynb"), body
    assert str(jp_root_dir) not in json.dumps(body)
    (jp_root_dir / "one.ipynb").write_text("{}")
    code, body = await call(jp_fetch, "folders", params={"path": "one.ipynb"})
    assert code == 400 and body["message"].startswith("one.ipynb: not a folder of notebooks"), body
    code, body = await call(jp_fetch, "folders", params={"path": "../"})
    assert code == 403, body
    code, body = await call(jp_fetch, "folders", params={"path": "missing"})
    assert code == 404, body


async def test_the_pipeline_file_is_written_and_never_overwritten_unless_asked(jp_fetch, jp_root_dir):
    folder = csv_chain(jp_root_dir / "chain")
    code, body = await call(jp_fetch, "pipeline-files", method="POST", body={"path": "chain"})
    assert code == 201, body
    assert body == {"path": "chain/pipeline.yaml", "notebooks": 3}
    written = folder / "pipeline.yaml"
    doc = yaml.safe_load(written.read_text())
    assert doc["name"] == "chain"
    assert doc["notebooks"] == [
        {"path": "1-make.ipynb"},
        {"path": "2-double.ipynb", "after": ["1-make"]},
        {"path": "3-report.ipynb", "after": ["2-double"]},
    ]
    code, view = await call(jp_fetch, "folders", params={"path": "chain"})
    assert view["pipeline_file_exists"] is True

    written.write_text("# my edits\n")
    code, body = await call(jp_fetch, "pipeline-files", method="POST", body={"path": "chain"})
    assert code == 409, body
    assert body["message"].startswith("chain/pipeline.yaml: the file exists"), body
    assert written.read_text() == "# my edits\n"  # kept
    code, body = await call(
        jp_fetch, "pipeline-files", method="POST", body={"path": "chain", "overwrite": True}
    )
    assert code == 201, body
    assert yaml.safe_load(written.read_text())["notebooks"][0] == {"path": "1-make.ipynb"}

    # another folder: the paths are written relative to the file
    code, body = await call(
        jp_fetch, "pipeline-files", method="POST", body={"path": "chain", "out": "pipelines/chain.yaml"}
    )
    assert code == 201, body
    doc = yaml.safe_load((jp_root_dir / "pipelines" / "chain.yaml").read_text())
    assert doc["notebooks"][1] == {"path": "../chain/2-double.ipynb", "after": ["../chain/1-make"]}
    assert [p.name for p in (jp_root_dir / "pipelines").iterdir()] == ["chain.yaml"]  # no temporary left


@pytest.mark.parametrize(
    "body,status,says",
    [
        ({"path": "chain", "out": "../outside.yaml"}, 403, "'..' is not allowed"),
        ({"path": "chain", "out": "/tmp/abs.yaml"}, 400, "absolute paths are not accepted"),
        ({"path": "chain", "out": "chain/notes.txt"}, 400, "ends with .yaml or .yml"),
        ({"path": "chain/1-make.ipynb"}, 400, "not a folder of notebooks"),
        ({"path": "chain", "overwrite": "yes"}, 400, "overwrite"),
    ],
)
async def test_bad_pipeline_file_requests_write_nothing(jp_fetch, jp_root_dir, body, status, says):
    folder = csv_chain(jp_root_dir / "chain")
    before = sorted(p.name for p in folder.iterdir())
    code, reply = await call(jp_fetch, "pipeline-files", method="POST", body=body)
    assert code == status, reply
    assert says in reply["message"], reply
    assert sorted(p.name for p in folder.iterdir()) == before


@pytest.mark.slow
async def test_a_folder_runs_and_is_followed_like_a_notebook(jp_fetch, jp_root_dir):
    folder = csv_chain(jp_root_dir / "chain")
    code, started = await call(jp_fetch, "runs", method="POST", body={"path": "chain", "track": False})
    assert code == 202, started
    assert started["run_dir"].startswith("chain/.notebook_ops/runs/"), started

    async def final():
        code, run = await call(jp_fetch, "runs", started["run_id"], params={"path": "chain"})
        assert code == 200, run
        return run if run["status"] in FINAL and not run["active"] else None

    run = await eventually_async(final, timeout=300, interval=0.5, what="the folder run to finish")
    assert run["status"] == "succeeded", run
    assert list(run["steps"]) == ["make", "double", "report"]
    assert all(s["status"] == "succeeded" for s in run["steps"].values()), run["steps"]
    code, listing = await call(jp_fetch, "runs", params={"path": "chain"})
    assert [r["run_id"] for r in listing["runs"]] == [started["run_id"]]
    code, step = await call(jp_fetch, "runs", started["run_id"], "steps", "report", params={"path": "chain"})
    assert code == 200, step
    printed = "".join(
        "".join(o.get("text", "")) for c in step["content"]["cells"] for o in c.get("outputs", [])
    )
    assert f"total {CSV_CHAIN_TOTAL}" in printed
    # a local run works in the folder, as the notebooks run by hand do
    assert (folder / "report.txt").read_text() == f"total {CSV_CHAIN_TOTAL}"
