"""The schema, the builder, the URL registry, the spool and the publisher's threading, with the
file and webhook sinks (a temp file, a loopback HTTP server)."""

from __future__ import annotations

import hashlib
import hmac
import json

import pytest

from conftest import read_jsonl
from waiting import eventually
from notebook_ops.events import envelope as build, schema
from notebook_ops.events.publisher import Publisher
from notebook_ops.events.sinks import EventsConfigError, check_url
from notebook_ops.events.spool import Spool


def _run(status="succeeded"):
    return {
        "run_id": "r1",
        "pipeline": "p",
        "status": status,
        "mode": "pipeline",
        "source": "/x/p.ipynb",
        "run_dir": "/x/runs/r1",
        "parameters": {"n": 2},
        "git": None,
        "notebook_hash": "abc",
        "tags": {},
        "duration_s": 1.5,
        "steps": {
            "a": {
                "status": "succeeded",
                "duration_s": 0.5,
                "cached": True,
                "attempts": 1,
                "error": None,
                "metrics": {},
            }
        },
        "metrics": {"acc": 0.7},
        "targets": [{"metric": "acc", "condition": ">= 0.8", "value": 0.7, "met": False}],
        "mlflow": {"run_id": None},
        "error": None,
    }


def test_builder_numbers_a_runs_events_and_they_match_the_schema():
    rb = build.RunEvents()
    run = _run("below_target")
    evs = [
        rb.from_progress({"event": "run_started", "run_id": "r1", "run": run}),
        rb.from_progress({"event": "step_started", "run_id": "r1", "step": "a", "run": run}),
        rb.from_progress({"event": "step_finished", "run_id": "r1", "step": "a", "run": run}),
        rb.from_progress({"event": "run_finished", "run_id": "r1", "run": run}),
    ]
    assert [e["type"] for e in evs] == ["run.started", "step.started", "step.finished", "run.finished"]
    assert [e["seq"] for e in evs] == [0, 1, 2, 3]
    assert len({e["id"] for e in evs}) == 4
    for e in evs:
        schema.validate(e)
    assert evs[2]["data"]["cached"] is True
    assert evs[3]["data"]["below_target"] == ["acc"]
    assert rb.from_progress({"event": "something_else", "run": run}) is None


def test_model_promoted_event_matches_the_schema():
    record = {
        "model": "churn-clf",
        "version": 3,
        "alias": "champion",
        "previous_version": 2,
        "by": "ana",
        "at": "2026-12-07T06:00:00+00:00",
        "run_id": "20261207-060000-abcdef",
        "mlflow_run_id": "f" * 32,
        "why": "weekly retrain",
        "gate": "passed",
        "checks": ["accuracy 0.95 (target >= 0.9): met"],
        "origin": "setting",
        "tracking_uri": "https://***@mlflow.example/",
    }
    e = build.model_promoted(record, pipeline="churn")
    schema.validate(e)
    assert (e["type"], e["pipeline"], e["run_id"], e["seq"]) == (
        "model.promoted",
        "churn",
        "20261207-060000-abcdef",
        0,
    )
    assert e["data"] == record
    with pytest.raises(schema.EventInvalid, match="data"):
        schema.validate({**e, "data": {**record, "gate": "maybe"}})


def test_schema_rejects_a_wrong_event():
    e = build.make_event("run.finished", {"status": "exploded"}, run_id="r")
    with pytest.raises(schema.EventInvalid, match="data"):
        schema.validate(e)
    with pytest.raises(schema.EventInvalid):
        schema.validate({**build.make_event("bundle.exported", {}), "type": "nope"})


def test_schedule_fired_event_matches_the_schema():
    from datetime import datetime, timezone

    e = build.schedule_fired(
        schedule_id=3,
        target="nb.ipynb",
        parameters={"day": "x"},
        scheduled_for=datetime(2026, 1, 1, tzinfo=timezone.utc),
        run_id=None,
    )
    schema.validate(e)
    assert e["data"]["scheduled_for"].startswith("2026-01-01T00:00:00")


