"""A real Jupyter server (pytest-jupyter) with the notebook-ops extension enabled: the fixtures
of tests/serverfixtures.py (shared with the REST fault tests), for this folder only."""

from __future__ import annotations

from serverfixtures import *  # noqa: F401,F403
