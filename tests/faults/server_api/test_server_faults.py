"""Bad input and faults at the REST API (issue 26, items 3, 5, 6): a real Jupyter server with
the extension. Each case: a 4xx naming what is wrong (never a 500), nothing read or written
outside the server root, the user's files byte-identical.

Groups (case ids): g3- root confinement, g5- strict JSON, g6- limits and damaged records.
"""

from __future__ import annotations

import json
import os

import pytest
from tornado.httpclient import HTTPClientError

from serverfixtures import make_notebook

SECRET = "TOP_SECRET_OUTSIDE_CODE = 42"


async def call(jp_fetch, method, *parts, body=None, params=None, raw=None):
    """(status, reply as JSON or text) without raising on 4xx/5xx."""
    kw = {"method": method}
    if body is not None or raw is not None:
        kw["body"] = raw if raw is not None else json.dumps(body)
    if params:
        kw["params"] = params
    try:
        reply = await jp_fetch("notebook-ops", "api", *parts, **kw)
        code, text = reply.code, reply.body
    except HTTPClientError as err:
        code, text = err.code, (err.response.body if err.response else b"")
    try:
        return code, json.loads(text or b"{}")
    except ValueError:
        return code, {"message": text.decode("utf-8", "replace")}


def one_line(reply: dict) -> str:
    message = reply.get("message") or ""
    assert message and "\n" not in message and "Traceback" not in message, reply
    return message


@pytest.fixture
def outside(jp_root_dir):
    """A notebook outside the server root holding code no reply may show."""
    folder = jp_root_dir.parent / "outside"
    folder.mkdir(exist_ok=True)
    (folder / "secret.ipynb").write_text(
        json.dumps(make_notebook([("token = 'x'  # the default", ["parameters"]), (SECRET, ["step:train"])]))
    )
    return folder


def snapshot(folder) -> dict:
    """Every file under ``folder`` with its bytes (to prove nothing changed)."""
    out = {}
    for dirpath, _, files in os.walk(folder):
        for name in files:
            path = os.path.join(dirpath, name)
            with open(path, "rb") as f:
                out[os.path.relpath(path, folder)] = f.read()
    return out


# -- g3: every path a request leads to stays inside the root --------------------------------
OUTSIDE_TAGS = [
    pytest.param("after:../outside/secret", id="g3-after-dotdot"),
    pytest.param("after:../outside/secret:train", id="g3-after-dotdot-step"),
    pytest.param("after:sub/../../outside/secret", id="g3-after-sub-dotdot"),
    pytest.param("after:link/secret", id="g3-after-symlink-out"),
    pytest.param("after:../../../../../../../../../tmp/none", id="g3-after-missing-outside"),
]


@pytest.mark.parametrize("tag", OUTSIDE_TAGS)
async def test_posted_notebook_after_outside_root_is_refused(jp_fetch, jp_root_dir, outside, tag):
    (jp_root_dir / "link").symlink_to(outside, target_is_directory=True)
    content = make_notebook([("alpha = 1", ["parameters"]), ("x = alpha", ["step:load", tag])])
    code, reply = await call(jp_fetch, "POST", "pipelines", body={"path": "mine.ipynb", "content": content})
    assert code == 400, reply
    message = one_line(reply)
    assert tag in message and "outside the server's root" in message
    assert SECRET not in json.dumps(reply) and "token" not in json.dumps(reply)


@pytest.mark.parametrize("case", [pytest.param(None, id="g3-after-on-disk")])
async def test_notebook_on_disk_after_outside_root_is_refused(case, jp_fetch, jp_root_dir, outside):
    nb = make_notebook([("x = 1", ["step:load", "after:../outside/secret"])])
    (jp_root_dir / "disk.ipynb").write_text(json.dumps(nb))
    code, reply = await call(jp_fetch, "POST", "pipelines", body={"path": "disk.ipynb"})
    assert code == 400 and "after:../outside/secret" in one_line(reply)


