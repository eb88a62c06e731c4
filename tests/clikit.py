"""Running the ``notebook-ops`` command in a child process, as a user or DevOps types it.

One helper instead of a ``_cli``/``nbo`` per test module: the child is ``python -m
notebook_ops`` of this interpreter with this checkout first on ``PYTHONPATH`` (so a command run
from a temporary folder tests this code, not an installed copy), its output captured as text.
"""

from __future__ import annotations

import os
import subprocess
import sys

from nbfactory import ROOT


def run_cli(
    *args,
    cwd=None,
    env: dict[str, str | None] | None = None,
    timeout: float = 600,
    check: bool = False,
) -> subprocess.CompletedProcess:
    """``notebook-ops ARGS`` (each turned into a string); ``env`` adds to this process's
    environment (a value of None removes the variable); ``check`` fails the test, showing
    stderr, unless it exits 0. The timeout is generous: a busy 2-core CI machine."""
    child_env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    for key, value in (env or {}).items():
        if value is None:
            child_env.pop(key, None)
        else:
            child_env[key] = value
    out = subprocess.run(
        [sys.executable, "-m", "notebook_ops", *map(str, args)],
        cwd=cwd,
        env=child_env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if check:
        assert out.returncode == 0, (
            f"notebook-ops {' '.join(map(str, args))} exited {out.returncode}:\n{out.stderr}"
        )
    return out
