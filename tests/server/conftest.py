"""A real Jupyter server (pytest-jupyter) with the notebook-ops extension enabled."""

from __future__ import annotations

import json

import pytest

# pytest-jupyter's server fixtures (jp_fetch, jp_serverapp, ...) and its async test runner, for
# this folder only: `pytest_plugins` is refused outside the top-level conftest, and its autouse
# fixtures have no business in the other test folders.
from pytest_jupyter.jupyter_server import *  # noqa: E402,F401,F403


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
    path = jp_root_dir / "two.ipynb"
    path.write_text(json.dumps(make_notebook(TWO_STEPS)))
    return path
