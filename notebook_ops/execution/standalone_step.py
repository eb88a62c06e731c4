"""Execute one step notebook, alone, against a data store: what an orchestrator task does.

The pipeline runner schedules many steps over a kernel pool; a task of Airflow, Kubeflow
Pipelines, Argo or a CronJob runs exactly one. Both go through the same ``execute`` (papermill in
a started kernel, timeout by stopping the kernel, errors located in the user's cells), so a step
behaves the same under ``notebook-ops run`` and under ``notebook-ops run-step``.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

from notebook_ops.execution.papermill_exec import Outcome, execute


def execute_step(
    notebook: dict,
    out_path,
    *,
    parameters: dict,
    cwd=None,
    timeout: float | None = None,
    log_path=None,
    preload=(),
    stop: threading.Event | None = None,
    env: dict | None = None,
    secrets=(),
) -> Outcome:
    """Run ``notebook`` (a step notebook, nbformat-4 dict) in a fresh kernel started in ``cwd``,
    with ``parameters`` (the pipeline's values and the ``_nbo_*`` plumbing: ``_nbo_data_url``
    is the data store the step reads its inputs from and writes its outputs to). The executed
    notebook goes to ``out_path``; the kernel is stopped afterwards, or as soon as ``stop`` is
    set (a cancelled run: the step ends as a dead kernel)."""
    from notebook_ops.execution.kernels import KernelPool

    kernel = (notebook.get("metadata", {}).get("kernelspec") or {}).get("name") or "python3"
    # the kernel process's own stderr (start-up warnings) goes beside the step's log
    klog = open(f"{log_path}.kernel" if log_path else os.devnull, "ab")
    pool = KernelPool(kernel, cwd=cwd, preload=preload, log_file=klog, env=env)
    done = threading.Event()

    def work(km) -> Outcome:
        if stop is not None:
            threading.Thread(target=_kill_on_stop, args=(stop, done, pool, km), daemon=True).start()
        try:
            return execute(
                notebook,
                Path(out_path),
                km=km,
                parameters=parameters,
                timeout=timeout,
                log_path=log_path,
                kill=pool.kill,
                secrets=secrets,
            )
        finally:
            done.set()

    try:
        return pool.submit(work).result()
    except RuntimeError as exc:  # the kernel did not start
        return Outcome(False, str(exc), ename="KernelStartError")
    finally:
        done.set()
        pool.close(kill_running=True)
        klog.close()
        if secrets and log_path:  # what the kernel process wrote itself (os.system, fd 2)
            from notebook_ops.execution.papermill_exec import scrub_file

            scrub_file(f"{log_path}.kernel", secrets)


def _kill_on_stop(stop: threading.Event, done: threading.Event, pool, km) -> None:
    while not done.is_set():
        if stop.wait(0.2):
            pool.kill(km)
            return
