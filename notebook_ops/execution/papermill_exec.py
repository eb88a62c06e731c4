"""Execute one (step or whole-pipeline) notebook through papermill in a given kernel.

papermill writes the output notebook as cells run (at most twice a second: live_notebook.py) and
its error banner on failure, so a failed step keeps its executed notebook. A step timeout is
enforced by stopping the kernel from a timer thread: the notebook client then sees a dead kernel,
and we report the timeout.
"""

from __future__ import annotations

import json
import logging
import threading
from dataclasses import dataclass
from pathlib import Path

from notebook_ops.cellref import cell_label
from notebook_ops.execution.kernels import IMPORT_LOCK
from notebook_ops.execution.stepnb import PLUMBING_TAG
from notebook_ops.execution.usage import UsageMeter, kernel_pid
from notebook_ops.model.secrets import scrub
from notebook_ops.util.atomic import write_text


@dataclass
class Outcome:
    ok: bool
    error: str | None = None  # one line for people: what failed, where
    ename: str | None = None
    cell: int | None = None  # the user's notebook cell index, when the error is in one
    where: str | None = None  # "step code" | "setup" | "plumbing" | "load inputs" | ...
    timed_out: bool = False
    kernel_died: bool = False
    stopped_early: bool = False  # sys.exit(0): papermill calls it a success
    worker: str | None = None  # the Dask worker that ran it (notebook-ops run --cluster)
    cpu_s: float | None = None  # the kernel's CPU seconds during the step (execution/usage.py)
    peak_mem_mb: float | None = None  # the kernel's peak PSS (else RSS) in MiB (execution/usage.py)
    # where a task's time went (a Dask worker's step: cluster_task.py): submitted -> started on
    # the worker, started -> its kernel ready, the notebook's run in that kernel
    queued_s: float | None = None
    startup_s: float | None = None
    code_s: float | None = None


def _quiet_papermill() -> None:
    for name in ("papermill", "papermill.translators", "traitlets"):
        logging.getLogger(name).setLevel(logging.CRITICAL)