@pytest.mark.parametrize(
    "kind",
    [
        pytest.param("pipeline-file", id="g3-pipeline-file-outside"),
        pytest.param("elyra", id="g3-elyra-outside"),
        pytest.param("elyra-dependency", id="g3-elyra-dependency-outside"),
        pytest.param("elyra-dependency-glob", id="g3-elyra-dependency-glob-outside"),
    ],
)
async def test_pipeline_files_naming_outside_notebooks_are_refused(jp_fetch, jp_root_dir, outside, kind):
    if kind == "pipeline-file":
        name = "flow.yaml"
        (jp_root_dir / name).write_text("notebooks:\n  - path: ../outside/secret.ipynb\n")
    else:
        name = "flow.pipeline"
        params = {"filename": "../outside/secret.ipynb"}
        if kind != "elyra":
            (jp_root_dir / "mine.ipynb").write_text(json.dumps(make_notebook([("x = 1", [])])))
            dep = "../outside/secret.ipynb" if kind == "elyra-dependency" else "../outside/*.ipynb"
            params = {"filename": "mine.ipynb", "dependencies": [dep]}
        node = {
            "id": "n1",
            "type": "execution_node",
            "op": "execute-notebook-node",
            "app_data": {"component_parameters": params, "label": "s"},
            "inputs": [],
            "outputs": [],
        }
        doc = {
            "doc_type": "pipeline",
            "version": "3.0",
            "id": "p",
            "primary_pipeline": "p1",
            "pipelines": [{"id": "p1", "nodes": [node], "app_data": {"version": 8}}],
        }
        (jp_root_dir / name).write_text(json.dumps(doc))
    code, reply = await call(jp_fetch, "POST", "pipelines", body={"path": name})
    assert code == 400, reply
    message = one_line(reply)
    assert "outside the server's root" in message and "../outside/" in message
    assert SECRET not in json.dumps(reply)


@pytest.mark.parametrize("case", [pytest.param(None, id="g3-export-after-outside")])
async def test_export_never_copies_code_from_outside(case, jp_fetch, jp_root_dir, outside):
    nb = make_notebook([("x = 1", ["step:load", "after:../outside/secret"])])
    (jp_root_dir / "exp.ipynb").write_text(json.dumps(nb))
    before = snapshot(jp_root_dir)
    code, reply = await call(jp_fetch, "POST", "exports", body={"path": "exp.ipynb", "allow_dirty": True})
    assert code == 400 and "after:../outside/secret" in one_line(reply)
    assert snapshot(jp_root_dir) == before  # no dist/, nothing copied in


@pytest.mark.parametrize("case", [pytest.param(None, id="g3-run-after-outside")])
async def test_run_after_outside_is_refused_before_it_starts(case, jp_fetch, jp_root_dir, outside):
    nb = make_notebook([("x = 1", ["step:load", "after:../outside/secret"])])
    (jp_root_dir / "run.ipynb").write_text(json.dumps(nb))
    code, reply = await call(jp_fetch, "POST", "runs", body={"path": "run.ipynb", "track": False})
    assert code == 400 and "after:../outside/secret" in one_line(reply)


DATA_URLS = [
    pytest.param("file://{outside}", 400, id="g3-data-url-file-scheme"),
    pytest.param("{outside}", 400, id="g3-data-url-absolute"),
    pytest.param("../nbo-data", 403, id="g3-data-url-dotdot"),
    pytest.param("data/../../nbo-data", 403, id="g3-data-url-sub-dotdot"),
    pytest.param("ftp://host/nbo-data", 400, id="g3-data-url-ftp"),
    pytest.param("http://169.254.169.254/latest", 400, id="g3-data-url-http"),
    pytest.param("simplecache::file://{outside}", 400, id="g3-data-url-chained-file"),
    pytest.param("zip://x::file://{outside}.zip", 400, id="g3-data-url-zip-chained"),
    pytest.param("FILE://{outside}", 400, id="g3-data-url-file-upper"),
    pytest.param("s3://bucket/x::file://{outside}", 400, id="g3-data-url-s3-chained-file"),
    pytest.param("linkdata/x", 403, id="g3-data-url-symlink-out"),
]


