"""Triggers over a real broker (pulsar-lite): a message starts a real run with its parameters and
is acknowledged only once the run is recorded; poison messages are dead-lettered with a reason;
a failing run is retried a bounded number of times; the CLI survives a killed listener."""

from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
from pathlib import Path

import pytest

from clikit import CLI, cli_env, run_cli
from conftest import drain
from waiting import eventually
from notebook_ops.errors import ParameterError
from notebook_ops.events.source import Message, open_source
from notebook_ops.events.trigger import PoisonMessage, message_params, parse_templates
from notebook_ops.scheduler.triggers import listen_schedule


def _full(topic):
    return f"persistent://public/default/{topic}"


def _runs(nb: Path) -> list[dict]:
    return [
        json.loads(p.read_text()) for p in sorted((nb.parent / ".notebook_ops" / "runs").glob("*/run.json"))
    ]


def _nothing_left(client, topic, subscription):
    import pulsar

    c = client.subscribe(_full(topic), subscription, consumer_type=pulsar.ConsumerType.Shared)
    try:
        return drain(c, idle_ms=2000) == []
    finally:
        c.close()


# --- templates (no broker) ---------------------------------------------------------------------


def test_templates_take_fields_properties_and_keep_json_types():
    msg = Message(
        data=b'{"day": "2026-01-02", "n": 3, "deep": {"list": [5, 6]}}',
        properties={"origin": "etl"},
        message_id="1:2",
        topic="t",
    )
    t = parse_templates(
        [
            "n={{ message.n }}",
            "day=run-{{message.day}}",
            "x={{ message.deep.list.1 }}",
            "who={{ properties.origin }}",
            "mid={{ message_id }}",
        ]
    )
    assert message_params(msg, t) == {"n": 3, "day": "run-2026-01-02", "x": 6, "who": "etl", "mid": "1:2"}
    with pytest.raises(PoisonMessage, match="no message.missing"):
        message_params(msg, parse_templates(["n={{ message.missing }}"]))
    with pytest.raises(PoisonMessage, match="not JSON"):
        message_params(Message(data=b"\xff{"), t)
    with pytest.raises(ParameterError, match="unknown placeholder"):
        parse_templates(["n={{ env.HOME }}"])
    with pytest.raises(ParameterError):
        parse_templates(["no-equals-sign"])


# --- a real broker and real runs ---------------------------------------------------------------


def test_a_message_starts_a_run_and_is_acknowledged_after_it_is_recorded(broker, client, topic, small_nb):
    url = broker.topic_url(topic)
    source = open_source(url, subscription="runs")
    at_ack = []
    real_ack = source.ack

    def ack(msg):  # what the run folder said at the moment the message was acknowledged
        at_ack.append([r["status"] for r in _runs(small_nb)])
        real_ack(msg)

    source.ack = ack
    producer = client.create_producer(_full(topic))
    producer.send(json.dumps({"count": 5, "who": "ada"}).encode(), properties={"origin": "etl"})
    outcomes = []
    listener = listen_schedule(
        url,
        small_nb,
        subscription="runs",
        run_options={"track": False},
        parameters=parse_templates(
            ["n={{ message.count }}", "label={{ message.who }}-{{ properties.origin }}"]
        ),
        on_settled=outcomes.append,
        max_messages=1,
    )
    try:
        assert listener.serve(source) == 1
    finally:
        source.close()
    (out,) = outcomes
    assert out["action"] == "ack" and out["state"] == "succeeded"
    (run,) = _runs(small_nb)
    assert at_ack == [["succeeded"]]
    assert run["run_id"] == out["run_id"]
    assert run["parameters"] == {"n": 5, "label": "ada-etl"}
    assert run["metrics"] == {"total": 10}
    assert run["tags"]["trigger"] == url and run["tags"]["trigger_message_id"]
    assert _nothing_left(client, topic, "runs")  # acknowledged: not delivered again


def test_poison_messages_are_dead_lettered_with_a_reason(broker, client, topic, small_nb, caplog):
    import pulsar

    url = broker.topic_url(topic)
    dlq = client.subscribe(_full(f"{topic}-runs-DLQ"), "inspect", consumer_type=pulsar.ConsumerType.Shared)
    source = open_source(url, subscription="runs")
    producer = client.create_producer(_full(topic))
    for body in (b"{not json", b'{"n": 1, "bogus": 2}', b"[1, 2]", b'{"n": "eleven"}'):
        producer.send(body, properties={"k": "v"})
    outcomes = []
    listener = listen_schedule(
        url,
        small_nb,
        subscription="runs",
        run_options={"track": False},
        on_settled=outcomes.append,
        max_messages=4,
    )
    caplog.set_level(logging.WARNING, logger="notebook_ops.scheduler")
    try:
        listener.serve(source)
    finally:
        source.close()
    assert [o["action"] for o in outcomes] == ["dead_letter"] * 4
    parked = drain(dlq, want=4)
    reasons = [m.properties()["nbo_dead_letter_reason"] for m in parked]
    assert "not JSON" in reasons[0]
    assert "bogus" in reasons[1]
    assert "not a JSON object" in reasons[2]
    assert "eleven" in reasons[3] or "int" in reasons[3]
    assert [m.data() for m in parked][0] == b"{not json"
    assert all(m.properties()["k"] == "v" for m in parked)
    assert all(m.properties()["nbo_original_topic"] == _full(topic) for m in parked)
    logged = [r.getMessage() for r in caplog.records if "dead-lettered" in r.getMessage()]
    assert len(logged) == 4 and "not JSON" in logged[0]
    assert _runs(small_nb) == []  # nothing ran
    assert _nothing_left(client, topic, "runs")  # and nothing comes back


