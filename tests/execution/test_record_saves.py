"""The run record's saves (execution/record.py, runfolder.RecordWriter): the same bytes as the
contract's whole-record write, at the cost of the steps that changed (issue 27: a 100-step run
re-serialised every step record twice per step)."""

from __future__ import annotations

import json

from notebook_ops.execution.record import LiveRecord, new_step_record
from notebook_ops.execution.runfolder import RunFolder
from notebook_ops.model.contracts.runs import RunOptions, RunRecord


def _record(steps: list[str]) -> dict:
    data = RunRecord(
        run_id="20261207-000000-abcdef",
        status="running",
        pipeline="scale",
        started_at="2026-12-07T00:00:00.000Z",
        parameters={"n": 3, "name": "x"},
        tags={"team": "a"},
        options=RunOptions(jobs=2, steps=["a"]),
    ).to_dict()
    data["steps"] = {n: new_step_record() for n in steps}
    return data


def _same_as_contract_write(live: LiveRecord, tmp_path) -> None:
    """run.json as saved equals what ``RunFolder.write`` (the whole contract way) writes."""
    reference = RunFolder(tmp_path / "reference")
    reference.write(live.data)
    assert live.folder.record_path.read_bytes() == reference.record_path.read_bytes()


def test_saves_write_the_contract_bytes(tmp_path):
    events: list[dict] = []
    live = LiveRecord(RunFolder(tmp_path / "run"), _record(["a", "b", "c"]), events.append)
    live.save("run_started")
    _same_as_contract_write(live, tmp_path)
    live.step_started("a")
    _same_as_contract_write(live, tmp_path)
    live.add_usage("a", 1.25, 80.5)
    live.step_finished("a", "succeeded", notebook="steps/a.ipynb", metrics={"acc": 0.5, "l": [1, 2]})
    _same_as_contract_write(live, tmp_path)
    live.step("a")["metrics"]["l"].append(3)  # changed in place, deep in a step
    live.step("a")["observed"] = {"code_sha256": "f" * 64, "reads": ["in.csv"], "unknown": 1}
    live.step("b")["not_in_the_contract"] = "dropped"
    live.step("b")["error"] = 'bad\nline "steps": "\x00steps\x00"'  # newline, quotes, NUL
    live.save()
    _same_as_contract_write(live, tmp_path)
    live.data["steps"]["d"] = new_step_record()  # a step added, another removed
    del live.data["steps"]["c"]
    live.data["metrics"]["a.acc"] = 0.5
    live.data.update(status="failed", error="x", extra="dropped")
    live.total_usage()
    live.save("run_finished")
    _same_as_contract_write(live, tmp_path)
    written = json.loads(live.folder.record_path.read_text())
    assert "extra" not in written and "not_in_the_contract" not in written["steps"]["b"]
    assert written["steps"]["a"]["metrics"]["l"] == [1, 2, 3]
    # every event carries its own copy of what was written then
    assert [e["event"] for e in events] == ["run_started", "step_started", "step_finished", "run_finished"]
    assert events[1]["run"]["steps"]["a"]["status"] == "running"
    assert events[2]["run"]["steps"]["a"]["metrics"]["l"] == [1, 2]
    assert events[3]["run"] == written


def test_no_steps_and_a_damaged_record(tmp_path):
    live = LiveRecord(RunFolder(tmp_path / "run"), _record([]))
    live.save()
    _same_as_contract_write(live, tmp_path)
    live.data["steps"] = None  # not the runner's shape: written the whole contract way
    live.save()
    _same_as_contract_write(live, tmp_path)


def test_each_save_serialises_only_the_step_that_changed(tmp_path):
    n = 100
    names = [f"s{i:03}" for i in range(n)]
    live = LiveRecord(RunFolder(tmp_path / "run"), _record(names))
    live.save("run_started")
    assert live.writer.renders == n  # the first save: every step once
    for name in names:
        live.step_started(name)
        live.step_finished(name, "succeeded", metrics={"m": 1})
    live.data["status"] = "succeeded"
    live.save("run_finished")
    assert live.saves == 2 * n + 2
    # one step serialised per step change: 3N in all (it was N per save: 2N^2 + 2N)
    assert live.writer.renders == 3 * n
    _same_as_contract_write(live, tmp_path)
