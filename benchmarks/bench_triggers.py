"""Trigger schedules: what recording a message in the store costs, and how late a run starts
after its message is published.

Run: .venv/bin/python benchmarks/bench_triggers.py [--messages 300]
Against a real broker: pulsar-lite (speaks the Pulsar binary protocol; not Apache Pulsar),
started on a free loopback port.
- intake: N messages waiting on a topic. Peer: a bare pulsar-client consumer that receives and
  acknowledges each (the floor). Ours: a trigger schedule's consumer (TriggerPump.handle):
  receive, parameters from the message, checked against the pipeline, the firing recorded in
  the SQLite store, acknowledge. Printed: messages per second and the ratio.
- latency: the scheduler service (real clock, 4 workers, a trivial child instead of a run, so
  the figure is the scheduler's own path) with one trigger schedule (max 4 at once); 40
  messages published one every 50 ms; lateness = run claimed and its child launched - message
  published.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

NOTEBOOK = {
    "nbformat": 4,
    "nbformat_minor": 5,
    "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
    "cells": [
        {
            "cell_type": "code",
            "id": "p",
            "metadata": {"tags": ["parameters"]},
            "outputs": [],
            "execution_count": None,
            "source": "n = 1  # a number\n",
        },
        {
            "cell_type": "code",
            "id": "s",
            "metadata": {"tags": ["step:double"]},
            "outputs": [],
            "execution_count": None,
            "source": "m = n * 2\n",
        },
    ],
}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_broker(folder: Path):
    from pulsar_lite.binary_finder import find_pulsar_lite_binary

    port = free_port()
    proc = subprocess.Popen(
        [
            find_pulsar_lite_binary(),
            "--addr",
            f"127.0.0.1:{port}",
            "--db-path",
            str(folder / "db"),
            "--log-level",
            "error",
        ],
        cwd=folder,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    for _ in range(400):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return proc, f"pulsar://127.0.0.1:{port}"
        except OSError:
            time.sleep(0.05)
    proc.kill()
    sys.exit("pulsar-lite did not start")


def full(topic: str) -> str:
    return f"persistent://public/default/{topic}"


def publish(client, topic: str, n: int, every_s: float = 0.0) -> list[float]:
    producer = client.create_producer(full(topic), batching_enabled=False)
    sent = []
    for i in range(n):
        sent.append(time.time())
        producer.send(json.dumps({"n": i}).encode())
        if every_s:
            time.sleep(every_s)
    producer.close()
    return sent


def bare_intake(client, topic: str, n: int) -> float:
    import pulsar

    consumer = client.subscribe(
        full(topic), "bare", consumer_type=pulsar.ConsumerType.Shared, receiver_queue_size=1
    )
    publish(client, topic, n)
    t0 = time.perf_counter()
    for _ in range(n):
        consumer.acknowledge(consumer.receive(timeout_millis=10000))
    dt = time.perf_counter() - t0
    consumer.close()
    return n / dt


def pump_intake(service_url: str, topic: str, client, n: int, tmp: Path) -> float:
    from notebook_ops.events.source import open_source
    from notebook_ops.scheduler import api
    from notebook_ops.scheduler.clock import SystemClock
    from notebook_ops.scheduler.database import Store
    from notebook_ops.scheduler.triggers import TriggerPump

    store = Store(f"sqlite:///{tmp / 'intake.db'}")
    api.add_trigger(
        tmp / "job.ipynb",
        f"{service_url}/{topic}",
        name="intake",
        max_concurrent=n + 1,
        store=store,
        workdir=tmp,
    )
    s = store.get_schedule("intake")
    source = open_source(s.source, subscription=s.subscription)
    publish(client, topic, n)
    pump = TriggerPump(s, store, SystemClock())
    t0 = time.perf_counter()
    for _ in range(n):
        pump.handle(source, source.receive(10))
    dt = time.perf_counter() - t0
    source.close()
    assert store.count_runs(s.id) == n
    return n / dt


def child_command(target, run_dir, params):
    return [sys.executable, "-c", "pass", "--run-dir", str(run_dir)]


def latency(service_url: str, topic: str, client, tmp: Path, n: int = 40) -> list[float]:
    from notebook_ops.scheduler import api
    from notebook_ops.scheduler.service import SchedulerService
    from notebook_ops.scheduler.database import Store

    store = Store(f"sqlite:///{tmp / 'latency.db'}")
    api.add_trigger(
        tmp / "job.ipynb",
        f"{service_url}/{topic}",
        name="latency",
        max_concurrent=4,
        store=store,
        workdir=tmp,
    )
    svc = SchedulerService(store, workers=4, command=child_command, poll_s=1.0)
    t = threading.Thread(target=svc.run, daemon=True)
    t.start()
    sid = store.get_schedule("latency").id
    end = time.monotonic() + 30
    while time.monotonic() < end and not (
        svc.triggers.pumps.get(sid) and svc.triggers.pumps[sid].connected.is_set()
    ):
        time.sleep(0.05)
    sent = publish(client, topic, n, every_s=0.05)
    end = time.monotonic() + 120
    while time.monotonic() < end:
        rs = store.list_runs(sid, limit=0)
        if len(rs) == n and all(r.final for r in rs):
            break
        time.sleep(0.2)
    svc.stop()
    t.join(30)
    by_n = {r.parameters["n"]: r for r in rs}
    return sorted(
        by_n[i].started_at.timestamp() - sent[i] for i in range(n) if i in by_n and by_n[i].started_at
    )


def pct(xs, p):
    return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--messages", type=int, default=300)
    args = ap.parse_args()
    import logging

    import pulsar

    logging.getLogger("notebook_ops").setLevel(logging.WARNING)
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        os.environ["NOTEBOOK_OPS_SPOOL_DIR"] = str(tmp / "spool")
        (tmp / "job.ipynb").write_text(json.dumps(NOTEBOOK))
        broker, service_url = start_broker(tmp)
        client = pulsar.Client(service_url, logger=pulsar.ConsoleLogger(pulsar.LoggerLevel.Error))
        try:
            bare = bare_intake(client, "bare", args.messages)
            ours = pump_intake(service_url, "intake", client, args.messages, tmp)
            print(
                f"intake of {args.messages} waiting messages: bare pulsar-client consumer "
                f"{bare:.0f} msg/s; trigger schedule (record in the store, then ack) "
                f"{ours:.0f} msg/s: {bare / ours:.1f}x the bare consumer's time per message "
                f"({1000 / ours - 1000 / bare:.1f} ms more each)"
            )
            late = latency(service_url, "latency", client, tmp)
            if len(late) < 40:
                sys.exit(f"latency: only {len(late)} of 40 runs started")
            print(
                f"latency, publish -> run claimed and launched (4 workers, max 4 at once, trivial "
                f"child, a message every 50 ms): p50 {pct(late, 50) * 1000:.0f} ms, "
                f"p99 {pct(late, 99) * 1000:.0f} ms, max {late[-1] * 1000:.0f} ms"
            )
        finally:
            client.close()
            broker.send_signal(signal.SIGTERM)
            broker.wait(10)


if __name__ == "__main__":
    main()