def _locate(out_path: Path) -> tuple[int | None, str | None, dict | None, bool]:
    """The first cell of the executed notebook with an error: (source cell, role, error output,
    whether any code cell after it never ran)."""
    try:
        nb = json.loads(out_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None, None, None, False
    cells = [
        c
        for c in nb.get("cells", [])
        if "papermill-error-cell-tag" not in (c.get("metadata", {}).get("tags") or [])
    ]
    for c in cells:
        for o in c.get("outputs") or []:
            if o.get("output_type") == "error":
                meta = c.get("metadata", {})
                tags = meta.get("tags") or []
                src = (meta.get("notebook_ops") or {}).get("source_cell")
                if "parameters" in tags or "injected-parameters" in tags:
                    role = "parameters"
                elif "setup" in tags:
                    role = "setup"
                elif PLUMBING_TAG in tags:
                    text = "".join(c.get("source") or "")
                    role = (
                        "load inputs"
                        if "load_inputs" in text
                        else "save outputs"
                        if "save_outputs" in text
                        else "plumbing"
                    )
                else:
                    role = "step code"
                return src, role, o, False
    # no error output: did every code cell run?
    unrun = any(
        c.get("cell_type") == "code" and c.get("execution_count") is None and (c.get("source") or "")
        for c in cells
    )
    return None, None, None, unrun


def execute(nb: dict, out_path, *, secrets=(), **kw) -> Outcome:
    """Run ``nb`` (an nbformat-4 dict) in the started kernel ``km``; write it to ``out_path``
    (see ``_execute``) and measure what it cost (``cpu_s``, ``peak_mem_mb``: execution/usage.py).
    ``secrets``: texts masked as ``***`` in the executed notebook, the step log and the error,
    whatever the step printed (the kernel masks them too: kernel_side/secret_params.py)."""

    with UsageMeter(kernel_pid(kw.get("km"))) as meter:
        outcome = _execute(nb, out_path, **kw)
    used = meter.usage()
    if used is not None:
        outcome.cpu_s, outcome.peak_mem_mb = used.cpu_s, used.peak_mem_mb
    if secrets:
        scrub_file(out_path, secrets)
        if kw.get("log_path"):
            scrub_file(kw["log_path"], secrets)
        if outcome.error:
            outcome.error = scrub(outcome.error, secrets)
    return outcome


def scrub_file(path, secrets) -> None:
    """Mask ``secrets`` in the text file at ``path`` (as written, and JSON-escaped), atomically."""

    try:
        text = Path(path).read_text(encoding="utf-8", errors="surrogateescape")
    except OSError:
        return
    forms = sorted({f for v in secrets for f in (v, json.dumps(v)[1:-1])}, key=len, reverse=True)
    clean = scrub(text, forms)
    if clean != text:
        write_text(path, clean)


def _execute(
    nb: dict, out_path, *, km, parameters: dict, timeout: float | None = None, log_path=None, kill=None
) -> Outcome:
    """Run ``nb`` (an nbformat-4 dict) in the started kernel ``km``; write it to ``out_path``.

    ``kill(km)`` stops the kernel (the pool's); used for the timeout.
    """

    with IMPORT_LOCK:
        import nbformat  # noqa: PLC0415 - under IMPORT_LOCK: a fork never copies a half-imported module
        import papermill  # noqa: PLC0415 - under IMPORT_LOCK
        from nbclient.exceptions import DeadKernelError  # noqa: PLC0415 - under IMPORT_LOCK
        from papermill.exceptions import PapermillExecutionError  # noqa: PLC0415 - under IMPORT_LOCK

        from notebook_ops.execution import live_notebook  # noqa: PLC0415 - imports papermill: under IMPORT_LOCK

    _quiet_papermill()
    out_path = Path(out_path)
    timed_out = threading.Event()

    def on_timeout():
        timed_out.set()
        if kill is not None:
            kill(km)

    timer = threading.Timer(timeout, on_timeout) if timeout else None
    logf = open(log_path, "a", encoding="utf-8") if log_path else None
    node = nbformat.from_dict(nb)
    try:
        if timer:
            timer.daemon = True
            timer.start()
        papermill.execute_notebook(
            node,
            str(out_path),
            parameters=parameters,
            km=km,
            progress_bar=False,
            log_output=False,
            stdout_file=logf,
            stderr_file=logf,
            kernel_name=nb.get("metadata", {}).get("kernelspec", {}).get("name"),
            engine_name=live_notebook.register(),
        )
    except PapermillExecutionError as exc:
        cell, role, _, _ = _locate(out_path)
        evalue = (exc.evalue or "").strip().splitlines()
        msg = f"{exc.ename}: {evalue[0] if evalue else ''}".rstrip(": ")
        where = f"{role}" + (f", notebook {cell_label(cell)}" if cell is not None else "")
        return Outcome(False, f"{msg} (in {where})", ename=exc.ename, cell=cell, where=role)
    except DeadKernelError:
        cell, role, _, _ = _locate(out_path)
        if timed_out.is_set():
            return Outcome(
                False,
                f"timed out after {timeout:g} s; the kernel was stopped",
                ename="Timeout",
                timed_out=True,
                where=role,
            )
        return Outcome(
            False,
            "the kernel died (killed, out of memory, or os._exit)",
            ename="DeadKernelError",
            kernel_died=True,
            where=role,
        )
    except Exception as exc:  # a kernel that never answered, a broken notebook...
        if timed_out.is_set():
            return Outcome(
                False,
                f"timed out after {timeout:g} s; the kernel was stopped",
                ename="Timeout",
                timed_out=True,
            )
        first = (str(exc).strip().splitlines() or [""])[0]
        return Outcome(False, f"{type(exc).__name__}: {first}", ename=type(exc).__name__)
    finally:
        if timer:
            timer.cancel()
        if logf:
            logf.close()
    if timed_out.is_set():
        return Outcome(
            False, f"timed out after {timeout:g} s; the kernel was stopped", ename="Timeout", timed_out=True
        )
    cell, role, err, unrun = _locate(out_path)
    if err is not None or unrun:  # papermill counts sys.exit(0) as success; the rest never ran
        at = f" (in {role}, notebook {cell_label(cell)})" if cell is not None else ""
        return Outcome(
            False,
            f"the notebook stopped early (sys.exit){at}; its remaining cells did not run",
            ename="SystemExit",
            cell=cell,
            where=role,
            stopped_early=True,
        )
    return Outcome(True)
