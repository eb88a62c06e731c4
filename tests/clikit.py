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


CLI = [sys.executable, "-m", "notebook_ops"]


def cli_env(env: dict[str, str | None] | None = None) -> dict[str, str]:
    """This process's environment with this checkout first on PYTHONPATH, plus ``env`` (a value
    of None removes the variable): what a child ``notebook-ops`` gets."""
    child_env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    for key, value in (env or {}).items():
        if value is None:
            child_env.pop(key, None)
        else:
            child_env[key] = value
    return child_env


def run_cli(
    *args,
    cwd=None,
    env: dict[str, str | None] | None = None,
    timeout: float = 600,
    check: bool = False,
) -> subprocess.CompletedProcess:
    """``notebook-ops ARGS`` (each turned into a string), run to its end; ``env`` as in
    ``cli_env``; ``check`` fails the test, showing stderr, unless it exits 0. The timeout is
    generous: a busy 2-core CI machine. A command that keeps running (a listener, a server):
    ``subprocess.Popen([*CLI, ...], env=cli_env())``."""
    out = subprocess.run(
        [*CLI, *map(str, args)],
        cwd=cwd,
        env=cli_env(env),
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if check:
        assert out.returncode == 0, (
            f"notebook-ops {' '.join(map(str, args))} exited {out.returncode}:\n{out.stderr}"
        )
    return out
