"""A real Jupyter server with the notebook-ops extension, for the REST fault cases: the fixtures
of tests/serverfixtures.py (shared with tests/server/).

In a folder of its own: pytest-jupyter's fixtures, async runner and autouse fixtures (a
temporary HOME and Jupyter paths) apply here only, not to the other fault files.
"""

from __future__ import annotations

from serverfixtures import *  # noqa: F401,F403
