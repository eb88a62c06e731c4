"""The contracts: their schema files are current, they read what the runner writes, and a bad
REST body is one line naming the field."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from notebook_ops.model.contracts import generate
from notebook_ops.model.contracts.base import ContractError
from notebook_ops.model.contracts.events import DATA_BY_TYPE
from notebook_ops.model.contracts.pipeline_view import PipelineView
from notebook_ops.model.contracts.rest import CreateRun, CreateSchedule
from notebook_ops.model.contracts.runs import RunRecord, StepRecord
from notebook_ops.model.contracts.schedules import ScheduleError, ScheduleSpec

ROOT = Path(__file__).resolve().parents[2]


def test_schema_files_are_current():
    """Fails when a contract changed and its schema file was not regenerated."""
    stale = generate.stale()
    assert not stale, f"stale: {[p.name for p in stale]}; run python -m notebook_ops.model.contracts.generate"


def test_generator_check_flags_a_stale_file(tmp_path, monkeypatch):
    monkeypatch.setattr(generate, "SCHEMA_DIR", tmp_path)
    assert generate.main(["--check"]) == 1  # nothing written yet: all stale
    assert generate.main([]) == 0
    assert generate.main(["--check"]) == 0
    f = tmp_path / "run-record.schema.json"
    f.write_text(f.read_text().replace('"run_id"', '"runid"', 1))
    assert generate.stale() == [f]


def test_run_record_schema_lists_every_field_the_runner_writes():
    schema = json.loads((generate.SCHEMA_DIR / "run-record.schema.json").read_text())
    assert set(schema["required"]) == set(RunRecord("x").to_dict())
    step = schema["$defs"]["StepRecord"]
    assert set(step["required"]) == set(StepRecord().to_dict())
    assert step["properties"]["status"]["enum"] == [
        "pending",
        "running",
        "succeeded",
        "failed",
        "skipped",
        "cancelled",
    ]


def test_event_data_matches_the_published_event_schema():
    """events/schema/event.schema.json stays the hand-kept published document; its $defs and
    the data classes the envelope builder uses name the same fields."""
    published = json.loads((ROOT / "notebook_ops/events/schema/event.schema.json").read_text())
    for type_, cls in DATA_BY_TYPE.items():
        d = published["$defs"][type_.replace(".", "_")]
        assert set(d["properties"]) == {f for f in cls.__dataclass_fields__}, type_
        generated = json.loads((generate.SCHEMA_DIR / "event-data.schema.json").read_text())
        assert set(generated["$defs"][cls.__name__]["required"]) >= set(d["required"]), type_


def test_record_round_trip_keeps_everything_and_drops_strays():
    rec = RunRecord("r1", steps={"a": StepRecord(status="succeeded", attempts=1)})
    data = rec.to_dict()
    data["steps"]["a"]["stray"] = 1
    back = RunRecord.from_dict(data)
    assert back.steps["a"].status == "succeeded" and back.steps["a"].attempts == 1
    assert "stray" not in back.to_dict()["steps"]["a"]
    assert back.to_dict()["git"] == {"commit": None, "branch": None, "dirty": None}


def test_bad_rest_bodies_name_the_field():
    with pytest.raises(ContractError, match="'parameters' must be an object"):
        CreateRun.parse({"path": "a.ipynb", "parameters": [1]})
    with pytest.raises(ContractError, match="'jobs' must be a positive integer"):
        CreateRun.parse({"path": "a.ipynb", "jobs": 0})
    with pytest.raises(ContractError, match="'jobs' must be an integer"):
        CreateRun.parse({"path": "a.ipynb", "jobs": "2"})
    with pytest.raises(ContractError, match="'path' is required"):
        CreateRun.parse({})
    with pytest.raises(ContractError, match="not both"):
        CreateSchedule.parse({"path": "a.ipynb", "cron": "* * * * *", "trigger": "pulsar://h/t"})
    with pytest.raises(ContractError, match="'catchup' must be one of skip, once, all"):
        CreateSchedule.parse({"path": "a.ipynb", "cron": "* * * * *", "catchup": "later"})
    ok = CreateRun.parse({"path": "a.ipynb", "parameters": {"n": 1}, "future_field": 1})
    assert ok.parameters == {"n": 1} and ok.cache is True


@pytest.mark.parametrize(
    "change,message",
    [
        ({"name": "12"}, "bad schedule name"),
        ({"overlap": "drop"}, "overlap policy"),
        ({"max_concurrent": 0}, "at least 1"),
        ({"timeout_s": 0}, "positive"),
        ({"kind": "trigger"}, "needs a source URL"),
        ({"kind": "trigger", "source": "pulsar://h/t", "subscription": "a b"}, "subscription"),
    ],
)
def test_schedule_shape_is_checked_in_one_place(change, message):
    spec = ScheduleSpec(**{"name": "nightly", "target": "/t.ipynb", "cron": "0 6 * * *", **change})
    with pytest.raises(ScheduleError, match=message):
        spec.check()


def test_pipeline_view_is_inspect_json(tmp_path, schema_check):
    """`inspect --json` prints the view: each cell's role included."""
    nb = ROOT / "examples" / "churn.ipynb"
    out = subprocess.run(
        [sys.executable, "-m", "notebook_ops", "inspect", str(nb), "--json"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    data = json.loads(out)
    view = PipelineView.from_dict(data)
    assert [s.name for s in view.steps][:2] == ["load", "features"]
    assert len(view.cell_roles) == len(json.loads(nb.read_text())["cells"])
    assert {"parameters", "setup", "code"} <= set(view.cell_roles)
    in_steps = {i for s in view.steps for i in s.cells}
    assert all(i in in_steps for i, r in enumerate(view.cell_roles) if r == "code")
    # the title cell joins the first step; its badge belongs on the cell with the step: tag
    assert (view.steps[0].cells, view.steps[0].start_cell) == ([0, 3], 3)
    assert view.to_dict() == data
    schema_check("pipeline-view", data)


def test_contracts_import_no_pydantic():
    code = (
        "import sys, notebook_ops.model.contracts.rest, notebook_ops.model.contracts.events;"
        "print('pydantic' in sys.modules)"
    )
    assert (
        subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True
        ).stdout.strip()
        == "False"
    )


def test_stored_schedule_times_are_datetimes_and_iso_utc_in_json():
    """One class from the store to the wire: aware datetimes inside, ``...Z`` strings in JSON,
    read back as the same datetimes; a client's bad time is one line naming the field."""
    from datetime import datetime, timezone

    from notebook_ops.model.contracts.schedules import ScheduledRun, ScheduledRunView, ScheduleView

    fired = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)
    run = ScheduledRun(
        schedule_id=1, scheduled_for=fired, started_at=fired.replace(second=30), id=7, state="running"
    )
    view = run.view()
    assert isinstance(view, ScheduledRunView) and view.late_s == 30.0 and view.duration_s is None
    wire = view.to_dict()
    assert wire["scheduled_for"] == "2026-03-02T09:00:00Z" and "duration_s" not in wire
    assert ScheduledRunView.from_dict(wire).scheduled_for == fired
    assert ScheduledRunView.parse(wire).started_at == fired.replace(second=30)
    with pytest.raises(ContractError, match="'scheduled_for' must be an ISO 8601 time, got 'noon'"):
        ScheduledRunView.parse({**wire, "scheduled_for": "noon"})
    with pytest.raises(ContractError, match="'started_at' must be an ISO 8601 time, got 5"):
        ScheduledRunView.parse({**wire, "started_at": 5})
    shown = ScheduleView(name="n", target="/t.ipynb", cron="0 6 * * *", upcoming=[fired])
    assert shown.to_dict()["upcoming"] == ["2026-03-02T09:00:00Z"]
