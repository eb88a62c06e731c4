"""Shared constants of the deploy-target tests (a uniquely named module: test folders share sys.path)."""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).parent
GOLDEN = HERE / "golden"
NOTEBOOK_OPS = str(Path(sys.executable).parent / "notebook-ops")