@pytest.mark.parametrize("url,status", DATA_URLS)
async def test_data_url_must_stay_inside_the_root(jp_fetch, jp_root_dir, notebook_file, url, status):
    (jp_root_dir / "linkdata").symlink_to(jp_root_dir.parent, target_is_directory=True)
    outside = jp_root_dir.parent / "nbo-data"  # where an accepted URL would write
    before = snapshot(jp_root_dir.parent)
    code, reply = await call(
        jp_fetch,
        "POST",
        "runs",
        body={"path": "two.ipynb", "data_url": url.format(outside=outside), "track": False},
    )
    assert code == status, reply
    assert "data_url" in one_line(reply)
    assert snapshot(jp_root_dir.parent) == before
    assert not outside.exists()


@pytest.mark.parametrize("case", [pytest.param(None, id="g3-schedule-after-outside")])
async def test_schedule_of_a_notebook_after_outside_is_refused(case, jp_fetch, jp_root_dir, outside):
    nb = make_notebook([("x = 1", ["step:load", "after:../outside/secret"])])
    (jp_root_dir / "sched.ipynb").write_text(json.dumps(nb))
    code, reply = await call(jp_fetch, "POST", "schedules", body={"path": "sched.ipynb", "cron": "0 3 * * *"})
    assert code == 400, reply
    assert "after:../outside/secret" in one_line(reply)


# -- g5: strict JSON in and out -------------------------------------------------------------
@pytest.mark.parametrize(
    "value",
    [
        pytest.param("nan", id="g5-param-nan"),
        pytest.param("1e400", id="g5-param-1e400"),
        pytest.param("-inf", id="g5-param-minus-inf"),
        pytest.param("Infinity", id="g5-param-infinity"),
    ],
)
async def test_non_finite_parameters_are_refused(jp_fetch, jp_root_dir, notebook_file, value):
    code, reply = await call(
        jp_fetch, "POST", "runs", body={"path": "two.ipynb", "parameters": {"alpha": value}, "track": False}
    )
    assert code == 400, reply
    message = one_line(reply)
    assert "'alpha'" in message and "finite" in message
    assert not (jp_root_dir / ".notebook_ops" / "runs").exists() or not any(
        (jp_root_dir / ".notebook_ops" / "runs").iterdir()
    )


@pytest.mark.parametrize(
    "raw",
    [
        pytest.param('{"path": "two.ipynb", "parameters": {"alpha": NaN}}', id="g5-body-nan-literal"),
        pytest.param(
            '{"path": "two.ipynb", "parameters": {"alpha": Infinity}}', id="g5-body-infinity-literal"
        ),
        pytest.param(
            '{"path": "two.ipynb", "parameters": {"alpha": -Infinity}}', id="g5-body-minus-infinity"
        ),
    ],
)
async def test_non_json_constants_in_a_body_are_refused(jp_fetch, notebook_file, raw):
    code, reply = await call(jp_fetch, "POST", "runs", raw=raw)
    assert code == 400, reply
    assert "not valid JSON" in one_line(reply)


@pytest.mark.parametrize("case", [pytest.param(None, id="g5-replies-strict-json")])
def test_replies_refuse_nan_loudly(
    case,
):
    from notebook_ops.server.handler_base import strict_json

    assert strict_json({"a": 1.5}) == '{"a": 1.5}'
    with pytest.raises(ValueError):
        strict_json({"a": float("nan")})


# -- g6: limits, damaged records ------------------------------------------------------------
@pytest.mark.parametrize(
    "limit",
    [
        pytest.param("abc", id="g6-limit-abc"),
        pytest.param("1e3", id="g6-limit-float"),
        pytest.param("", id="g6-limit-empty-ok"),
    ],
)
async def test_limit_must_be_an_integer(jp_fetch, notebook_file, limit):
    code, reply = await call(jp_fetch, "GET", "runs", params={"path": "two.ipynb", "limit": limit})
    if limit == "":
        assert code == 200 and reply == {"runs": []}
        return
    assert code == 400, reply
    assert "'limit'" in one_line(reply)


