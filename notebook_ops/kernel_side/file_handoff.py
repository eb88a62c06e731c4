"""Files a step needs on its own disk, moved through the run's data store (see model/files.py).

Each orchestrator task (Airflow, Kubeflow, Argo) has its own disk: a file one step writes and
a later step reads must travel like a value. ``prepare`` runs before the step's code: it puts
the project's code folders on ``sys.path``, stages in the files upstream steps wrote (from
``<store>/<producer>/_files/``) and fetches external data files from their URL parameter (in a
bundle always; in the checkout only when the file is missing).
``save`` runs after the step's code, before its outputs (whose manifest comes last), and
copies the files later steps read into ``<store>/<step>/_files/`` with their sha256 in
``_files.json`` (the cache key of a reading step includes them).

Files no analysis can see (a path built at run time, a SQLite database, native writers) travel
the same way: ``hand_on`` adds every file the step was observed writing (kernel_side/observe.py) to
its ``_files/``, and ``restore_handed`` puts the files of every upstream step in place before a
step runs (newest upstream writer wins), on a task's empty disk or after a cached step alike.
Paths in ``_files.json`` are relative to the kernel's working folder.

``write_notebook_product`` runs in the runner, after the kernel: the executed step notebook
written where a Ploomber task's ``nb`` product says.
"""

from __future__ import annotations

import hashlib
import os
import sys
from urllib.parse import quote

from notebook_ops.kernel_side import helpers, observe
from notebook_ops.kernel_side.data_store import InputError, OutputError
from notebook_ops.kernel_side.observe import note_write
from notebook_ops.util import atomic

FILES_DIR = "_files"
FILES_INDEX = "_files.json"
HANDOFF_MAX_ENV = "NOTEBOOK_OPS_HANDOFF_MAX_MB"  # the largest file handed on (default 256 MB)
HANDOFF_MAX_MB = 256.0


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

    with observe.paused():  # staging files is the runtime's doing, not the step's
        _prepare(ns, code_roots, files_in, external)
    observe.restat([*(files_in or {}), *(external or {})])


def _prepare(ns: dict, code_roots, files_in, external) -> None:
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
        import fsspec  # noqa: PLC0415 - optional library (103 ms), imported only when used

        with fsspec.open(url, "rb") as f:
            _write(path, f.read())


def save(paths) -> None:
    """Copy the files this step wrote for later steps into the data store."""
    if not paths:
        return

    with observe.paused():
        _save(paths)


def _save(paths) -> None:
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


def _norm(path: str) -> str:
    return os.path.normpath(path).replace(os.sep, "/")


def _handoff_cap() -> float:
    try:
        return float(os.environ.get(HANDOFF_MAX_ENV, HANDOFF_MAX_MB)) * 1024 * 1024
    except ValueError:
        return HANDOFF_MAX_MB * 1024 * 1024


def hand_on(paths) -> list[str]:
    """Add the files the step was observed writing (relative to the kernel's working folder)
    to its files in the data store; a file over the size cap is left out with a warning naming
    it. Returns the paths handed on."""
    store, step = helpers.current_store(), helpers.context().step
    if store is None or not step or not paths:
        return []
    index = store.read_json((step, FILES_INDEX), default={}) or {}
    known = {_norm(p) for p in index}
    cap, added = _handoff_cap(), []
    for raw in paths:
        path = _norm(raw)
        if path in known or not os.path.isfile(path):
            continue
        size = os.path.getsize(path)
        if size > cap:
            print(
                f"notebook-ops: step {step!r} wrote {path!r} ({size / 1048576:.0f} MB), over the "
                f"{cap / 1048576:.0f} MB a step hands on: later steps on another disk will not "
                f"have it (set {HANDOFF_MAX_ENV} to raise the cap)",
                file=sys.stderr,
            )
            continue
        with open(path, "rb") as f:
            data = f.read()
        store.write_bytes((step, FILES_DIR, quote(path, safe="")), data)
        index[path] = hashlib.sha256(data).hexdigest()
        known.add(path)
        added.append(path)
    if added:
        store.write_json((step, FILES_INDEX), index)
    return added


def restore_handed(store, upstream: list) -> list[str]:
    """Put in place every file the ``upstream`` steps (graph order) handed on; a later writer's
    copy wins. Returns the paths written."""
    newest: dict[str, str] = {}
    for producer in upstream:
        for path in store.read_json((producer, FILES_INDEX), default={}) or {}:
            newest[path] = producer

    with observe.paused():
        for path, producer in newest.items():
            try:
                data = store.read_bytes((producer, FILES_DIR, quote(path, safe="")))
            except FileNotFoundError:
                continue  # a producer that failed half-way: its own step reported it
            parent = os.path.dirname(path)
            if parent:
                os.makedirs(parent, exist_ok=True)
            _write(path, data)
    return list(newest)


def write_notebook_product(cwd, path: str, data: bytes, ledger: str = "") -> None:
    """The executed notebook of a step at ``path`` (relative to the kernel's working folder
    ``cwd``), as Ploomber writes a task's ``nb`` product. Not handed on through the store: it is
    a record of the run, not a result (it differs at every run, so it would defeat the cache of
    the steps after it and the comparison of ``prove``); the store keeps the step's executed
    notebook already. ``ledger``: the run's ledger folder (``observe.LEDGER_DIR``), so steps
    running meanwhile do not take the file for one of theirs."""
    target = os.path.join(os.fspath(cwd), path)
    if ledger:
        note_write(ledger, "_runner", target)
    parent = os.path.dirname(target)
    if parent:
        os.makedirs(parent, exist_ok=True)
    _write(target, data)
