"""The clean environment a proof runs in: a venv built from the bundle's ``requirements.txt`` only.

``uv`` builds it when it is on PATH or importable (much faster), else ``python -m venv`` + pip.
Envs are cached under ``$NOTEBOOK_OPS_PROVE_CACHE`` (else ``$XDG_CACHE_HOME/notebook-ops/
prove-envs``), keyed by the sha256 of requirements.txt, of the wheels the bundle carries and the
Python version, so a re-proof of the same requirements reuses it. A build happens in a temporary
folder renamed into place when complete (a venv whose ``bin/python`` is a symlink survives the
rename; it is always run as ``bin/python -m ...``), under a lock per key, and only the newest
``$NOTEBOOK_OPS_PROVE_KEEP`` (default 4) envs are kept.

Children run with a cleaned environment: no PYTHONPATH, PYTHONHOME, VIRTUAL_ENV or user site, so
nothing of the author's installation leaks in.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from notebook_ops.errors import ExecutionError, ParameterError

LEAKS = ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "PYTHONSTARTUP", "PYTHONUSERBASE", "CONDA_PREFIX")
STALE_BUILD_S = 3600  # a build folder older than this is a crashed build


@dataclass
class ProofEnv:
    path: Path
    python: Path  # <env>/bin/python
    builder: str  # "uv" or "pip"
    build_s: float  # 0.0 when taken from the cache
    cached: bool
    python_version: str


def cache_root() -> Path:
    explicit = os.environ.get("NOTEBOOK_OPS_PROVE_CACHE")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "notebook-ops" / "prove-envs"


def keep_count() -> int:
    try:
        return max(1, int(os.environ.get("NOTEBOOK_OPS_PROVE_KEEP", "4")))
    except ValueError:
        return 4


def child_env(bin_dir: Path | None = None, **extra: str) -> dict[str, str]:
    """This process's environment without what would let the author's packages in."""
    env = {k: v for k, v in os.environ.items() if k not in LEAKS and not k.startswith("PYTEST_")}
    env["PYTHONNOUSERSITE"] = "1"
    if bin_dir is not None:
        env["PATH"] = f"{bin_dir}{os.pathsep}{env.get('PATH', '/usr/bin:/bin')}"
    env.update(extra)
    return env


def find_uv() -> str | None:
    found = shutil.which("uv")
    if found:
        return found
    try:
        import uv  # type: ignore[import-not-found,unused-ignore]  # noqa: PLC0415 - a probe: the uv wheel is optional

        path = uv.find_uv_bin()
    except Exception:  # not installed, or a broken install: pip does it
        return None
    return str(path) if path and os.access(path, os.X_OK) else None


def python_version(python: str) -> str:
    if Path(python).resolve() == Path(sys.executable).resolve():
        return platform.python_version()
    try:
        out = subprocess.run(
            [python, "-c", "import platform; print(platform.python_version())"],
            capture_output=True,
            text=True,
            env=child_env(),
            timeout=60,
        )
    except (OSError, subprocess.TimeoutExpired):
        out = None
    if out is None or out.returncode != 0:
        raise ParameterError(f"--python {python}: not a Python interpreter that runs here")
    return out.stdout.strip()


def env_key(folder: Path, version: str) -> str:
    """sha256 of requirements.txt, the wheels shipped with it and the Python version."""
    h = hashlib.sha256()
    h.update((folder / "requirements.txt").read_bytes())
    wheels = folder / "wheels"
    for wheel in sorted(wheels.glob("*")) if wheels.is_dir() else ():
        h.update(wheel.name.encode() + b"\0" + hashlib.sha256(wheel.read_bytes()).digest())
    h.update(version.encode())
    return h.hexdigest()[:32]


def _tail(text: str, n: int = 1) -> str:
    lines = [ln.strip() for ln in text.strip().splitlines() if ln.strip()]
    errors = [ln for ln in lines if ln.lower().startswith(("error", "×", "╰─▶", "  ╰─▶"))]
    return " ".join((errors or lines)[-n:])[:400] if lines else ""


def _build(folder: Path, target: Path, python: str, uv: str | None) -> None:
    """A venv at ``target`` with the bundle's requirements installed; raises on failure."""
    env = child_env()
    req = str(folder / "requirements.txt")
    if uv:
        steps = [
            [uv, "venv", "-q", "--python", python, str(target)],
            [uv, "pip", "install", "-q", "--python", str(target / "bin" / "python"), "-r", req],
        ]
    else:
        steps = [
            [python, "-m", "venv", str(target)],
            [str(target / "bin" / "python"), "-m", "pip", "install", "-q", "-r", req],
        ]
    for cmd in steps:
        out = subprocess.run(cmd, cwd=folder, capture_output=True, text=True, env=env)
        if out.returncode != 0:
            raise ExecutionError(
                f"requirements.txt does not install in a clean environment: {_tail(out.stderr + out.stdout)}",
                path=folder / "requirements.txt",
                hint="fix the pins (export again from an environment where the notebook runs)",
            )


def _prune(root: Path, keep: int, current: str) -> None:
    """Only the ``keep`` most recently used envs stay; an env another proof holds is skipped."""
    now = time.time()
    for stale in root.glob(".build-*"):
        with contextlib.suppress(OSError):
            if now - stale.stat().st_mtime > STALE_BUILD_S:
                shutil.rmtree(stale, ignore_errors=True)
    envs = sorted(
        (p for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")),
        key=lambda p: p.stat().st_mtime,
        reverse=True,
    )
    for old in envs[keep:]:
        if old.name == current:
            continue
        with open(root / f"{old.name}.lock", "a+") as lock:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                continue  # in use by a proof now
            shutil.rmtree(old, ignore_errors=True)
        with contextlib.suppress(OSError):
            (root / f"{old.name}.lock").unlink()


@contextlib.contextmanager
def proof_env(
    folder: Path, *, python: str | None = None, builder: str | None = None, cache: Path | None = None
) -> Iterator[ProofEnv]:
    """The cached env for the bundle in ``folder`` (built when missing), held for the proof
    (shared lock: pruning by another proof leaves it alone)."""
    python = python or sys.executable
    version = python_version(python)
    uv = find_uv() if builder in (None, "uv") else None
    if builder == "uv" and uv is None:
        raise ParameterError("uv is not installed here (pip install uv, or leave the builder to choose)")
    name = "uv" if uv else "pip"
    root = Path(cache) if cache else cache_root()
    root.mkdir(parents=True, exist_ok=True)
    key = f"{env_key(folder, version)}-{name}"
    target = root / key
    with open(root / f"{key}.lock", "a+") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # one build per key; the second proof waits for it
        cached, took = True, 0.0
        if not (target / "bin" / "python").exists():
            cached, start = False, time.monotonic()
            shutil.rmtree(target, ignore_errors=True)
            staging = Path(tempfile.mkdtemp(prefix=f".build-{key}-", dir=root))
            try:
                _build(folder, staging, python, uv)
                os.replace(staging, target)
            finally:
                shutil.rmtree(staging, ignore_errors=True)
            took = time.monotonic() - start
        os.utime(target)  # most recently used: the last to be pruned
        fcntl.flock(lock, fcntl.LOCK_SH)
        _prune(root, keep_count(), key)
        yield ProofEnv(target, target / "bin" / "python", name, round(took, 2), cached, version)
