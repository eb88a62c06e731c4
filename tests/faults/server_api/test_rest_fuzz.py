"""schemathesis against a live Jupyter server with the extension: every route of the product's
OpenAPI document (``notebook_ops/model/schema/openapi.json``, generated from the route table and
the contracts, the one the server serves), bodies and parameters generated from their schemas
(and broken on purpose): no reply is a 500, every reply is the contract the document gives for
its status, and every 4xx is JSON with a one-line message (a 400's naming the field).

The server runs as a process of its own (requests from this process must not block the loop
that answers them), with its own HOME and Jupyter folders and a root holding one notebook.
Runs are never started: the fuzzed paths name no notebook (the one there is is not valid Python
for a run), so POST /runs answers 4xx before a kernel starts.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
import requests
import schemathesis
from waiting import eventually, jupyter_server_url
from hypothesis import HealthCheck, given, settings

from notebook_ops.model.contracts.route_table import OPENAPI_FILE

pytestmark = pytest.mark.slow
TOKEN = "fuzz-token"
AUTH = {"Authorization": f"token {TOKEN}"}
RUNS = {  # run folders beside the notebook: a whole record and a damaged one
    "20260101-000000-aaaaaa": json.dumps(
        {"run_id": "20260101-000000-aaaaaa", "status": "succeeded", "steps": {}}
    ),
    "20260101-000000-bbbbbb": "{not json",
}


@pytest.fixture(scope="module")
def live_server(tmp_path_factory):
    base = tmp_path_factory.mktemp("fuzz")
    root, home = base / "root", base / "home"
    root.mkdir()
    home.mkdir()
    # a notebook whose pipeline has an error (after: an unknown step): it lists, inspects and
    # has runs, but a run or an export of it is refused (422) before any kernel starts
    cell = {"cell_type": "code", "id": "c0", "source": "x = 1", "outputs": [], "execution_count": None}
    cell["metadata"] = {"tags": ["step:a", "after:nowhere"]}
    nb = {"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [cell]}
    (root / "two.ipynb").write_text(json.dumps(nb))
    for run_id, text in RUNS.items():
        (root / ".notebook_ops" / "runs" / run_id).mkdir(parents=True)
        (root / ".notebook_ops" / "runs" / run_id / "run.json").write_text(text)
    env = {
        **os.environ,
        "HOME": str(home),
        "JUPYTER_CONFIG_DIR": str(home / "config"),
        "JUPYTER_DATA_DIR": str(home / "data"),
        "JUPYTER_RUNTIME_DIR": str(home / "runtime"),
        "NOTEBOOK_OPS_SCHEDULER": "off",
        "NOTEBOOK_OPS_DB": str(base / "sched.db"),
        "MLFLOW_TRACKING_URI": "",
    }
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "jupyter_server",
            "--port=0",
            "--ip=127.0.0.1",
            "--no-browser",
            "--allow-root",
            f"--ServerApp.root_dir={root}",
            f"--IdentityProvider.token={TOKEN}",
            "--ServerApp.jpserver_extensions={'notebook_ops.server': True}",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=open(base / "server.log", "w"),
    )
    try:
        url = jupyter_server_url(home / "runtime", server, timeout=120, log=base / "server.log")

        def up() -> bool:
            assert server.poll() is None, (base / "server.log").read_text()
            return _up(url)

        eventually(
            up,
            timeout=120,
            interval=0.3,
            what="the Jupyter server",
            context=lambda: (base / "server.log").read_text(),
        )
        yield url, base
    finally:
        server.terminate()
        server.wait(30)


def _up(url: str) -> bool:
    try:
        reply = requests.get(f"{url}/notebook-ops/api/", headers=AUTH, timeout=5)
    except requests.ConnectionError:
        return False
    return reply.ok


def test_the_server_serves_the_generated_document(live_server):
    """What is fuzzed here is what the server publishes (its servers URL aside)."""
    url, _ = live_server
    reply = requests.get(f"{url}/notebook-ops/api/openapi.json", headers=AUTH, timeout=30)
    assert reply.status_code == 200, reply.text[:500]
    served = reply.json()
    assert served.pop("servers") == [{"url": "/notebook-ops/api"}]
    generated = json.loads(OPENAPI_FILE.read_text())
    generated.pop("servers")
    assert served == generated
    assert requests.get(f"{url}/notebook-ops/api/openapi.json", timeout=30).status_code == 403


# parameters narrowed to values that reach past the lookups, and bad ones of our choosing
# (random text never names a notebook or a run that exists)
KNOWN = {
    "path": ("two.ipynb", "nowhere.ipynb", "../two.ipynb", "/etc/passwd", ""),
    "run_id": (*RUNS, "r" * 300),
    "limit": ("5", "abc", "-1", "1e3"),
}


def fuzzed_document() -> dict:
    doc = json.loads(OPENAPI_FILE.read_text())
    for item in doc["paths"].values():
        for operation in item.values():
            for param in operation.get("parameters", []):
                if param["name"] in KNOWN:
                    param["schema"] = {"enum": list(KNOWN[param["name"]])}
    return doc


DOCUMENT = fuzzed_document()
SCHEMA = schemathesis.openapi.from_dict(DOCUMENT)


def field_names(path: str, method: str) -> set[str]:
    """What a 400 of this operation may name: its parameters and its body's fields."""
    operation = DOCUMENT["paths"][path][method]
    names = {p["name"] for p in operation.get("parameters", [])} | {"body", "JSON"}
    body = operation.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema", {})
    if "$ref" in body:
        body = DOCUMENT["components"]["schemas"][body["$ref"].rsplit("/", 1)[1]]
    return names | set(body.get("properties", {}))


OPERATIONS = [result.ok() for result in SCHEMA.get_all_operations()]


@pytest.mark.parametrize(
    "operation", OPERATIONS, ids=[f"g6-fuzz-{op.method.upper()}-{op.path}" for op in OPERATIONS]
)
def test_no_request_is_a_500(live_server, operation):
    url, base = live_server
    replies: list[int] = []
    fields = field_names(operation.path, operation.method)

    @given(case=operation.as_strategy())
    @settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
    def one(case):
        response = case.call(base_url=f"{url}/notebook-ops/api", headers=AUTH, timeout=60)
        replies.append(response.status_code)
        where = (case.method, case.formatted_path, case.query, str(case.body)[:300], response.text[:500])
        assert response.status_code < 500, where
        operation.validate_response(response, case=case)  # the reply is its documented contract
        if 400 <= response.status_code < 500 and "json" in response.headers.get("Content-Type", ""):
            reply = response.json()
            message = reply.get("message") or ""
            assert message and "\n" not in message and "Traceback" not in message, where
            if response.status_code == 400:  # bad input: the reply names the field (or carries the path)
                assert reply.get("path") or any(name in message for name in fields), (fields, where)

    one()
    assert set(replies) - {403}, f"every request was refused as unauthenticated: {replies}"
