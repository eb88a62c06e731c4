"""A webhook receiver for the browser tests, driven from Node: the alerts tests' loopback HTTP
receiver (tests/alertkit.py) in a process of its own, each POST it takes written as one JSON line
({"path", "headers", "body"}) to FOLDER/received.jsonl for the spec to read.

python webhook_receiver.py start FOLDER -> prints "PORT PID" once it listens
python webhook_receiver.py stop PID
"""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path


def start(folder: str) -> None:
    os.makedirs(folder, exist_ok=True)
    port_file = Path(folder, "port")
    proc = subprocess.Popen(
        [sys.executable, __file__, "serve", folder],
        stdout=subprocess.DEVNULL,
        stderr=open(os.path.join(folder, "receiver.log"), "ab"),
        start_new_session=True,
    )
    for _ in range(400):
        if port_file.exists() and port_file.read_text().strip():
            print(port_file.read_text().strip(), proc.pid)
            return
        time.sleep(0.05)
    proc.kill()
    sys.exit("the webhook receiver did not start")


def serve(folder: str) -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from alertkit import WebhookReceiver

    receiver = WebhookReceiver()
    received = Path(folder, "received.jsonl")
    received.touch()
    port = Path(folder, "port.tmp")
    port.write_text(str(receiver.server.server_address[1]))
    port.replace(Path(folder, "port"))  # whole, or not there yet
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    written = 0
    try:
        while True:
            with received.open("a") as out:
                for item in receiver.got[written:]:
                    out.write(json.dumps(item) + "\n")
                    written += 1
            time.sleep(0.1)
    finally:
        receiver.close()


if __name__ == "__main__":
    cmd, *args = sys.argv[1:]
    if cmd == "start":
        start(*args)
    elif cmd == "serve":
        serve(*args)
    elif cmd == "stop":
        os.kill(int(args[0]), signal.SIGTERM)
