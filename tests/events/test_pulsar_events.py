"""Run events over a real broker speaking the Pulsar binary protocol (pulsar-lite), published by
the official pulsar-client: a real example run, then a broker killed mid-run."""

from __future__ import annotations

import json
import shutil

from conftest import drain
from nbfactory import EXAMPLES
from notebook_ops.events import schema
from notebook_ops.events.publisher import Publisher
from notebook_ops.events.spool import Spool
from notebook_ops.execution import run_notebook


def _subscribe(client, topic, name="check", *, earliest: bool = False):
    import pulsar

    return client.subscribe(
        f"persistent://public/default/{topic}",
        name,
        consumer_type=pulsar.ConsumerType.Shared,
        initial_position=pulsar.InitialPosition.Earliest if earliest else pulsar.InitialPosition.Latest,
    )


# pulsar-lite 0.2.0, now and then (1 run of this test in 6 here), cannot read back an entry it
# stored and acknowledged to the producer: its log says "Flow-triggered dispatch failed: failed
# to fill whole buffer" on every try, and no subscription, old or new, Shared or Exclusive, gets
# that entry or any after it (7 and 10 of 12 in two CI runs).
BROKER_LOST = "failed to fill whole buffer"


def _stored(client, broker, topic: str, name: str, want: int) -> tuple[list, bool]:
    """What the broker stored, read by a new subscription from the topic's start: the ``want``
    events, or, when the broker's log shows it could not read one back, the ones it can read.
    The second value says whether all came."""
    try:
        return drain(_subscribe(client, topic, name, earliest=True), want=want), True
    except AssertionError:
        if BROKER_LOST not in (broker.folder / "broker.log").read_text(errors="replace"):
            raise  # a short count the broker does not explain is ours
    readable = drain(_subscribe(client, topic, f"{name}-readable", earliest=True))  # until idle
    assert 0 < len(readable) < want
    return readable, False


def _all_sent(pub: Publisher, n: int) -> None:
    """The publisher sent all ``n`` events before it closed. Else it says how many it sent and
    which it spooled (a send that fails marks the sink down; ``close`` then gives up within
    DOWN_GRACE_S): what a short count from ``drain`` would otherwise leave unexplained."""
    (worker,) = pub.workers
    spooled = [(e["type"], e["data"].get("step")) for e in worker.spool._read()]
    assert worker.sent == n and not spooled, f"sent {worker.sent} of {n}; spooled at close: {spooled}"


