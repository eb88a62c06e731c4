"""``notebook-ops run --events`` and NOTEBOOK_OPS_EVENTS, as a user runs them (subprocesses)."""

from __future__ import annotations

import json
import subprocess
import sys
from functools import partial

from conftest import free_port, read_jsonl
from notebook_ops.events import schema
from notebook_ops.events.spool import Spool
from clikit import run_cli


_run = partial(run_cli, "run", timeout=300)


def test_run_publishes_to_a_file_and_a_webhook(small_nb, tmp_path, hook):
    out = tmp_path / "events.jsonl"
    p = _run(str(small_nb), "-p", "n=4", "--no-track", "-q", "--events", str(out), "--events", hook.url)
    assert p.returncode == 0, p.stderr
    events = read_jsonl(out)
    for e in events:
        schema.validate(e)
    assert [e["type"] for e in events] == [
        "run.started",
        "step.started",
        "step.finished",
        "step.started",
        "step.finished",
        "run.finished",
    ]
    assert events[-1]["data"]["metrics"] == {"total": 8}
    assert [r[0]["id"] for r in hook.received] == [e["id"] for e in events]


def test_an_unreachable_broker_does_not_fail_the_run(small_nb, spool_dir):
    url = f"pulsar://127.0.0.1:{free_port()}/runs"  # nothing listens there
    p = _run(str(small_nb), "--no-track", "-q", "--json", env={"NOTEBOOK_OPS_EVENTS": url})
    assert p.returncode == 0, p.stderr
    assert json.loads(p.stdout)["status"] == "succeeded"
    spooled = Spool(url)._read()
    assert [e["type"] for e in spooled][::5] == ["run.started", "run.finished"]
    assert len(spooled) == 6
    assert "Traceback" not in p.stderr


def test_a_bad_events_url_is_refused_before_the_run(small_nb):
    p = _run(str(small_nb), "--no-track", "--events", "kafka://127.0.0.1/t")
    assert p.returncode == 2
    assert p.stderr.strip().splitlines() == [p.stderr.strip()]
    assert p.stderr.startswith("error: no event sink for kafka://")
    assert not (small_nb.parent / ".notebook_ops" / "runs").exists()


ABANDON = """
import sys, time
from notebook_ops.events import envelope as build
from notebook_ops.events.publisher import Publisher
pub = Publisher([sys.argv[1]])
worker = pub.workers[0]
pub.publish(build.make_event("run.started", {}, run_id="r"))
for _ in range(300):                 # until the worker is inside the client's blocking call
    if worker._inflight is not None:
        break
    time.sleep(0.01)
time.sleep(0.3)
pub.close(timeout=0.1)               # gives up on it; the process exits right after
print("alive" if worker.thread.is_alive() else "ended")
"""


def test_exiting_while_a_pulsar_call_is_in_flight_does_not_abort(spool_dir):
    """pulsar-client aborts the process ("terminate called without an active exception") if
    the interpreter exits during one of its blocking calls: the publisher ends the call first."""
    import socket

    silent = socket.socket()  # accepts TCP, never speaks Pulsar: the client's calls hang
    silent.bind(("127.0.0.1", 0))
    silent.listen(5)
    url = f"pulsar://127.0.0.1:{silent.getsockname()[1]}/runs"
    try:
        p = subprocess.run([sys.executable, "-c", ABANDON, url], capture_output=True, text=True, timeout=120)
    finally:
        silent.close()
    assert p.returncode == 0, p.stderr
    assert p.stdout.strip() == "ended"
    assert len(Spool(url)._read()) == 1
