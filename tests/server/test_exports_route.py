"""/notebook-ops/api/exports: real bundles written by the bundle service from a real git repo."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest
from waiting import eventually_async
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


@pytest.fixture
def prove_caches(monkeypatch, request):
    """The proof envs in pytest's cache (keyed by requirements: the first proof builds one, ~45 s),
    uv's downloads in the user's cache."""
    monkeypatch.setenv("NOTEBOOK_OPS_PROVE_CACHE", str(request.config.cache.mkdir("notebook-ops-prove-envs")))
    cache = ORIGINAL_ENV.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")  # uv's download cache
    monkeypatch.setenv("UV_CACHE_DIR", ORIGINAL_ENV.get("UV_CACHE_DIR") or f"{cache}/uv")


async def follow_proof(jp_fetch, job_id, schema_check, timeout_s=600.0) -> list[dict]:
    """Every state GET proofs/{id} showed, polled as the lab polls, until the proof ends."""
    seen: list[dict] = []

    async def ended() -> bool:
        reply = await jp_fetch("notebook-ops", "api", "proofs", job_id)
        state = schema_check("rest-proof-progress", json.loads(reply.body))
        if not seen or state != seen[-1]:
            seen.append(state)
        return state["state"] in ("done", "error")

    await eventually_async(
        ended, timeout=timeout_s, interval=0.1, what="the proof to end", context=lambda: seen[-1:]
    )
    return seen


@pytest.mark.slow
@pytest.mark.timeout(900)
async def test_export_and_prove_runs_in_the_background_with_progress(
    jp_fetch, repo, schema_check, prove_caches
):
    """ "Export and prove": the bundle is written at once (202), the proof goes on in the
    background and GET proofs/{id} follows it: env, step k of n by name, then the record (no run
    of the notebook yet: proven to run, nothing to compare with), which lies beside the archive."""
    code, result = await export(jp_fetch, {"path": "proj/tiny.ipynb", "prove": True})
    assert code == 202, result
    schema_check("rest-export-response", result)
    assert result["folder"] == "proj/dist/tiny-v1" and result["proof"] is None
    proving = result["proving"]
    assert proving["state"] in ("building_env", "running_step"), proving
    assert proving["notebook"] == "proj/tiny.ipynb" and proving["bundle"] == "proj/dist/tiny-v1"

    seen = await follow_proof(jp_fetch, proving["id"], schema_check)
    steps = [(s["step_index"], s["steps_total"], s["step"]) for s in seen if s["state"] == "running_step"]
    assert (1, 2, "make") in steps and (2, 2, "add") in steps, seen
    assert steps == sorted(steps), steps  # step k of n only moves forward
    done = seen[-1]
    assert done["state"] == "done" and done["error"] is None and done["finished_at"], done
    proof = done["proof"]
    assert proof["proven"] is True and proof["source_run"] is None, proof
    assert {s: v["status"] for s, v in proof["steps"].items()} == {"make": "ran", "add": "ran"}
    assert done["message"] == proof["summary"] and "no source run to compare with" in proof["summary"]
    on_disk = json.loads((repo / "dist" / "tiny-v1.proof.json").read_text())
    assert on_disk["content_sha256"] == result["content_sha256"] == proof["content_sha256"]

    # a reloaded page finds it by its notebook
    reply = await jp_fetch("notebook-ops", "api", "proofs", params={"path": "proj/tiny.ipynb"})
    listed = schema_check("rest-proofs-response", json.loads(reply.body))["proofs"]
    assert [p["id"] for p in listed] == [proving["id"]] and listed[0]["state"] == "done"

    # the same content exported again (plain, synchronous) carries the proof beside its archive
    code, plain = await export(jp_fetch, {"path": "proj/tiny.ipynb"})
    assert code == 201 and plain["reused"] is True and plain["proving"] is None, plain
    assert plain["proof"]["proven"] is True and plain["proof"]["date"] == proof["date"]


@pytest.mark.slow
@pytest.mark.timeout(900)
async def test_a_failed_proof_ends_done_with_the_failing_step_and_its_problem(
    jp_fetch, repo, schema_check, prove_caches, nb
):
    (repo / "boom.ipynb").write_text(
        json.dumps(nb([("values = [1, 2]", ["step:make"]), ("raise RuntimeError('boom')", ["step:explode"])]))
    )
    subprocess.run(GIT + ["-C", str(repo), "add", "."], check=True)
    subprocess.run(GIT + ["-C", str(repo), "commit", "-q", "-m", "boom"], check=True)
    code, result = await export(jp_fetch, {"path": "proj/boom.ipynb", "prove": True})
    assert code == 202, result
    done = (await follow_proof(jp_fetch, result["proving"]["id"], schema_check))[-1]
    assert done["state"] == "done" and done["error"] is None, done
    proof = done["proof"]
    assert proof["proven"] is False
    assert proof["steps"]["make"]["status"] == "ran" and proof["steps"]["explode"]["status"] == "failed"
    assert done["message"] == proof["summary"] == proof["steps"]["explode"]["problem"]
    assert "step explode" in done["message"] and "boom" in done["message"], done["message"]
    assert (repo / "dist" / "boom-v1.proof.json").is_file()


async def test_proof_routes_bad_requests(jp_fetch, repo):
    for params, status in (({"path": "proj/missing.ipynb"}, 404), ({"path": "proj"}, 400), ({}, 400)):
        with pytest.raises(HTTPClientError) as info:
            await jp_fetch("notebook-ops", "api", "proofs", params=params)
        assert info.value.code == status, params
    with pytest.raises(HTTPClientError) as info:
        await jp_fetch("notebook-ops", "api", "proofs", "0123456789ab")
    assert info.value.code == 404
    body = json.loads(info.value.response.body)
    assert "no proof 0123456789ab" in body["message"] and body["hint"]
    # a notebook with no proof in this server: an empty list
    reply = await jp_fetch("notebook-ops", "api", "proofs", params={"path": "proj/tiny.ipynb"})
    assert json.loads(reply.body) == {"proofs": []}