def test_every_event_of_the_example_run_arrives_in_order(broker, client, topic, tmp_path):
    nb = shutil.copy(EXAMPLES / "churn.ipynb", tmp_path)
    # Long timeouts: this test is about content and order. With the defaults (2 s send, 3 s
    # operation) a loaded 2-core machine made the first connect time out while the zygote
    # imported pandas: those events were spooled for the next publisher (by design; the
    # spool's own tests cover that) and this test saw 10 of 12.
    url = broker.topic_url(topic) + "?send_timeout_ms=30000&operation_timeout_s=30"
    progress = []
    pub = Publisher([url])
    result = run_notebook(nb, params={"epochs": "50"}, jobs=2, progress=pub.wrap(progress.append))
    pub.close(timeout=60)
    assert result.status in ("succeeded", "below_target"), result.record["error"]
    _all_sent(pub, len(progress))

    # What the broker stored, read by a subscription made after the run from the topic's start.
    # A consumer subscribed during the run would test the broker's live dispatch, not our events.
    assert len(progress) == 12  # run + 5 x (started, finished) + run
    msgs, complete = _stored(client, broker, topic, "first", want=len(progress))
    events = [json.loads(m.data()) for m in msgs]
    n = len(events)  # all 12, or the ones before an entry the broker could not read back
    for m, e in zip(msgs, events, strict=True):
        schema.validate(e)
        assert m.properties()["type"] == e["type"] and m.properties()["id"] == e["id"]
    assert [e["seq"] for e in events] == list(range(n))
    expected = [
        {
            "run_started": "run.started",
            "step_started": "step.started",
            "step_finished": "step.finished",
            "run_finished": "run.finished",
        }[p["event"]]
        for p in progress
    ]
    assert [e["type"] for e in events] == expected[:n]
    assert [e["data"].get("step") for e in events] == [p.get("step") for p in progress][:n]
    assert {e["run_id"] for e in events} == {result.run_id}
    assert {e["pipeline"] for e in events} == {"churn"}

    rec = result.record
    started = events[0]["data"]
    assert started["parameters"]["epochs"] == 50
    assert started["steps"] == ["load", "features", "train_linear", "train_tree", "evaluate"]
    for e in events:
        if e["type"] == "step.finished":
            step = rec["steps"][e["data"]["step"]]
            assert e["data"]["status"] == "succeeded" and e["data"]["cached"] is False
            assert e["data"]["duration_s"] == step["duration_s"] > 0
    if not complete:
        return  # the run's end never came back from the broker (its _all_sent receipt did)
    done = events[-1]["data"]
    assert done["status"] == rec["status"]
    assert done["metrics"] == rec["metrics"] and done["metrics"]["accuracy"] > 0.5
    assert done["targets"] == rec["targets"]
    assert done["below_target"] == ([] if rec["targets"][0]["met"] else ["accuracy"])
    # the runner announces the outcome before MLflow is written (so readers see it at once):
    # the MLflow run id is in run.json afterwards, not necessarily in the event
    assert done["mlflow_run_id"] in (None, rec["mlflow"]["run_id"])
    assert done["steps"] == {s: "succeeded" for s in rec["steps"]}

    # the same run again: every step cached, and the events say so
    pub = Publisher([url])
    again = run_notebook(nb, params={"epochs": "50"}, track=False, progress=pub)
    pub.close(timeout=30)
    # a cached step has no step.started: run.started, 5 x step.finished, run.finished
    stored, complete = _stored(client, broker, topic, "again", want=len(progress) + 7)
    if not complete:
        return
    events = [e for e in (json.loads(m.data()) for m in stored) if e["run_id"] == again.run_id]
    assert len(events) == 7, [(e["type"], e["data"].get("step")) for e in events]
    finished = [e for e in events if e["type"] == "step.finished"]
    assert {e["run_id"] for e in events} == {again.run_id}
    assert len(finished) == 5 and all(e["data"]["cached"] for e in finished)
    assert not Spool(url).pending()


def test_a_broker_killed_mid_run_loses_no_event(broker, client, topic, small_nb):
    consumer = _subscribe(client, topic)
    url = broker.topic_url(topic)
    progress = []

    def kill_after_first_step(ev):
        progress.append(ev)
        if ev["event"] == "step_finished" and ev["step"] == "double":
            broker.kill()

    pub = Publisher([url], retry_s=0.5)
    result = run_notebook(small_nb, params={"n": "21"}, track=False, progress=pub.wrap(kill_after_first_step))
    pub.close(timeout=5)
    assert result.status == "succeeded", result.record["error"]
    assert result.record["metrics"]["total"] == 42
    spool = Spool(url)
    assert spool.pending()  # what the dead broker could not take is kept
    before = drain(consumer)  # what got through before the kill

    broker.start()  # back, same port and storage
    Publisher([url], retry_s=0.5).close(timeout=30)  # the next publisher re-sends the spool
    assert not spool.pending()
    after = drain(consumer, want=len(progress))  # the broker may redeliver some of before

    seen, ordered = set(), []
    for e in (json.loads(m.data()) for m in before + after):
        if e["id"] not in seen:  # at-least-once: drop a duplicate by id
            seen.add(e["id"])
            ordered.append(e)
    assert [e["seq"] for e in ordered] == list(range(len(progress))) == list(range(6))
    assert ordered[-1]["type"] == "run.finished"
    assert ordered[-1]["data"]["status"] == "succeeded"
    assert ordered[-1]["data"]["metrics"] == {"total": 42}
