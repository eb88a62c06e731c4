"""A real Jupyter server with the notebook-ops extension, for the REST fault cases.

In a folder of its own: pytest-jupyter's fixtures, async runner and autouse fixtures (a
temporary HOME and Jupyter paths) apply here only, not to the other fault files.
"""

from __future__ import annotations

import pytest
from pytest_jupyter.jupyter_server import *  # noqa: F401,F403


@pytest.fixture
def jp_server_config():
    return {"ServerApp": {"jpserver_extensions": {"notebook_ops.server": True}}}
