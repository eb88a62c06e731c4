"""``requirements.txt``: exact versions, from the kernel's environment, of what the code imports.

Imports are read statically from the setup, parameters and step cells; each top-level module is
mapped to its distribution with ``importlib.metadata.packages_distributions`` (in ``pins``), and
the pins cover everything those distributions need, so a fresh virtualenv gets the same versions.
notebook-ops itself is not on PyPI: the bundle carries its wheel under ``wheels/`` and the file
points pip there with ``--find-links wheels`` (pip reads that path relative to the file).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from notebook_ops._version import __version__
from notebook_ops.errors import NotebookOpsError
from notebook_ops.model.imports import third_party_modules
from notebook_ops.model.pip_lines import names, references
from notebook_ops.util import pins as _pins

SELF = "notebook-ops"


def imported_modules(sources) -> set[str]:
    """Top-level names of the absolute imports in ``sources``, without the standard library."""

    return third_party_modules(sources)


def pipeline_sources(pipeline) -> list[str]:
    """The code that runs in a bundle: parameters, setup and step cells (skip cells excluded),
    of every notebook of the pipeline (its parts: ``after:NOTEBOOK``, pipeline files, Elyra
    nodes and scripts), with ``%run`` targets read in."""
    return [
        c.analysed
        for part in (pipeline.parts or (pipeline,))
        for c in part.cells
        if c.cell_type == "code" and c.role in ("code", "setup", "parameters", "metrics")
    ]


def kernel_python(kernel_name: str) -> str:
    """The interpreter the notebook's kernel runs; ours when the kernel is the native one."""
    try:
        from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel  # noqa: PLC0415 - jupyter_client.kernelspec costs 196 ms CPU to import, loaded on first use
    except ImportError:
        return sys.executable
    try:
        argv = KernelSpecManager().get_kernel_spec(kernel_name).argv
    except NoSuchKernel:
        raise NotebookOpsError(
            f"the notebook's kernel {kernel_name!r} is not installed", hint="jupyter kernelspec list"
        ) from None
    exe = argv[0] if argv else "python"
    if exe in ("python", "python3", f"python{sys.version_info[0]}.{sys.version_info[1]}"):
        return sys.executable
    return exe


def resolve(modules, *, kernel_name: str = "python3", python: str | None = None, dists=()) -> dict:
    """Pins for ``modules``, the distributions ``dists`` (``%pip install`` lines) and
    notebook-ops, taken from the kernel's environment."""
    python = python or kernel_python(kernel_name)
    # notebook_ops maps to no distribution when installed editable: it is always pinned as SELF.
    request = {
        "modules": sorted(set(modules) - {"notebook_ops"}),
        "dists": [SELF] + sorted({_dist_key(d) for d in dists} - {SELF}),
    }
    if os.path.abspath(python) == os.path.abspath(sys.executable):  # not realpath: venvs symlink
        return _pins.pin(request["modules"], request["dists"])
    proc = subprocess.run(
        [python, str(Path(_pins.__file__))],
        input=json.dumps(request),
        capture_output=True,
        text=True,
        timeout=120,
    )
    if proc.returncode != 0:
        raise NotebookOpsError(
            f"cannot list the kernel's packages with {python}: {proc.stderr.strip().splitlines()[-1:]}"
        )
    result = json.loads(proc.stdout)
    if SELF in result["unresolved"]:
        # The kernel's environment lacks notebook-ops: the bundle still ships ours (wheels/);
        # pip resolves its own requirements then, unpinned.

        result["unresolved"].remove(SELF)
        for key in ("direct", "pins"):
            result[key] = dict(sorted({**result[key], SELF: __version__}.items()))
    return result


def _dist_key(spec: str) -> str:
    """``Scikit_Learn[extra]`` -> ``scikit-learn[extra]``: the name canonical, extras kept."""
    name, bracket, extras = spec.partition("[")
    return _pins.canonical(name.strip()) + (bracket + extras if bracket else "")


# the fsspec backend of each object store a data URL may name (metadata.notebook_ops.data_url)
STORE_BACKENDS = {
    "s3": "s3fs",
    "s3a": "s3fs",
    "gs": "gcsfs",
    "gcs": "gcsfs",
    "az": "adlfs",
    "abfs": "adlfs",
    "abfss": "adlfs",
}


def store_backends(settings) -> list[str]:
    """The distribution the notebook's data store needs (``s3://...`` -> ``["s3fs"]``): pinned
    like an import, so the bundle's environment (a Dask worker, an Airflow task) can reach it."""
    url = str((settings or {}).get("data_url") or "")
    scheme = url.split("://", 1)[0].lower() if "://" in url else ""
    return [STORE_BACKENDS[scheme]] if scheme in STORE_BACKENDS else []


def serializer_backends(settings) -> list[str]:
    """The distributions the pipeline's serialiser choices load with (``"serializers":
    {"sklearn": "skops"}`` -> ``["skops"]``): no step imports them, every step needs them."""
    chosen = (settings or {}).get("serializers") or {}
    return ["skops"] if isinstance(chosen, dict) and chosen.get("sklearn") == "skops" else []


def pip_names(requirements) -> list[str]:
    """Distribution names of ``%pip install`` requirements (``pandas==2.1`` -> ``pandas``);
    URLs and paths have none (``model.pip_lines``)."""

    return names(requirements)


def pip_references(requirements) -> list[str]:
    """The URLs and paths among ``%pip install`` arguments: installed, never pinned."""

    return references(requirements)


def pin_lines(result: dict, *, direct_only: bool = False) -> list[str]:
    pins = result["direct"] if direct_only else result["pins"]
    return [f"{name}=={version}" for name, version in pins.items()]


def render(result: dict, *, title: str) -> str:
    """The text of requirements.txt: direct imports first, then what they need."""
    direct = result["direct"]
    lines = [
        f"# {title}",
        "# Exact versions from the environment the notebook ran in.",
        "# Install: pip install -r requirements.txt (notebook-ops itself comes from wheels/).",
        "--find-links wheels",
        "",
        "# imported by the notebook, and notebook-ops",
    ]
    lines += [f"{n}=={v}" for n, v in direct.items()]
    rest = [(n, v) for n, v in result["pins"].items() if n not in direct]
    if rest:
        lines += ["", "# needed by the above"] + [f"{n}=={v}" for n, v in rest]
    return "\n".join(lines) + "\n"


def parse(text: str) -> dict[str, str]:
    """``{distribution: version}`` from a requirements.txt this module wrote (for diffs)."""
    out: dict[str, str] = {}
    for line in text.splitlines():
        line = line.split("#", 1)[0].strip()
        if not line or line.startswith("-"):
            continue
        name, _, version = line.partition("==")
        out[_pins.canonical(name)] = version.strip()
    return out