@pytest.mark.parametrize(
    "url",
    [
        "kafka://h/t",
        "pulsar://h",
        "pulsar://h:x/t",
        "pulsar://h:6650/a/b",
        "pulsar://h/t?bogus=1",
        "https:///nohost",
    ],
)
def test_bad_sink_urls_are_refused_before_anything_runs(url):
    with pytest.raises(EventsConfigError):
        check_url(url)


def test_pulsar_topic_names():
    from notebook_ops.events.pulsar import parse_url

    assert parse_url("pulsar://127.0.0.1/runs")[:2] == (
        "pulsar://127.0.0.1:6650",
        "persistent://public/default/runs",
    )
    svc, topic, opts = parse_url("pulsar://127.0.0.1:7000/acme/ml/runs?send_timeout_ms=500")
    assert (svc, topic, opts["send_timeout_ms"]) == (
        "pulsar://127.0.0.1:7000",
        "persistent://acme/ml/runs",
        500,
    )
    assert parse_url("pulsar://h/non-persistent/a/b/c")[1] == "non-persistent://a/b/c"


def test_file_sink_gets_every_event_in_order(tmp_path):
    out = tmp_path / "deep" / "events.jsonl"
    pub = Publisher([str(out)])
    events = [
        build.make_event(
            "schedule.fired",
            {"schedule_id": i, "target": "t", "scheduled_for": None, "parameters": {}, "run_id": None},
        )
        for i in range(50)
    ]
    for e in events:
        pub.publish(e)
    pub.close(timeout=10)
    assert [e["id"] for e in read_jsonl(out)] == [e["id"] for e in events]


def test_webhook_posts_signed_json(hook, monkeypatch):
    monkeypatch.setenv("NOTEBOOK_OPS_EVENTS_SECRET", "s3cret")
    e = build.make_event(
        "bundle.exported",
        {
            "name": "p",
            "version": 1,
            "reused": False,
            "commit": None,
            "tag": None,
            "folder": "f",
            "archive": "a",
            "content_sha256": "x",
        },
    )
    with Publisher([hook.url]) as pub:
        pub.publish(e)
    ((got, headers, body),) = hook.received
    assert got == e
    assert headers["X-Notebook-Ops-Event"] == "bundle.exported"
    mac = hmac.new(b"s3cret", body, hashlib.sha256).hexdigest()
    assert headers["X-Notebook-Ops-Signature"] == f"sha256={mac}"


def test_webhook_down_spools_then_resends_in_order(hook, spool_dir):
    hook.status = 503
    events = [
        build.make_event(
            "schedule.fired",
            {"schedule_id": i, "target": "t", "scheduled_for": None, "parameters": {}, "run_id": None},
        )
        for i in range(5)
    ]
    pub = Publisher([hook.url], retry_s=0.2)
    for e in events[:3]:
        pub.publish(e)
    pub.close(timeout=5)
    assert hook.received == []
    assert len(Spool(hook.url)) == 3
    hook.status = 200
    pub = Publisher([hook.url], retry_s=0.2)  # a later run: spooled events go first
    for e in events[3:]:
        pub.publish(e)
    pub.close(timeout=10)
    assert [r[0]["id"] for r in hook.received] == [e["id"] for e in events]
    assert not Spool(hook.url).pending()


def test_webhook_rejection_is_dropped_not_retried(hook):
    hook.status = 400
    with Publisher([hook.url]) as pub:
        pub.publish(build.make_event("run.started", {}, run_id="r"))
    assert not Spool(hook.url).pending()


def test_spool_is_bounded_and_drops_the_oldest(tmp_path):
    sp = Spool("http://127.0.0.1:9/x", tmp_path / "sp", max_bytes=20_000)
    evs = [build.make_event("run.started", {"i": i}, run_id="r") for i in range(200)]
    for e in evs:
        sp.append(e)
    kept = sp._read()
    assert 0 < len(kept) < 200
    assert sp.path.stat().st_size <= 20_000
    assert [e["id"] for e in kept] == [e["id"] for e in evs[-len(kept) :]]


