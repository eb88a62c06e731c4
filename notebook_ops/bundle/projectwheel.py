"""Wheels of projects installed in editable mode (``pip install -e .``), built from their source.

A notebook that imports the author's own package, installed editable, would pin a version no
index has. The bundle carries it instead, like notebook-ops itself: a pure-Python wheel of the
package folders (``src/`` layout or flat) with the installed METADATA (so pip still installs its
dependencies), under ``wheels/``, where ``requirements.txt`` already points pip. No build
backend runs: the wheel is reproducible and needs no network.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

from notebook_ops.bundle.archive import EDITOR_DROPPINGS
from notebook_ops.bundle.selfwheel import record_hash
from notebook_ops.errors import ExportRefused


def _files(src: Path, top: str) -> list[tuple[str, Path]]:
    for base in (src / "src", src):
        pkg, mod = base / top, base / f"{top}.py"
        if pkg.is_dir() and any(pkg.rglob("*.py")):
            return [
                (f"{top}/{p.relative_to(pkg).as_posix()}", p)
                for p in sorted(pkg.rglob("*"))
                if p.is_file()
                and p.suffix not in (".pyc", ".pyo")
                and not set(p.relative_to(pkg).parts) & set(EDITOR_DROPPINGS)
            ]
        if mod.is_file():
            return [(f"{top}.py", mod)]
    return []


def entries(spec: dict) -> tuple[str, list[tuple[str, bytes]]]:
    """(wheel file name, entries) of an editable distribution as ``pins`` describes it."""

    name = re.sub(r"[-_.]+", "_", spec["name"])
    src = Path(spec["path"])
    found = [f for top in spec["top_level"] for f in _files(src, top)]
    if not found:
        raise ExportRefused(
            f"{spec['name']} is installed in editable mode from {src}, but its package folders are not there",
            path=src,
            hint="reinstall it (pip install -e), or install it from an index",
        )
    out = [(rel, p.read_bytes()) for rel, p in found]
    info = f"{name}-{spec['version']}.dist-info"
    out += [
        (f"{info}/METADATA", spec["metadata"].encode()),
        (
            f"{info}/WHEEL",
            b"Wheel-Version: 1.0\nGenerator: notebook-ops\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
        ),
    ]
    record = "".join(f"{n},{record_hash(d)},{len(d)}\n" for n, d in out) + f"{info}/RECORD,,\n"
    out.append((f"{info}/RECORD", record.encode()))
    return f"{name}-{spec['version']}-py3-none-any.whl", out


def digest(wheel_entries: list[tuple[str, bytes]]) -> str:
    """What the content hash keys on: the files, not the zip's bytes."""
    return hashlib.sha256(
        json.dumps([(n, hashlib.sha256(d).hexdigest()) for n, d in wheel_entries]).encode()
    ).hexdigest()
