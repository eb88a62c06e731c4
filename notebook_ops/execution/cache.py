"""The step cache: skip a step whose code, setup, parameters read and input data are unchanged.

A step's key hashes the code cells of its step notebook (its own code, the setup cells and the
load/save plumbing), the sha256 of the project's own modules it imports, the values of the
parameters it reads, the kernel name, and the sha256 of every input value and file as stored by
the producing step. An entry holds the step's data folder (outputs, metrics, artifacts) and its
executed notebook; restoring hard-links the files into the run's data store (copying across file
systems). Entries live in
``<notebook dir>/.notebook_ops/cache/<pipeline>/<step>/<key>/``; the newest few per step are kept.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import time
from pathlib import Path

CACHE_VERSION = 1
KEEP_PER_STEP = 5


def _code_cells(step_nb: dict) -> list[str]:
    """The step notebook's code the key hashes (the parameters cell is in the values instead)."""
    return [
        ("".join(c["source"]) if isinstance(c["source"], list) else c["source"])
        for c in step_nb.get("cells", [])
        if c.get("cell_type") == "code" and "parameters" not in (c.get("metadata", {}).get("tags") or [])
    ]


def _local_code(step_nb: dict) -> dict:
    """The project's own modules the step imports: {path: sha256}."""
    return (step_nb.get("metadata", {}).get("notebook_ops") or {}).get("local_code") or {}


def step_key(step_nb: dict, param_values: dict, input_hashes: dict, kernel: str) -> str:
    doc = {
        "v": CACHE_VERSION,
        "code": _code_cells(step_nb),
        "params": param_values,
        "inputs": input_hashes,
        "kernel": kernel,
    }
    local_code = _local_code(step_nb)
    if local_code:
        doc["local_code"] = local_code
    return _digest(doc, 32)


def _digest(value, size: int = 16) -> str:
    blob = json.dumps(value, sort_keys=True, default=repr).encode()
    return hashlib.sha256(blob).hexdigest()[:size]


def key_parts(step_nb: dict, param_values: dict, input_hashes: dict, kernel: str) -> dict:
    """``step_key``'s document part by part, each hashed on its own (kept in a cache entry's
    meta): two keys that differ differ in some part, which says *why* a step is stale
    (``staleness.py``). Parts: code (cells, local modules, kernel), each parameter read, each
    input value, each file handed on by an upstream step, each data file read from the project."""
    inputs, files, assets = {}, {}, {}
    for name, value in input_hashes.items():
        if name == "assets:":
            assets = {path: _digest(sig) for path, sig in value.items()}
        elif name == "handed:":
            files.update({path: _digest(v) for path, v in value.items()})
        elif name.startswith("file:"):
            files[name[len("file:") :]] = _digest(value)
        else:
            inputs[name] = _digest(value)
    return {
        "code": _digest(_code_cells(step_nb)),
        "local_code": dict(_local_code(step_nb)),
        "kernel": kernel,
        "params": {name: _digest(value) for name, value in param_values.items()},
        "inputs": inputs,
        "files": files,
        "assets": assets,
    }


def link_tree(src: Path, dst: Path) -> None:
    """Hard-link (or copy) every file under ``src`` into ``dst``."""
    for root, _dirs, files in os.walk(src):
        rel = Path(root).relative_to(src)
        (dst / rel).mkdir(parents=True, exist_ok=True)
        for f in files:
            s, d = Path(root) / f, dst / rel / f
            if d.exists():
                d.unlink()
            try:
                os.link(s, d)
            except OSError:
                shutil.copy2(s, d)


class StepCache:
    def __init__(self, root):
        self.root = Path(root)

    def entry(self, pipeline: str, step: str, key: str) -> Path:
        return self.root / pipeline / step / key

    def lookup(self, pipeline: str, step: str, key: str) -> Path | None:
        e = self.entry(pipeline, step, key)
        return e if (e / "meta.json").is_file() and (e / "data" / "_outputs.json").is_file() else None

    def restore(self, entry: Path, data_step_dir: Path, notebook_dest: Path | None) -> dict:
        """Put a cached step's data in place; returns the entry's meta."""
        if data_step_dir.exists():
            shutil.rmtree(data_step_dir)
        link_tree(entry / "data", data_step_dir)
        if notebook_dest is not None and (entry / "notebook.ipynb").is_file():
            notebook_dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(entry / "notebook.ipynb", notebook_dest)
        return json.loads((entry / "meta.json").read_text())

    def store(
        self, pipeline: str, step: str, key: str, data_step_dir: Path, notebook: Path | None, meta: dict
    ) -> None:
        """Add an entry (built in a temp folder, then renamed into place)."""
        final = self.entry(pipeline, step, key)
        if final.exists():
            return
        final.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(dir=final.parent, prefix=".tmp-"))
        try:
            link_tree(data_step_dir, tmp / "data")
            if notebook is not None and notebook.is_file():
                shutil.copy2(notebook, tmp / "notebook.ipynb")
            (tmp / "meta.json").write_text(json.dumps({**meta, "stored_at": time.time()}))
            os.replace(tmp, final)
        except OSError:
            shutil.rmtree(tmp, ignore_errors=True)
            if not final.exists():
                raise
        self._prune(final.parent)

    def _prune(self, step_dir: Path) -> None:
        entries = [d for d in step_dir.iterdir() if d.is_dir() and not d.name.startswith(".")]
        entries.sort(key=lambda d: d.stat().st_mtime, reverse=True)
        for old in entries[KEEP_PER_STEP:]:
            shutil.rmtree(old, ignore_errors=True)
