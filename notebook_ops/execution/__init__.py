"""Execution: run a pipeline, step by step in separate kernels (or in one), cached and tracked.

The runner (``orchestrate``: a run top to bottom; ``options``: its ``RunConfig``, resolved
once; ``executors``: one executor per way steps run, chosen once from ``EXECUTORS``, each given a
``StepContext`` per step (``step_context``); ``parallel``: the step scheduler; ``kernels``,
``zygote``, ``forkprovisioner``, ``cluster``: where steps run; ``cache``, ``record``, ``usage``)
and the run service above it (``run_service``: the one way every face starts, follows, cancels
and records a run; ``stats``, ``statsplot``: what past runs cost; ``staleness``: which steps
a run now would run again, as the cache decides it).

Public API (everything else in this package is internal)::

    from notebook_ops.execution import run_pipeline, run_notebook, RunResult

    result = run_notebook("churn.ipynb", params={"alpha": "0.5"})      # CLI-style values ok
    result = run_pipeline(
        pipeline,                      # notebook_ops.model.Pipeline (load_pipeline / a bundle)
        params=None,                   # {name: value}; str values convert to the declared type;
                                       # unknown names / bad values -> ParameterError (exit 2)
        run_dir=None,                  # exactly this folder; default
                                       # <notebook dir>/.notebook_ops/runs/<run_id>/
        step_notebooks=None,           # {step: nbformat-4 dict}: prebuilt step notebooks (a
                                       # bundle's steps/*.ipynb); default: built with
                                       # notebook_ops.execution.stepnb.build_step_notebook
        tags=None,                     # extra run tags (run.json "tags", MLflow tags), e.g.
                                       # {"bundle_version": "3", "bundle_hash": "..."}
        mode="pipeline",               # "pipeline" | "bundle": what nbo.context().mode says
        steps=None, from_step=None,    # run a subset (--steps a,b / --from STEP); inputs of the
                                       # subset come from the cache or the resumed run
        jobs=None,                     # parallel steps (default: CPU count)
        cache=True,                    # reuse unchanged steps' outputs (--no-cache: False)
        single_kernel=False,           # the whole pipeline in one kernel
        kernels=None,                  # "fork" | "fresh" (--kernels); default: the notebook's
                                       # metadata.notebook_ops.kernels, else "fork"
        resume=None,                   # run id or run folder to resume
        data_url=None,                 # data store (fsspec URL); default <run_dir>/data
        track=True,                    # MLflow: True/"thread" from a thread of this process,
                                       # "process" from a follower process (the CLI; see
                                       # notebook_ops.tracking.outbox); False: not tracked
        cwd=None,                      # where .notebook_ops/ (runs, cache, MLflow) goes, and the
                                       # kernels' working folder; default the notebook's folder
        kernel_cwd=None,               # the kernels' working folder when it differs from cwd
                                       # (a bundle's workspace: notebook_ops.bundle.workspace)
        progress=None,                 # callable(event: dict), called from the runner's thread
        cancel=None,                   # a threading.Event; set it to stop the run (cancelled)
        events=(),                     # event sink URLs (--events); NOTEBOOK_OPS_EVENTS and the
                                       # notebook's settings (``events``) are added; see
                                       # notebook_ops.events.publish.publisher_for_run
    ) -> RunResult                     # .status, .run_id, .run_dir, .exit_code, .record (run.json)

Run folder (what a scheduler, the server extension and the lab panel read)::

    run.json              written atomically at the start, after every step change and at the end
    steps/<step>.ipynb    executed step notebooks (papermill's error banner kept on failure)
    logs/<step>.log       the step's stdout / stderr
    tracking/             what MLflow gets and what it has (notebook_ops.tracking.sync)
    data/<step>/...       the data store (unless data_url points elsewhere)

``run.json`` (its one definition: ``notebook_ops.model.contracts.runs.RunRecord``; schema
``notebook_ops/model/schema/run-record.schema.json``; faces start runs through
``notebook_ops.execution.run_service``, which calls ``run_notebook`` / the bundle's ``run_bundle``):
run_id, status ("running" while it runs, then "succeeded" | "failed" |
"below_target" | "cancelled"), started_at, finished_at, duration_s, parameters, steps {name:
{status ("pending" | "running" | "succeeded" | "failed" | "skipped" | "cancelled"), started_at,
finished_at, duration_s, cached, attempts, error, notebook, cache_key}}, metrics, targets,
git {commit, branch, dirty}, notebook_hash, notebook_ops_version, mlflow {tracking_uri, run_id,
experiment_id}, tags, error. Exit codes (``RunResult.exit_code``): 0 succeeded, 1 failed,
3 below target, 130 cancelled; bad input raises a NotebookOpsError (exit 2) before the run starts.

Progress events: ``{"event": "run_started" | "step_started" | "step_retry" | "step_finished" |
"run_finished", "run_id", "step" (step events), "status", "run": <the run.json dict at that
moment>}``. "run_finished" comes with the final status; the MLflow ids are added to run.json
right after: by this process ("thread"), or by the follower process once it has logged the run
("process"; ``notebook-ops runs sync RUN_ID`` logs what a dead follower left).

Running a bundle: the bundle service rebuilds the Pipeline from pipeline.yaml and reads
steps/*.ipynb, then calls ``run_pipeline(pipeline, step_notebooks=..., mode="bundle",
cwd=<caller's folder>, tags={"bundle_version": ...})``; a bundle carrying the project's code and
data files also gets ``kernel_cwd`` (their copy under the run folder's ``work/``). A step notebook
alone runs with ``papermill steps/x.ipynb out.ipynb -p _nbo_data_url DIR`` (``notebook-ops
run-step`` when the bundle carries files: it lays them out).
"""

from __future__ import annotations

from notebook_ops.execution.executors import EXECUTORS, StepExecutor, execute_step
from notebook_ops.execution.options import RunConfig
from notebook_ops.execution.runfolder import list_runs, load_run, runs_root
from notebook_ops.execution.orchestrate import RunResult, run_notebook, run_pipeline
from notebook_ops.execution.step_context import StepContext

__all__ = [
    "EXECUTORS",
    "RunConfig",
    "RunResult",
    "StepContext",
    "StepExecutor",
    "execute_step",
    "list_runs",
    "load_run",
    "run_notebook",
    "run_pipeline",
    "runs_root",
]
