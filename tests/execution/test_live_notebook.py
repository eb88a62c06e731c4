"""The step notebook papermill writes as cells run (execution/live_notebook.py), with real kernels
of the pool: a step of fast cells is written a few times, not at every cell's start and end, and
keeps every output; a long cell is on disk as running while it runs (the lab's live view); a
kernel stopped mid-step (a timeout) and a failing cell still leave their executed notebook."""

from __future__ import annotations

import json
import threading
import time

import nbformat
import papermill
import pytest
from papermill.engines import papermill_engines

from notebook_ops.execution.kernels import KernelPool
from notebook_ops.execution.live_notebook import LIVE_EVERY, LiveNotebookManager, LiveSaveEngine
from notebook_ops.execution.papermill_exec import execute

pytestmark = pytest.mark.timeout(600)


def _notebook(*sources: str) -> dict:
    return {
        "nbformat": 4,
        "nbformat_minor": 5,
        "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
        "cells": [
            {
                "cell_type": "code",
                "id": f"c{i}",
                "metadata": {},
                "source": s,
                "outputs": [],
                "execution_count": None,
            }
            for i, s in enumerate(sources)
        ],
    }


def _in_kernel(tmp_path, fn):
    pool = KernelPool(cwd=tmp_path, kernels="fork")
    try:
        return pool.submit(lambda km: fn(km, pool)).result(timeout=300)
    finally:
        pool.close(kill_running=True)


class _CountingManager(LiveNotebookManager):
    """Records when each write of the running notebook happened."""

    written: list[float] = []

    def _write(self) -> None:
        type(self).written.append(time.monotonic())
        super()._write()


class _CountingEngine(LiveSaveEngine):
    manager = _CountingManager


def test_fast_cells_are_written_a_few_times_and_keep_their_outputs(tmp_path):
    papermill_engines.register("nbo-test-counting", _CountingEngine)
    cells = [f"x{i} = {i}\nprint('cell', x{i})" for i in range(7)]
    out = tmp_path / "out.ipynb"
    _CountingManager.written = []

    def run(km, pool):
        t0 = time.monotonic()
        papermill.execute_notebook(
            nbformat.from_dict(_notebook(*cells)),
            str(out),
            km=km,
            progress_bar=False,
            engine_name="nbo-test-counting",
        )
        return time.monotonic() - t0

    took = _in_kernel(tmp_path, run)
    # papermill's own engine writes 2 + 2 per cell (16 here); this one at most once per LIVE_EVERY
    assert len(_CountingManager.written) <= 1 + took / LIVE_EVERY, (_CountingManager.written, took)
    assert len(_CountingManager.written) < 2 + 2 * len(cells)
    nb = json.loads(out.read_text())
    printed = ["".join(o["text"]) for c in nb["cells"] for o in c["outputs"]]
    assert printed == [f"cell {i}\n" for i in range(7)]
    assert [c["metadata"]["papermill"]["status"] for c in nb["cells"]] == ["completed"] * 7
    assert [c["execution_count"] for c in nb["cells"]] == sorted(c["execution_count"] for c in nb["cells"])
    assert nb["metadata"]["papermill"]["end_time"] is not None


def test_a_long_cell_is_on_disk_as_running_while_it_runs(tmp_path):
    out = tmp_path / "out.ipynb"
    seen: list[list[str]] = []
    stop = threading.Event()

    def watch():  # what the lab's live view would read, every 0.1 s
        while not stop.is_set():
            try:
                nb = json.loads(out.read_text())
                seen.append([c["metadata"].get("papermill", {}).get("status") for c in nb["cells"]])
            except (OSError, ValueError, KeyError):
                pass
            time.sleep(0.1)

    watcher = threading.Thread(target=watch, daemon=True)

    def run(km, pool):
        watcher.start()
        return execute(
            _notebook("import time", "print('before')", "time.sleep(4 * %r)" % LIVE_EVERY, "print('after')"),
            out,
            km=km,
            parameters={},
        )

    try:
        outcome = _in_kernel(tmp_path, run)
    finally:
        stop.set()
        watcher.join(timeout=10)
    assert outcome.ok, outcome.error
    assert ["completed", "completed", "running", "pending"] in seen, seen[-5:]
    nb = json.loads(out.read_text())
    assert ["".join(o["text"]) for c in nb["cells"] for o in c["outputs"]] == ["before\n", "after\n"]


def test_a_stopped_kernel_leaves_the_cells_that_ran(tmp_path):
    out = tmp_path / "out.ipynb"
    outcome = _in_kernel(
        tmp_path,
        lambda km, pool: execute(
            _notebook("print('before')", "import time\ntime.sleep(60)", "print('never')"),
            out,
            km=km,
            parameters={},
            timeout=3,
            kill=pool.kill,
        ),
    )
    assert outcome.timed_out, outcome
    nb = json.loads(out.read_text())
    assert ["".join(o.get("text", "")) for o in nb["cells"][0]["outputs"]] == ["before\n"]
    assert nb["cells"][2]["outputs"] == []
    assert nb["metadata"]["papermill"]["end_time"] is not None


def test_a_failing_cell_is_named_and_its_error_kept(tmp_path):
    out = tmp_path / "out.ipynb"
    outcome = _in_kernel(
        tmp_path,
        lambda km, pool: execute(
            _notebook("print('fine')", "1 / 0", "print('never')"), out, km=km, parameters={}
        ),
    )
    assert not outcome.ok and outcome.ename == "ZeroDivisionError", outcome
    nb = json.loads(out.read_text())
    errors = [o for c in nb["cells"] for o in c.get("outputs", []) if o["output_type"] == "error"]
    assert [e["ename"] for e in errors] == ["ZeroDivisionError"]
    assert any("papermill-error-cell-tag" in (c["metadata"].get("tags") or []) for c in nb["cells"])


def test_a_live_write_that_fails_prints_no_traceback(tmp_path, caplog):
    """A deferred write meets a folder gone (as it meets a full disk): nothing is printed from the
    event loop (asyncio's "Exception in callback" and its traceback); the final write meets it
    too and raises, for the runner's one-line error."""
    folder = tmp_path / "gone"
    folder.mkdir()
    out = folder / "out.ipynb"
    cells = [f"import shutil, time\nshutil.rmtree({str(folder)!r})", "time.sleep(3 * 0.5)", "x = 1"]

    def run(km, pool):
        with pytest.raises(OSError):
            papermill.execute_notebook(
                nbformat.from_dict(_notebook(*cells)),
                str(out),
                km=km,
                progress_bar=False,
                engine_name="nbo-test-live",
            )
        return True

    papermill_engines.register("nbo-test-live", LiveSaveEngine)
    with caplog.at_level("ERROR", logger="asyncio"):
        assert _in_kernel(tmp_path, run)
    assert not [r for r in caplog.records if r.name == "asyncio"], caplog.text
