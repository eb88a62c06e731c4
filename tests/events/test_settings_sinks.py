"""Sinks named in a notebook's settings (``metadata.notebook_ops.events``): every run of that
notebook publishes to them, whichever face starts it (CLI, the server's run manager, the widgets
panel); exports too. A bad URL there is a lint problem and a clean CLI error. The settings' sinks
do not travel into a bundle. Real kernels, a real broker (pulsar-lite), real files."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from conftest import SMALL, drain, read_jsonl
from nbfactory import make_notebook
from waiting import eventually
from notebook_ops.events import schema
from clikit import run_cli

TYPES = ["run.started", "step.started", "step.finished", "step.started", "step.finished", "run.finished"]


def notebook_with_sinks(folder: Path, events: list[str], name="small.ipynb") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    nb = make_notebook(SMALL, metadata={"notebook_ops": {"events": events}})
    path.write_text(json.dumps(nb, indent=1) + "\n")
    return path


def _lines(path: Path, n: int) -> list[dict]:
    """The file's ``n`` or more events once they are there (``eventually(lambda: _lines(...))``)."""
    got = read_jsonl(path) if path.exists() else []
    return got if len(got) >= n else []


def test_cli_run_publishes_to_a_file_and_a_broker_named_in_settings(broker, client, topic, tmp_path):
    nb = notebook_with_sinks(tmp_path / "work", ["events/runs.jsonl", broker.topic_url(topic)])
    before = nb.read_bytes()
    consumer = client.subscribe(f"persistent://public/default/{topic}", "settings")
    elsewhere = tmp_path / "elsewhere"  # a scheduler or a shell in another folder
    elsewhere.mkdir()
    p = run_cli("run", str(nb), "-p", "n=3", "--no-track", "-q", "--json", cwd=elsewhere)
    assert p.returncode == 0, p.stderr
    run = json.loads(p.stdout)

    in_file = read_jsonl(nb.parent / "events" / "runs.jsonl")  # beside the notebook
    assert not (elsewhere / "events").exists()
    for e in in_file:
        schema.validate(e)
    assert [e["type"] for e in in_file] == TYPES
    assert {e["run_id"] for e in in_file} == {run["run_id"]}
    assert in_file[-1]["data"]["metrics"] == {"total": 6}

    from_broker = {}
    for m in drain(consumer, want=6):
        e = json.loads(m.data())
        from_broker.setdefault(e["id"], e)
    assert sorted(from_broker) == sorted(e["id"] for e in in_file)
    assert nb.read_bytes() == before


def test_server_runs_publish_to_settings_and_environment_sinks_once_each(tmp_path, monkeypatch):
    """The server's run service wraps its own publisher (NOTEBOOK_OPS_EVENTS); the runner adds
    the settings' sinks it does not already cover: a sink named in both gets each event once."""
    from notebook_ops.execution.run_service import RunService

    shared = tmp_path / "shared.jsonl"
    monkeypatch.setenv("NOTEBOOK_OPS_EVENTS", str(shared))
    nb = notebook_with_sinks(tmp_path / "work", [str(shared), "own.jsonl"])

    handles = []

    async def start():  # as the server's POST runs awaits it
        handles.append(RunService().start(nb, params={"n": "4"}, track=False))
        return await asyncio.wrap_future(handles[0].started)

    first = asyncio.run(start())
    own = eventually(lambda: _lines(nb.parent / "own.jsonl", 6), timeout=30, what="6 events in own.jsonl")
    assert [e["type"] for e in own] == TYPES
    assert {e["run_id"] for e in own} == {first["run_id"]}
    eventually(lambda: _lines(shared, 6), timeout=30, what="6 events in the shared sink")
    # the run is over: its publisher has closed, delivering whatever it had (a second copy too)
    handles[0].wait(240)
    in_shared = read_jsonl(shared)
    assert [e["type"] for e in in_shared] == TYPES  # once, not twice
    assert {e["run_id"] for e in in_shared} == {first["run_id"]}


def test_widgets_panel_runs_publish_to_settings_sinks(tmp_path):
    from notebook_ops.widgets import panel

    nb = notebook_with_sinks(tmp_path / "work", ["panel-events.jsonl"])
    p = panel(nb, store=f"sqlite:///{tmp_path}/s.db", run_options={"track": False, "jobs": 2})
    p.form.widgets["n"].value = 7
    p.run()
    result = p.wait(600)
    assert result.status == "succeeded"
    events = eventually(
        lambda: _lines(nb.parent / "panel-events.jsonl", 6), timeout=30, what="the panel's events"
    )
    assert [e["type"] for e in events] == TYPES
    assert events[0]["data"]["parameters"]["n"] == 7
    assert events[-1]["run_id"] == result.run_id