def test_a_publisher_never_blocks_the_callers_thread():
    """A sink that hangs (the server accepts, never answers) does not hold up the caller:
    publish returns while a send is stuck, and close gives up within its bound and spools."""
    import socket

    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(5)  # accepts connections, never answers
    url = f"http://127.0.0.1:{srv.getsockname()[1]}/slow?timeout=60"
    try:
        pub = Publisher([url])
        worker = pub.workers[0]
        evs = [build.make_event("run.started", {"i": i}, run_id="r") for i in range(20)]
        pub.publish(evs[0])
        eventually(lambda: worker._inflight is not None, timeout=4, interval=0.02, what="the hung send")
        for e in evs[1:]:
            pub.publish(e)
        assert worker._inflight is evs[0]  # still stuck: publish did not wait for it
        assert worker.queue.qsize() == 19
        pub.close(timeout=0.5)
        assert worker.thread.is_alive()  # close did not wait for the hung send either
        spooled = [e["id"] for e in Spool(url)._read()]
    finally:
        srv.close()
    assert spooled == [e["id"] for e in evs]


def test_run_publisher_reads_the_environment(monkeypatch, tmp_path):
    from notebook_ops.events import configured_urls, run_publisher

    a, b = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    monkeypatch.setenv("NOTEBOOK_OPS_EVENTS", f"{a}, {b}")
    assert configured_urls([str(b)]) == [str(a), str(b)]
    monkeypatch.delenv("NOTEBOOK_OPS_EVENTS")
    assert run_publisher() is None


def test_publish_bundle_exported_uses_the_configured_sinks(monkeypatch, tmp_path):
    from types import SimpleNamespace

    from notebook_ops.events import publish_bundle_exported

    out = tmp_path / "e.jsonl"
    monkeypatch.setenv("NOTEBOOK_OPS_EVENTS", str(out))
    result = SimpleNamespace(
        name="churn",
        version=4,
        reused=False,
        tag="notebook-ops/churn/v4",
        folder=tmp_path / "dist/churn-4",
        archive=tmp_path / "x.tar.gz",
        manifest={"content_sha256": "ab" * 32, "provenance": {"git": {"commit": "c0ffee", "dirty": False}}},
    )
    publish_bundle_exported(result)  # returns at once; the shared publisher sends
    from notebook_ops.events.publish import close_shared

    close_shared()  # what atexit does
    (e,) = read_jsonl(out)
    schema.validate(e)
    assert (e["type"], e["data"]["version"], e["data"]["commit"]) == ("bundle.exported", 4, "c0ffee")
    assert json.loads(json.dumps(e)) == e


def test_schedule_fired_is_published_from_a_short_process(tmp_path, spool_dir):
    """A process that fires and exits at once (the export command, a scheduler stopping)
    still delivers: the shared publisher is closed at exit."""
    import os
    import subprocess
    import sys

    out = tmp_path / "fired.jsonl"
    code = (
        "from notebook_ops.events import publish_schedule_fired as f\n"
        "f(schedule_id=7, name='weekly', target='nb.ipynb', scheduled_for='2026-01-05T06:00:00+01:00',"
        " parameters={'day': '2026-01-05'}, attempt=1, run_dir='/x/r')\n"
    )
    subprocess.run(
        [sys.executable, "-c", code],
        check=True,
        timeout=60,
        env={**os.environ, "NOTEBOOK_OPS_EVENTS": str(out)},
    )
    (e,) = read_jsonl(out)
    schema.validate(e)
    assert e["type"] == "schedule.fired"
    assert e["data"] == {
        "schedule_id": 7,
        "name": "weekly",
        "kind": "cron",
        "target": "nb.ipynb",
        "scheduled_for": "2026-01-05T06:00:00+01:00",
        "parameters": {"day": "2026-01-05"},
        "run_id": None,
        "attempt": 1,
        "run_dir": "/x/r",
    }