def test_a_failing_run_is_retried_then_dead_lettered(broker, client, topic, tmp_path):
    import pulsar

    from nbfactory import make_notebook

    nb = tmp_path / "fails.ipynb"
    nb.write_text(
        json.dumps(
            make_notebook([("n = 1", ["parameters"]), ("assert n > 0, 'n must be positive'", ["step:check"])])
        )
    )
    url = broker.topic_url(topic)
    dlq = client.subscribe(_full(f"{topic}-runs-DLQ"), "inspect", consumer_type=pulsar.ConsumerType.Shared)
    source = open_source(url, subscription="runs", nack_delay_ms=200)
    client.create_producer(_full(topic)).send(b'{"n": -1}')
    outcomes = []
    listener = listen_schedule(
        url,
        nb,
        subscription="runs",
        max_redeliveries=1,
        run_options={"track": False},
        on_settled=outcomes.append,
        max_messages=2,
    )
    try:
        listener.serve(source)
    finally:
        source.close()
    assert [o["action"] for o in outcomes] == ["nack", "dead_letter"]
    assert [o["state"] for o in outcomes] == ["failed", "failed"]
    (parked,) = drain(dlq, want=1)
    reason = parked.properties()["nbo_dead_letter_reason"]
    assert "n must be positive" in reason and "gave up after 2 attempts" in reason
    assert [r["status"] for r in _runs(nb)] == ["failed", "failed"]


def _listen(url, nb, *extra):
    return subprocess.Popen(
        [
            *CLI,
            "listen",
            url,
            "--subscription",
            "runs",
            str(nb),
            "-p",
            "n={{ message.n }}",
            "--no-track",
            *extra,
        ],
        stderr=subprocess.PIPE,
        text=True,
        env=cli_env(),
        start_new_session=True,
    )


def _wait_listening(proc):
    for line in proc.stderr:
        if "listening on" in line:
            return
    raise AssertionError(f"listener ended: {proc.wait()}")


def test_cli_listener_killed_mid_run_leaves_the_message_for_the_next(
    broker, client, topic, small_nb, tmp_path
):
    """The listener is killed (SIGKILL) while its run is going: the message was not
    acknowledged, so the broker gives it to the next listener, which runs it and acks."""
    url = broker.topic_url(topic)
    events = tmp_path / "events.jsonl"
    slow = small_nb.parent / "slow.ipynb"
    nb = json.loads(small_nb.read_text())
    nb["cells"][2]["source"] = (
        "import time, pathlib\npathlib.Path('started').write_text('x')\n"
        "time.sleep(1 if n == 7 else 0)\ntotal = n * 2"
    )
    slow.write_text(json.dumps(nb))
    first = _listen(url, slow)
    try:
        _wait_listening(first)
        client.create_producer(_full(topic)).send(b'{"n": 7}')
        marker = small_nb.parent / "started"

        def started() -> bool:
            if marker.exists():
                return True
            assert first.poll() is None, "the first listener ended before it started the run"
            return False

        eventually(started, timeout=120, interval=0.1, what="the first listener to start the run")
        os.killpg(first.pid, signal.SIGKILL)  # the listener and its kernels
    finally:
        if first.poll() is None:
            os.killpg(first.pid, signal.SIGKILL)
        first.wait(30)
    (killed,) = _runs(slow)
    assert killed["status"] == "running"  # never recorded as finished

    second = _listen(url, slow, "--max-messages", "1", "--events", str(events))
    try:
        _, err = second.communicate(timeout=240)
    finally:
        if second.poll() is None:
            os.killpg(second.pid, signal.SIGKILL)
    assert second.returncode == 0, err
    assert "acknowledged" in err
    done = [r for r in _runs(slow) if r["status"] == "succeeded"]
    assert len(done) == 1 and done[0]["parameters"]["n"] == 7
    types = [json.loads(x)["type"] for x in events.read_text().splitlines()]
    assert types[0] == "run.started" and types[-1] == "run.finished"
    assert _nothing_left(client, topic, "runs")


def test_cli_rejects_bad_input_in_one_line(small_nb):
    for args in (
        ["listen", "kafka://h/t", "--subscription", "s", str(small_nb)],
        ["listen", "pulsar://127.0.0.1:1/t", "--subscription", "s", str(small_nb), "-p", "n={{ env.X }}"],
    ):
        p = run_cli(*args, timeout=60)
        assert p.returncode == 2, p.stderr
        assert p.stderr.startswith("error: ") and "Traceback" not in p.stderr
        assert len(p.stderr.strip().splitlines()) == 1