@pytest.mark.parametrize(
    "depth", [pytest.param(200_000, id="g6-body-200k-deep"), pytest.param(100, id="g6-body-100-deep")]
)
async def test_deep_json_bodies_are_400(jp_fetch, jp_root_dir, depth):
    raw = '{"path": "two.ipynb", "content": ' + "[" * depth + "]" * depth + "}"
    code, reply = await call(jp_fetch, "POST", "pipelines", raw=raw)
    assert code == 400, reply
    assert "nested" in one_line(reply)


@pytest.mark.parametrize("case", [pytest.param(None, id="g6-path-5000-chars")])
async def test_long_path_is_400(case, jp_fetch, jp_root_dir):
    code, reply = await call(jp_fetch, "POST", "pipelines", body={"path": "a" * 5000 + ".ipynb"})
    assert code == 400 and "longer than" in one_line(reply)


@pytest.mark.parametrize("case", [pytest.param(None, id="g6-run-id-5000-chars")])
async def test_5000_character_run_id_is_4xx(case, jp_fetch, notebook_file):
    code, _ = await call(jp_fetch, "GET", "runs", "r" * 5000, params={"path": "two.ipynb"})
    assert 400 <= code < 500


DAMAGED = [
    pytest.param("{not json", id="g6-runjson-not-json"),
    pytest.param("[" * 100_000 + "]" * 100_000, id="g6-runjson-too-deep"),
    pytest.param("[1, 2]", id="g6-runjson-a-list"),
    pytest.param('{"run_id": "r1", "status": 5}', id="g6-runjson-status-type"),
    pytest.param('{"run_id": "r1", "steps": "abc"}', id="g6-runjson-steps-type"),
    pytest.param('{"run_id": "r1", "steps": {"a": {"notebook": 5}}}', id="g6-runjson-step-field-type"),
    pytest.param("\udcff", id="g6-runjson-not-utf8"),
    pytest.param("", id="g6-runjson-empty"),
]


@pytest.mark.parametrize("text", DAMAGED)
async def test_a_damaged_run_json_is_listed_as_unreadable(jp_fetch, jp_root_dir, notebook_file, text):
    run = jp_root_dir / ".notebook_ops" / "runs" / "r1"
    run.mkdir(parents=True)
    (run / "run.json").write_bytes(text.encode("utf-8", "surrogateescape"))
    code, reply = await call(jp_fetch, "GET", "runs", params={"path": "two.ipynb"})
    assert code == 200, reply
    assert [(r["run_id"], r["status"]) for r in reply["runs"]] == [("r1", "unreadable")]
    code, reply = await call(jp_fetch, "GET", "runs", "r1", params={"path": "two.ipynb"})
    assert code == 404, reply
    assert "run.json" in one_line(reply)


@pytest.mark.parametrize("case", [pytest.param(None, id="g3-local-code-above-root")])
async def test_local_code_above_the_root_is_never_shipped(case, jp_fetch, jp_root_dir):
    """A git work tree holding the server root: its top-level modules are outside the root, so
    an export from the server never copies them (and the panel never lists them)."""
    import subprocess

    top = jp_root_dir.parent
    subprocess.run(["git", "init", "-q", str(top)], check=True)
    (top / "helper.py").write_text(f"{SECRET}\ndef value():\n    return 1\n")
    nb = make_notebook([("import helper\nx = helper.value()", ["step:load"])])
    (jp_root_dir / "uses.ipynb").write_text(json.dumps(nb))
    code, reply = await call(jp_fetch, "POST", "pipelines", body={"path": "uses.ipynb"})
    assert code == 200, reply
    assert "helper.py" not in json.dumps(reply)
    code, reply = await call(jp_fetch, "POST", "exports", body={"path": "uses.ipynb", "allow_dirty": True})
    assert code < 500, reply
    shipped = [p for p in jp_root_dir.rglob("*") if p.is_file() and SECRET.encode() in p.read_bytes()]
    assert shipped == []
