"""Fixtures shared by all tests."""

import pytest

from nbfactory import CORPUS, EXAMPLES, make_notebook  # noqa: F401


@pytest.fixture
def nb_factory():
    return make_notebook


@pytest.fixture
def corpus():
    return CORPUS


@pytest.fixture
def schema_check():
    """``schema_check("run-record", data)``: fail unless ``data`` matches the generated schema
    ``notebook_ops/model/schema/<name>.schema.json`` (what the lab's types come from)."""
    import json

    import fastjsonschema

    from notebook_ops.model.contracts.generate import SCHEMA_DIR

    def check(name: str, data):
        schema = json.loads((SCHEMA_DIR / f"{name}.schema.json").read_text())
        fastjsonschema.compile(schema)(json.loads(json.dumps(data, default=str)))
        return data

    return check


_EXIT: dict[str, int] = {}


def pytest_sessionfinish(session, exitstatus):
    _EXIT["status"] = int(exitstatus)


@pytest.hookimpl(tryfirst=True)
def pytest_unconfigure(config):
    """End the process once the results are reported. Kernel clients a test left open keep
    zmq contexts whose ``__del__`` blocks in ``term()`` when pytest's exit-time garbage
    collection reaches them (seen: a full run reported its result, then hung with 800 idle
    heartbeat threads), which would hold CI until its time limit."""
    if "status" in _EXIT:
        import os
        import sys

        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(_EXIT["status"])
