"""``POST elyra-edits`` on a real Jupyter server: the lab canvas' edits of an Elyra ``.pipeline``
(a node, a link) are written back as pipeline-flow v3, read again as the edited pipeline; a bad
edit is one 400 line and leaves the file as it was."""

from __future__ import annotations

import json

from elyrakit import elyra_project, write_nb
from tornado.httpclient import HTTPClientError

API = ("notebook-ops", "api")


async def call(jp_fetch, *parts, body):
    try:
        reply = await jp_fetch(*API, *parts, method="POST", body=json.dumps(body), request_timeout=120)
    except HTTPClientError as err:
        return err.code, json.loads(err.response.body) if err.response and err.response.body else {}
    return reply.code, json.loads(reply.body)


async def inspect(jp_fetch, path):
    code, view = await call(jp_fetch, "pipelines", body={"path": path})
    assert code == 200, view
    return {s["name"]: sorted(s["after"]) for s in view["steps"]}


async def test_canvas_edits_write_the_elyra_file_back(jp_fetch, jp_root_dir):
    (jp_root_dir / "flow").mkdir()
    elyra_project(jp_root_dir / "flow")
    write_nb(jp_root_dir / "flow", "report.ipynb", [("print('report')", [])])
    before = json.loads((jp_root_dir / "flow" / "flow.pipeline").read_text())
    edit = {"path": "flow/flow.pipeline"}

    code, reply = await call(
        jp_fetch, "elyra-edits", body={**edit, "op": "add-node", "file": "flow/report.ipynb"}
    )
    assert (code, reply) == (
        200,
        {"path": "flow/flow.pipeline", "message": "added report.ipynb to flow.pipeline"},
    )
    code, reply = await call(
        jp_fetch,
        "elyra-edits",
        body={**edit, "op": "add-link", "file": "flow/join.ipynb", "target": "flow/report.ipynb"},
    )
    assert code == 200 and reply["message"] == "wrote a link join.ipynb → report.ipynb to flow.pipeline"
    steps = await inspect(jp_fetch, "flow/flow.pipeline")
    assert steps["report"] == ["join"]

    code, reply = await call(
        jp_fetch,
        "elyra-edits",
        body={**edit, "op": "remove-link", "file": "flow/branch_a.py", "target": "flow/join.ipynb"},
    )
    assert code == 200, reply
    assert (await inspect(jp_fetch, "flow/flow.pipeline"))["join"] == ["branch_b"]

    code, reply = await call(
        jp_fetch, "elyra-edits", body={**edit, "op": "remove-node", "file": "flow/report.ipynb"}
    )
    assert code == 200 and reply["message"] == "removed report.ipynb from flow.pipeline"
    after = json.loads((jp_root_dir / "flow" / "flow.pipeline").read_text())
    # the four nodes as they were, but the link branch_a -> join; every other field kept
    assert {k: v for k, v in after.items() if k != "pipelines"} == {
        k: v for k, v in before.items() if k != "pipelines"
    }
    assert after["pipelines"][0]["app_data"] == before["pipelines"][0]["app_data"]
    assert [n["id"] for n in after["pipelines"][0]["nodes"]] == ["n1", "n2", "n3", "n4"]
    assert after["pipelines"][0]["nodes"][:3] == before["pipelines"][0]["nodes"][:3]


async def test_a_bad_edit_is_one_line_and_writes_nothing(jp_fetch, jp_root_dir):
    (jp_root_dir / "flow").mkdir()
    path = elyra_project(jp_root_dir / "flow")
    text = path.read_text()
    code, reply = await call(
        jp_fetch,
        "elyra-edits",
        body={"path": "flow/flow.pipeline", "op": "remove-node", "file": "flow/nope.ipynb"},
    )
    assert code == 400 and reply["message"].startswith(
        "flow/flow.pipeline: nope.ipynb is no node of this pipeline"
    ), reply
    code, reply = await call(
        jp_fetch, "elyra-edits", body={"path": "flow/load.ipynb", "op": "add-node", "file": "flow/join.ipynb"}
    )
    assert code == 400 and "not an Elyra .pipeline file" in reply["message"], reply
    code, reply = await call(
        jp_fetch, "elyra-edits", body={"path": "flow/flow.pipeline", "op": "rename", "file": "x"}
    )
    assert code == 400 and "op" in reply["message"], reply
    assert path.read_text() == text
