"""Helpers for tests that read MLflow (a unique module name: every test folder has a conftest)."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import urllib.request
from collections.abc import Iterator

from waiting import eventually

from notebook_ops.tracking.mlflow_tracker import USAGE_METRICS


# a two-step pipeline whose train step registers the model "churn-clf" (scikit-learn), for the
# tests of the registry, promotion and serving
MODEL_CELLS = [
    (
        "import numpy as np\nfrom sklearn.linear_model import LogisticRegression\nimport notebook_ops as nbo",
        ["setup"],
    ),
    ("C = 1.0  # regularisation", ["parameters"]),
    (
        "rng = np.random.default_rng(0)\nX = rng.normal(size=(80, 3))\ny = (X[:, 0] > 0).astype(int)",
        ["step:data"],
    ),
    (
        "model = LogisticRegression(C=C).fit(X, y)\n"
        "nbo.log_metric('accuracy', model.score(X, y))\n"
        "nbo.log_model(model, 'churn-clf', input_example=X[:3])",
        ["step:train"],
    ),
]


def own(metrics: dict) -> dict:
    """The metrics the steps logged, without the cost beside them (cpu_s, peak_mem_mb)."""
    return {k: v for k, v in metrics.items() if k not in USAGE_METRICS}


def free_port() -> int:
    """A port nobody listens on now (for a server a test starts)."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def scoring_server(argv: list[str], port: int, cwd, env=None, timeout: float = 180) -> Iterator[str]:
    """``argv`` (a ``models serve`` command listening on ``port``) started in its own session;
    yields its URL once ``/ping`` answers, and stops it (its whole process group) after."""
    server = subprocess.Popen(
        argv, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True
    )
    url = f"http://127.0.0.1:{port}"

    def answers() -> bool:
        try:
            urllib.request.urlopen(f"{url}/ping", timeout=2).close()
        except OSError:
            assert server.poll() is None, server.stderr.read().decode()
            return False
        return True

    try:
        eventually(answers, timeout=timeout, interval=0.2, what="the scoring server")
        yield url
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=60)


def predict(url: str, rows: list) -> list:
    """The scoring server's predictions for ``rows`` (POST /invocations)."""
    req = urllib.request.Request(
        f"{url}/invocations",
        data=json.dumps({"inputs": rows}).encode(),
        headers={"Content-Type": "application/json"},
    )
    return json.loads(urllib.request.urlopen(req, timeout=60).read())["predictions"]
