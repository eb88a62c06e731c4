"""Files a step needs on its own disk, moved through the run's data store (see model/files.py).

Each orchestrator task (Airflow, Kubeflow, Argo) has its own disk: a file one step writes and
a later step reads must travel like a value. ``prepare`` runs before the step's code: it puts
the project's code folders on ``sys.path``, stages in the files upstream steps wrote (from
``<store>/<producer>/_files/``) and fetches external data files from their URL parameter (in a
bundle always; in the checkout only when the file is missing).
``save`` runs after the step's code, before its outputs (whose manifest comes last), and
copies the files later steps read into ``<store>/<step>/_files/`` with their sha256 in
``_files.json`` (the cache key of a reading step includes them).
"""

from __future__ import annotations

import hashlib
import os
import sys
from urllib.parse import quote

from notebook_ops.runtime import helpers
from notebook_ops.runtime.store import InputError, OutputError
from notebook_ops.util import atomic

FILES_DIR = "_files"
FILES_INDEX = "_files.json"


def _write(path: str, data: bytes) -> None:
    """Write ``path`` atomically (and not at all when it already holds these bytes)."""
    if os.path.isfile(path) and os.path.getsize(path) == len(data):
        with open(path, "rb") as f:
            if f.read() == data:
                return
    atomic.write_bytes(path, data)


def prepare(ns: dict, *, code_roots=(), files_in=None, external=None) -> None:
    """``code_roots``: folders relative to the kernel's working folder; ``files_in``:
    {path: producing step}; ``external``: {path: name of the parameter holding its URL}."""
    for root in reversed(list(code_roots)):
        full = os.path.abspath(root)
        if full not in sys.path:
            sys.path.insert(0, full)
    if files_in:
        store = helpers.current_store()
        if store is None:
            raise RuntimeError("notebook-ops plumbing cell did not run (begin() first)")
        for path, producer in files_in.items():
            key = (producer, FILES_DIR, quote(path, safe=""))
            try:
                data = store.read_bytes(key)
            except FileNotFoundError:
                raise InputError(
                    f"file {path!r}, written by step {producer!r}, is not in the "
                    f"data store {store.location} (did {producer!r} run?)"
                ) from None
            _write(path, data)
    for path, param in (external or {}).items():
        if helpers.context().mode == "pipeline" and os.path.exists(path):
            continue  # a run in the checkout uses the author's copy; a bundle fetches the URL
        url = ns.get(param)
        if not isinstance(url, str) or not url:
            raise InputError(f"parameter {param!r} must give the URL of {path!r}")
        import fsspec

        with fsspec.open(url, "rb") as f:
            _write(path, f.read())


def save(paths) -> None:
    """Copy the files this step wrote for later steps into the data store."""
    if not paths:
        return
    store, step = helpers.current_store(), helpers.context().step
    if store is None:
        raise RuntimeError("notebook-ops plumbing cell did not run (begin() first)")
    index = {}
    for path in paths:
        try:
            with open(path, "rb") as f:
                data = f.read()
        except FileNotFoundError:
            raise OutputError(
                f"step {step!r} did not write the file {path!r}, which a later step reads"
            ) from None
        store.write_bytes((step, FILES_DIR, quote(path, safe="")), data)
        index[path] = hashlib.sha256(data).hexdigest()
    store.write_json((step, FILES_INDEX), index)
