"""Which modules a step's code needed, and the installed distributions that provide them.

The observer (``observe``) sees every import of the kernel; most are the kernel's own machinery
(Jupyter, papermill, notebook-ops) or the standard library, never the code's need. What is left
is pinned by export through its distributions, found once per environment state and kept on
disk (``packages_distributions()`` reads every installed package's metadata).
"""

from __future__ import annotations

import hashlib
import json
import os
import sys

from notebook_ops.util import atomic

# the kernel's own machinery: imported on its behalf, never the code's need
INFRA_MODULES = frozenset(
    {
        "notebook_ops",
        "ipykernel",
        "IPython",
        "jupyter_client",
        "jupyter_core",
        "zmq",
        "tornado",
        "traitlets",
        "comm",
        "debugpy",
        "papermill",
        "nbformat",
        "nbclient",
        "matplotlib_inline",
        "pexpect",
        "ptyprocess",
        "prompt_toolkit",
        "pygments",
        "jedi",
        "parso",
        "psutil",
        "platformdirs",
        "decorator",
        "executing",
        "asttokens",
        "pure_eval",
        "stack_data",
        "wcwidth",
        "pickleshare",
        "backcall",
        "dateutil",
        "six",
        "packaging",
        "typing_extensions",
        "_distutils_hack",
        "pkg_resources",
        "setuptools",
    }
)
STDLIB_MODULES = frozenset(sys.stdlib_module_names) | {"__future__", "__main__", "builtins"}


def namespace_modules(ns) -> set:
    """Top-level modules the user's names come from (imported before the step, e.g. preloaded
    by a forked kernel, raise no import event)."""
    out = set()
    for name, value in list((ns or {}).items()):
        if name.startswith("_"):
            continue
        mod = getattr(value, "__name__", None) if type(value).__name__ == "module" else None
        if mod is None:
            mod = getattr(value, "__module__", None) if callable(value) else type(value).__module__
        if isinstance(mod, str) and mod:
            out.add(mod.split(".", 1)[0])
    return out


# --- distributions ----------------------------------------------------------------------------
_DISTS: dict | None = None


def _site_key() -> str:
    """Changes when a package is installed or removed in any folder on sys.path."""
    h = hashlib.sha256(sys.prefix.encode())
    for p in sys.path:
        try:
            h.update(f"{p}\0{os.stat(p or '.').st_mtime_ns}\0".encode())
        except OSError:
            continue
    return h.hexdigest()[:24]


def _cache_file(key: str) -> str:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "notebook-ops", f"distributions-{key}.json")


def _module_distributions() -> dict:
    """{top-level module: [distributions]}: ``packages_distributions()`` once per process, kept
    on disk per environment state (it reads every installed package's metadata: ~0.2 s)."""
    global _DISTS
    if _DISTS is not None:
        return _DISTS
    key = _site_key()
    path = _cache_file(key)
    try:
        with open(path, encoding="utf-8") as f:
            _DISTS = json.load(f)
            return _DISTS
    except (OSError, ValueError):
        pass
    from importlib.metadata import packages_distributions  # noqa: PLC0415 - importlib.metadata costs 63 ms CPU to import, loaded on first use

    _DISTS = {k: list(v) for k, v in packages_distributions().items()}
    try:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        atomic.write_bytes(path, json.dumps(_DISTS, sort_keys=True).encode())
    except OSError:
        pass
    return _DISTS


def distributions(modules) -> dict:
    """{distribution: version} of the installed packages providing ``modules``."""
    if not modules:
        return {}
    from importlib.metadata import PackageNotFoundError, version  # noqa: PLC0415 - importlib.metadata costs 63 ms CPU to import, loaded on first use

    mapping = _module_distributions()
    out = {}
    for m in modules:
        for dist in mapping.get(m, ()):
            try:
                out[dist] = version(dist)
            except PackageNotFoundError:
                continue
    return dict(sorted(out.items()))
