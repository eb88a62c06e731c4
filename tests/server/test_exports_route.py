"""/notebook-ops/api/exports: real bundles written by the bundle service from a real git repo."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest
from tornado.httpclient import HTTPClientError

EXPORTS = ("notebook-ops", "api", "exports")
ORIGINAL_ENV = dict(os.environ)  # before fixtures point caches at tmp folders
GIT = ["git", "-c", "user.name=Test", "-c", "user.email=test@example.com", "-c", "commit.gpgsign=false"]


async def export(jp_fetch, body):
    try:
        # exports pin the environment and may take a while on a busy machine
        reply = await jp_fetch(*EXPORTS, method="POST", body=json.dumps(body), request_timeout=300)
    except HTTPClientError as err:
        return err.code, json.loads(err.response.body) if err.response and err.response.body else {}
    return reply.code, json.loads(reply.body)


@pytest.fixture
def repo(jp_root_dir, nb):
    project = jp_root_dir / "proj"
    project.mkdir()
    (project / "tiny.ipynb").write_text(
        json.dumps(
            nb(
                [
                    ("n = 3  # how many", ["parameters"]),
                    ("values = list(range(n))", ["step:make"]),
                    ("total = sum(values)", ["step:add"]),
                ]
            ),
            indent=1,
        )
    )
    subprocess.run(["git", "init", "-q", str(project)], check=True)
    subprocess.run(GIT + ["-C", str(project), "add", "."], check=True)
    subprocess.run(GIT + ["-C", str(project), "commit", "-q", "-m", "tiny"], check=True)
    return project


async def test_export_writes_a_versioned_bundle_inside_the_root(jp_fetch, repo, schema_check):
    code, result = await export(jp_fetch, {"path": "proj/tiny.ipynb"})
    assert code == 201, result
    schema_check("rest-export-response", result)
    assert result["version"] == 1 and result["name"] == "tiny"
    assert result["folder"] == "proj/dist/tiny-v1"
    assert result["archive"] == "proj/dist/tiny-v1.tar.gz"
    assert result["readme"] == "proj/dist/tiny-v1/README.md"
    assert (repo / "dist" / "tiny-v1" / "pipeline.yaml").is_file()
    assert (repo / "dist" / "tiny-v1.tar.gz").is_file()
    assert "make" in (repo / "dist" / "tiny-v1" / "README.md").read_text()
    # the same content again keeps its version
    code, again = await export(jp_fetch, {"path": "proj/tiny.ipynb"})
    assert code == 201 and again["version"] == 1 and again["reused"] is True


async def test_a_dirty_work_tree_is_refused_unless_allowed(jp_fetch, repo):
    text = (repo / "tiny.ipynb").read_text().replace("range(n)", "range(n + 1)")
    (repo / "tiny.ipynb").write_text(text)
    code, reply = await export(jp_fetch, {"path": "proj/tiny.ipynb", "out_dir": "bundles"})
    assert code == 409, reply
    assert reply["error"] == "ExportRefused" and reply["hint"]
    assert not (repo / "bundles").exists()
    code, result = await export(
        jp_fetch, {"path": "proj/tiny.ipynb", "out_dir": "bundles", "allow_dirty": True}
    )
    assert code == 201, result
    assert result["folder"] == "proj/bundles/tiny-v1"


@pytest.mark.parametrize(
    "out_dir,status", [("../../outside", 403), ("/tmp/elsewhere", 400), ("a/../../..", 403)]
)
async def test_export_never_writes_outside_the_root(jp_fetch, repo, jp_root_dir, out_dir, status):
    code, reply = await export(jp_fetch, {"path": "proj/tiny.ipynb", "out_dir": out_dir, "allow_dirty": True})
    assert code == status, reply
    assert not (jp_root_dir.parent / "outside").exists()


async def test_export_of_a_pipeline_with_errors_names_the_problem(jp_fetch, jp_root_dir, nb):
    (jp_root_dir / "bad.ipynb").write_text(json.dumps(nb([("a = 1", ["step:one", "after:ghost"])])))
    code, reply = await export(jp_fetch, {"path": "bad.ipynb", "allow_dirty": True})
    assert 400 <= code < 500, reply
    assert "ghost" in reply["message"]
    assert not (jp_root_dir / "dist").exists()


async def test_export_bad_requests(jp_fetch, repo):
    assert (await export(jp_fetch, {"path": "proj/missing.ipynb"}))[0] == 404
    assert (await export(jp_fetch, {"path": "proj"}))[0] == 400
    assert (await export(jp_fetch, {"path": "proj/tiny.ipynb", "out_dir": 3}))[0] == 400


@pytest.mark.slow
@pytest.mark.timeout(900)
async def test_export_and_prove_returns_the_proof_record(jp_fetch, repo, schema_check, monkeypatch, request):
    """ "Export and prove": the reply carries the proof (no run of the notebook yet: proven to
    run, nothing to compare with), and the record lies beside the archive."""
    monkeypatch.setenv("NOTEBOOK_OPS_PROVE_CACHE", str(request.config.cache.mkdir("notebook-ops-prove-envs")))
    cache = ORIGINAL_ENV.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")  # uv's download cache
    monkeypatch.setenv("UV_CACHE_DIR", ORIGINAL_ENV.get("UV_CACHE_DIR") or f"{cache}/uv")
    code, result = await export(jp_fetch, {"path": "proj/tiny.ipynb", "prove": True})
    assert code == 201, result
    schema_check("rest-export-response", result)
    proof = result["proof"]
    assert proof["proven"] is True and proof["source_run"] is None, proof
    assert {s: v["status"] for s, v in proof["steps"].items()} == {"make": "ran", "add": "ran"}
    assert "no source run to compare with" in proof["summary"]
    on_disk = json.loads((repo / "dist" / "tiny-v1.proof.json").read_text())
    assert on_disk["content_sha256"] == result["content_sha256"] == proof["content_sha256"]
    code, plain = await export(jp_fetch, {"path": "proj/tiny.ipynb"})
    assert code == 201 and plain["proof"] is None
