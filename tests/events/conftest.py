"""Fixtures for the events tests: a real broker (pulsar-lite, speaking the Pulsar binary protocol)
on a free loopback port, a private spool folder, small notebooks, a loopback HTTP server."""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from nbfactory import make_notebook
from waiting import eventually


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Broker:
    """pulsar-lite's broker binary as a child process; ``kill`` (SIGKILL) and ``start`` again
    on the same port and storage, as a broker that crashes and comes back."""

    def __init__(self, folder: Path):
        from pulsar_lite.binary_finder import find_pulsar_lite_binary

        self.binary = find_pulsar_lite_binary()
        self.folder = folder
        self.port = free_port()
        self.proc = None

    @property
    def service_url(self) -> str:
        return f"pulsar://127.0.0.1:{self.port}"

    def topic_url(self, topic: str) -> str:
        return f"{self.service_url}/{topic}"

    def start(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        log = open(self.folder / "broker.log", "ab")
        self.proc = subprocess.Popen(
            [
                self.binary,
                "--addr",
                f"127.0.0.1:{self.port}",
                "--db-path",
                str(self.folder / "db"),
                "--log-level",
                "warn",
            ],
            cwd=self.folder,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        log.close()

        def listening() -> bool:
            assert self.proc.poll() is None, f"broker exited: {(self.folder / 'broker.log').read_text()}"
            socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
            return True

        eventually(listening, timeout=20, what="the broker to listen", retry_on=(OSError,))

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(10)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.kill()


@pytest.fixture
def broker(tmp_path):
    b = Broker(tmp_path / "broker")
    b.start()
    yield b
    b.stop()


@pytest.fixture
def topic():
    return f"t-{uuid.uuid4().hex[:10]}"


@pytest.fixture
def client(broker):
    import pulsar

    c = pulsar.Client(
        broker.service_url,
        operation_timeout_seconds=10,
        logger=pulsar.ConsoleLogger(pulsar.LoggerLevel.Error),
    )
    yield c
    c.close()


def drain(consumer, *, want: int | None = None, timeout_s: float = 30.0, idle_ms: int = 1500):
    """Receive and acknowledge messages until ``want`` different event ids arrived (or, without
    ``want``, until the topic is idle). A broker may redeliver (at least once): every message
    is returned, duplicates included. Fails, saying what arrived, when that takes over
    ``timeout_s``."""
    import pulsar

    out, ids = [], set()

    def enough() -> bool:  # one receive per call: ``want`` ids, or an idle topic without it
        try:
            m = consumer.receive(timeout_millis=idle_ms)
        except pulsar.Timeout:
            return want is None
        consumer.acknowledge(m)
        out.append(m)
        ids.add(m.properties().get("id") or str(m.message_id()))
        return want is not None and len(ids) >= want

    eventually(
        enough,
        timeout=timeout_s,
        interval=0,
        what=f"{want} different events" if want is not None else "the topic to be idle",
        context=lambda: f"{len(ids)} arrived: {[m.properties().get('type') for m in out]}",
    )
    return out


@pytest.fixture(autouse=True)
def spool_dir(tmp_path, monkeypatch):
    d = tmp_path / "spool"
    monkeypatch.setenv("NOTEBOOK_OPS_SPOOL_DIR", str(d))
    monkeypatch.delenv("NOTEBOOK_OPS_EVENTS", raising=False)
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    return d


SMALL = [
    ("n = 2  # how many\nlabel = 'x'  # a name", ["parameters"]),
    ("import notebook_ops as nbo", ["setup"]),
    ("total = n * 2", ["step:double"]),
    ("nbo.log_metric('total', total)\nprint(label, total)", ["step:report"]),
]


@pytest.fixture
def small_nb(tmp_path) -> Path:
    """Two steps in two kernels; its parameters are n (int) and label (str)."""
    folder = tmp_path / "work"
    folder.mkdir()
    path = folder / "small.ipynb"
    path.write_text(json.dumps(make_notebook(SMALL), indent=1) + "\n")
    return path


class Hook:
    """A loopback HTTP endpoint that records POSTs and answers with ``status`` (changeable)."""

    def __init__(self):
        self.received: list[tuple[dict, dict, bytes]] = []
        self.status = 200
        hook = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's name
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                code = hook.status
                if code == 200:
                    hook.received.append((json.loads(body), dict(self.headers), body))
                self.send_response(code)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *a):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def hook():
    h = Hook()
    yield h
    h.close()


def read_jsonl(path) -> list[dict]:
    return [json.loads(line) for line in Path(path).read_text().splitlines() if line.strip()]


@pytest.fixture(autouse=True)
def _no_proxy(monkeypatch):
    """Loopback only: never through a proxy the environment may name."""
    for var in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
