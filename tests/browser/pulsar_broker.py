"""A real Pulsar-protocol broker (pulsar-lite) for the browser tests, driven from Node.

python pulsar_broker.py start FOLDER     -> prints "PORT PID" once the broker listens
python pulsar_broker.py publish URL JSON -> sends one message (official pulsar-client)
python pulsar_broker.py stop PID
"""

import json
import os
import signal
import socket
import subprocess
import sys
import time


def start(folder: str) -> None:
    from pulsar_lite.binary_finder import find_pulsar_lite_binary

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    os.makedirs(folder, exist_ok=True)
    log = open(os.path.join(folder, "broker.log"), "ab")
    proc = subprocess.Popen(
        [
            find_pulsar_lite_binary(),
            "--addr",
            f"127.0.0.1:{port}",
            "--db-path",
            os.path.join(folder, "db"),
            "--log-level",
            "warn",
        ],
        cwd=folder,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    for _ in range(400):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            print(port, proc.pid)
            return
        except OSError:
            time.sleep(0.05)
    proc.kill()
    sys.exit("the broker did not start")


def publish(url: str, body: str) -> None:
    import pulsar

    service, _, topic = url.rpartition("/")
    client = pulsar.Client(
        service, operation_timeout_seconds=10, logger=pulsar.ConsoleLogger(pulsar.LoggerLevel.Error)
    )
    try:
        client.create_producer(f"persistent://public/default/{topic}").send(
            json.dumps(json.loads(body)).encode()
        )
    finally:
        client.close()


if __name__ == "__main__":
    cmd, *args = sys.argv[1:]
    if cmd == "start":
        start(*args)
    elif cmd == "publish":
        publish(*args)
    elif cmd == "stop":
        os.kill(int(args[0]), signal.SIGTERM)
