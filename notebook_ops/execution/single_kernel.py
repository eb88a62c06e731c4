"""``--single-kernel``: the whole pipeline as one notebook in one kernel (fast local iteration).

Nothing goes through the data store and nothing is cached. Per-step status and timings come from
the executed notebook: a marker cell starts each step, and papermill stamps every cell with its
start / end time and status. While the notebook runs, the file papermill saves after each cell is
polled to report step progress.
"""

from __future__ import annotations

import json
from concurrent.futures import wait
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from notebook_ops.execution.executors import run_in_kernel
from notebook_ops.execution.papermill_exec import Outcome

if TYPE_CHECKING:
    from notebook_ops.execution.executors import SingleKernelExecutor
    from notebook_ops.execution.orchestrate import PipelineRun

ALL = "_all"


def _read(path: Path) -> dict | None:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):  # not written yet, or being written
        return None


def _step_spans(nb: dict) -> dict:
    """step -> {"started", "finished", "state": running|succeeded|failed|pending, "error"}."""
    spans: dict = {}
    current = None
    for c in nb.get("cells", []):
        meta = c.get("metadata", {})
        marker = (meta.get("notebook_ops") or {}).get("enter_step")
        pm = meta.get("papermill") or {}
        if marker:
            current = marker
            spans[current] = {
                "started": pm.get("start_time"),
                "finished": None,
                "state": "pending",
                "error": None,
                "cell": None,
            }
        if current is None or c.get("cell_type") != "code":
            continue
        span = spans[current]
        status = pm.get("status")
        if status in ("running", "completed", "failed") and span["state"] == "pending":
            span["state"] = "running"
        if status == "completed":
            span["finished"] = pm.get("end_time")
        for o in c.get("outputs") or []:
            if o.get("output_type") == "error" and span["state"] != "failed":
                span["state"] = "failed"
                first = (o.get("evalue") or "").splitlines()[0] if o.get("evalue") else ""
                span["error"] = f"{o.get('ename')}: {first}".rstrip(": ")
                span["cell"] = (meta.get("notebook_ops") or {}).get("source_cell")
                span["finished"] = pm.get("end_time")
    return spans


def _times(span: dict) -> dict:
    """started_at / finished_at / duration_s from papermill's cell timestamps."""

    def parse(t):
        try:
            return datetime.fromisoformat(str(t).replace("Z", "+00:00"))
        except ValueError:
            return None

    a, b = parse(span.get("started")), parse(span.get("finished"))
    if not a or not b:
        return {}
    return {
        "started_at": span["started"],
        "finished_at": span["finished"],
        "duration_s": round((b - a).total_seconds(), 3),
    }


def run_single_kernel(run: PipelineRun, executor: SingleKernelExecutor) -> None:
    """Run ``run``'s one notebook in the executor's kernel, following its steps."""

    rec = run.record
    out = run.folder.steps_dir / "pipeline.ipynb"
    names = run.pipeline.step_names
    seen: dict = {}

    def sync(nb: dict | None, final: bool) -> None:
        if nb is None:
            return
        spans = _step_spans(nb)
        for i, name in enumerate(names):
            span = spans.get(name)
            if span is None:
                continue
            nxt = spans.get(names[i + 1]) if i + 1 < len(names) else None
            done = (
                span["state"] == "failed"
                or (nxt is not None and nxt["state"] != "pending")
                or (final and span["state"] == "running")
            )
            if span["state"] != "pending" and seen.get(name) is None:
                seen[name] = "running"
                rec.step_started(name)
                rec.step(name)["notebook"] = str(out)
                rec.step(name)["started_at"] = span["started"] or rec.step(name)["started_at"]
            if done and seen.get(name) == "running":
                seen[name] = "done"
                status = "failed" if span["state"] == "failed" else "succeeded"
                run.collect_metrics(name)
                rec.step_finished(name, status, error=span["error"], cell=span["cell"], **_times(span))

    pool = executor.kernel_pool()
    kms = []
    ctx = run.context_for("", run.notebooks[ALL], out, run.folder.step_log("pipeline"))

    def work(km):
        kms.append(km)
        return run_in_kernel(ctx, km, pool.kill)

    fut = pool.submit(work)
    try:
        while not fut.done():
            wait([fut], timeout=0.5)
            sync(_read(out), final=False)
            if run.config.cancel.is_set():
                for km in kms:
                    pool.kill(km)
    except KeyboardInterrupt:
        run.config.cancel.set()
        for km in kms:
            pool.kill(km)
        raise
    try:
        outcome = fut.result()
    except Exception as exc:
        outcome = Outcome(False, f"{type(exc).__name__}: {exc}", ename=type(exc).__name__)
    if outcome.cpu_s is not None:  # one kernel ran every step: only the run's totals are known
        rec.data.update(cpu_s=outcome.cpu_s, peak_mem_mb=outcome.peak_mem_mb)
    sync(_read(out), final=True)
    if outcome is not None and not outcome.ok:
        # a failure outside any step's cells (parameters, setup, a dead kernel)
        running = [n for n in names if seen.get(n) == "running"]
        target = running[0] if running else next((n for n in names if seen.get(n) is None), None)
        if target:
            if seen.get(target) is None:
                rec.step_started(target)
                rec.step(target)["notebook"] = str(out)
            seen[target] = "done"
            rec.step_finished(target, "failed", error=outcome.error, cell=outcome.cell)
    for n in names:
        if seen.get(n) is None and not run.config.cancel.is_set():
            rec.step_finished(n, "skipped", error="an earlier step failed")
    # a step's observation is written when the next one starts: read them all once it is over
    observed = [n for n in names if rec.step(n)["status"] == "succeeded" and not rec.step(n).get("observed")]
    for n in observed:
        run.collect_observed(n)
    if observed:
        rec.save()
    for n in names:
        run.log_step_to_tracker(n)
