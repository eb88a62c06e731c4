"""A real Jupyter server (pytest-jupyter) with the notebook-ops extension enabled, and a small
notebook in its root: what the server tests (tests/server/) and the REST fault tests
(tests/faults/server_api/) share.

Each of those folders' conftest does ``from serverfixtures import *``: pytest-jupyter's fixtures
(jp_fetch, jp_serverapp, ...), its async test runner and its autouse fixtures (a temporary HOME
and Jupyter paths) then apply in those folders only (``pytest_plugins`` is refused outside the
top-level conftest); a module of its own because ``from conftest import`` across folders picks
whichever conftest was imported first.
"""

from __future__ import annotations

import json

import pytest
from pytest_jupyter.jupyter_server import *  # noqa: F401,F403


@pytest.fixture
def jp_server_config():
    return {"ServerApp": {"jpserver_extensions": {"notebook_ops.server": True}}}


def make_notebook(cells) -> dict:
    """``cells``: list of (source, tags)."""
    return {
        "nbformat": 4,
        "nbformat_minor": 5,
        "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
        "cells": [
            {
                "cell_type": "code",
                "id": f"c{i}",
                "source": src,
                "metadata": {"tags": list(tags)},
                "outputs": [],
                "execution_count": None,
            }
            for i, (src, tags) in enumerate(cells)
        ],
    }


TWO_STEPS = [
    ("alpha = 0.5  # learning rate", ["parameters"]),
    ("import math", ["setup"]),
    ("x = alpha * 2", ["step:load"]),
    ("y = math.sqrt(x)", ["step:train"]),
]


@pytest.fixture
def nb():
    """Build a notebook dict from (source, tags) pairs."""
    return make_notebook


@pytest.fixture
def two_steps():
    return list(TWO_STEPS)


@pytest.fixture
def notebook_file(jp_root_dir):
    """``two.ipynb`` in the server root: a parameter, a setup cell, steps load and train."""
    path = jp_root_dir / "two.ipynb"
    path.write_text(json.dumps(make_notebook(TWO_STEPS)))
    return path
