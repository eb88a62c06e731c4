"""Proofs in the background (bundle/proofjobs.py): a proof that cannot run ends in one line, a
second start of the same bundle follows the first, and the server's memory stays bounded.
The whole way (env, steps, record) runs through a real server in tests/server/test_exports_route.py."""

from __future__ import annotations

from pathlib import Path

from notebook_ops.bundle import proofjobs
from notebook_ops.bundle.proofjobs import ProofJob, ProofJobs


def test_a_proof_that_cannot_run_ends_in_one_line_error(tmp_path):
    not_a_bundle = tmp_path / "dist" / "x-v1"
    not_a_bundle.mkdir(parents=True)
    jobs = ProofJobs()
    job = jobs.start(not_a_bundle, tmp_path / "x.ipynb")
    job.thread.join(120)  # (it may be over already: nothing to build)
    assert job.state == "error" and job.record is None and job.finished_at
    assert job.error and "\n" not in job.error and "x-v1" in job.error, job.error
    assert jobs.get(job.id) is job
    assert jobs.of_notebook(tmp_path / "x.ipynb") == [job]
    assert jobs.of_notebook(tmp_path / "y.ipynb") == []


def test_one_proof_at_a_time_per_bundle(tmp_path):
    jobs = ProofJobs()
    running = ProofJob(id="0123456789ab", bundle=tmp_path / "b", notebook=tmp_path / "n.ipynb")
    jobs._jobs[running.id] = running  # as if its thread were still proving
    assert jobs.start(tmp_path / "b", tmp_path / "n.ipynb") is running
    running.state = "done"
    again = jobs.start(tmp_path / "b", tmp_path / "n.ipynb")  # over: a new proof starts
    assert again is not running and again.id != running.id
    again.thread.join(120)


def test_finished_jobs_are_kept_up_to_a_bound(tmp_path, monkeypatch):
    monkeypatch.setattr(proofjobs, "KEEP", 2)
    jobs = ProofJobs()
    for i in range(4):
        job = ProofJob(id=f"{i:012x}", bundle=Path(f"/b{i}"), notebook=tmp_path / "n.ipynb", state="done")
        job.finished_at = f"2026-12-06T21:0{i}:00Z"
        jobs._jobs[job.id] = job
    live = jobs.start(tmp_path / "other", tmp_path / "n.ipynb")  # starting one forgets the oldest
    assert jobs.get(f"{0:012x}") is None and jobs.get(f"{1:012x}") is None
    assert jobs.get(f"{3:012x}") is not None and jobs.get(live.id) is live
    live.thread.join(120)