def test_a_bad_sink_url_in_settings_is_a_lint_problem_and_a_clean_run_error(tmp_path):
    nb = notebook_with_sinks(tmp_path / "work", ["kafka://broker/t", "pulsar://h/t?token=abc123"])
    before = nb.read_bytes()
    p = run_cli("lint", str(nb))
    assert p.returncode == 1
    lines = [ln for ln in p.stdout.splitlines() if "invalid-settings" in ln]
    assert len(lines) == 2, p.stdout
    assert "events[0]" in lines[0] and "no event sink for kafka://" in lines[0]
    assert "events[1]" in lines[1] and "token=***" in lines[1] and "abc123" not in p.stdout

    p = run_cli("run", str(nb), "--no-track")
    assert p.returncode == 1 and "Traceback" not in p.stderr
    assert len(p.stderr.strip().splitlines()) == 1, p.stderr
    assert p.stderr.startswith("error:") and "no event sink for kafka://" in p.stderr
    assert "abc123" not in p.stderr
    assert not (nb.parent / ".notebook_ops" / "runs").exists()
    assert nb.read_bytes() == before


def test_a_credential_in_a_settings_url_is_a_lint_warning(tmp_path):
    from notebook_ops.model import load_pipeline

    nb = notebook_with_sinks(tmp_path / "work", ["https://hooks.example/x?token=s3cr3t&timeout=2"])
    problems = [(p.severity, p.code, p.message) for p in load_pipeline(nb).problems]
    assert [(s, c) for s, c, _ in problems] == [("warning", "secret-in-settings")]
    assert "token=***" in problems[0][2] and "s3cr3t" not in problems[0][2]


@pytest.mark.parametrize(
    "events, says",
    [
        ("runs.jsonl", "events must be array"),
        (["a.jsonl", "a.jsonl"], "events must contain unique items"),
        ([""], "events[0] must be longer than or equal to 1 characters"),
    ],
)
def test_settings_shape_is_checked_by_the_schema(tmp_path, events, says):
    from notebook_ops.model import load_pipeline

    nb = notebook_with_sinks(tmp_path / "work", events)
    errors = [p for p in load_pipeline(nb).errors if p.code == "invalid-settings"]
    assert len(errors) == 1 and says in errors[0].message


def test_settings_sinks_get_the_export_event_and_stay_out_of_the_bundle(tmp_path, monkeypatch):
    """The bundle does not carry the notebook's sinks (a webhook URL may hold a token; the
    author's file and broker mean nothing where the bundle is deployed): a bundle run publishes
    to NOTEBOOK_OPS_EVENTS / --events there."""
    from notebook_ops.bundle import export_notebook

    hook = "https://hooks.example/nbo?token=BUNDLE_SECRET_42"
    nb = notebook_with_sinks(tmp_path / "work", ["exports.jsonl", hook])
    result = export_notebook(nb, out_dir=tmp_path / "dist", allow_dirty=True, tag=False, track=False)
    exported = eventually(lambda: _lines(nb.parent / "exports.jsonl", 1), timeout=30, what="the export event")
    assert [e["type"] for e in exported] == ["bundle.exported"]
    assert exported[0]["data"]["version"] == result.version
    for f in [*result.folder.rglob("*"), result.archive]:
        if f.is_file():
            data = f.read_bytes()
            assert b"BUNDLE_SECRET_42" not in data and b"exports.jsonl" not in data, f

    # a run of the bundle: only the sinks of where it runs
    here = tmp_path / "deploy"
    here.mkdir()
    p = run_cli("run", str(result.folder), "--no-track", "-q", "--events", str(here / "ev.jsonl"), cwd=here)
    assert p.returncode == 0, p.stderr
    assert [e["type"] for e in read_jsonl(here / "ev.jsonl")] == TYPES
    assert len(read_jsonl(nb.parent / "exports.jsonl")) == 1


def test_runs_started_by_a_trigger_publish_to_settings_sinks(broker, client, topic, tmp_path):
    from notebook_ops.events.source import open_source
    from notebook_ops.scheduler.triggers import listen_schedule

    nb = notebook_with_sinks(tmp_path / "work", ["triggered.jsonl"])
    source = open_source(broker.topic_url(topic), subscription="settings")
    client.create_producer(f"persistent://public/default/{topic}").send(b'{"n": 8}')
    outcomes = []
    listener = listen_schedule(
        broker.topic_url(topic),
        nb,
        subscription="settings",
        run_options={"track": False},
        on_settled=outcomes.append,
        max_messages=1,
    )
    try:
        assert listener.serve(source) == 1
    finally:
        source.close()
    assert outcomes[0]["action"] == "ack"
    events = eventually(lambda: _lines(nb.parent / "triggered.jsonl", 6), timeout=30, what="the run's events")
    assert [e["type"] for e in events] == TYPES
    assert events[-1]["data"]["metrics"] == {"total": 16}
