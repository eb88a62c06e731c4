"""``notebook-ops run-step``: one step of a bundle, against a shared data store.

Every deploy target runs a pipeline as one task per step, each calling this. The step reads its
inputs from ``<data>/<producer>/`` and writes its outputs (and ``_metrics.json``, the executed
notebook ``_notebook.ipynb``) to ``<data>/<step>/``; ``data`` is a folder or any fsspec URL.
Engines that move data as artifacts (Kubeflow Pipelines) copy producers' folders in first
(``stage_in``) and the step's folder out afterwards (``stage_out``).
The notebook runs through the runner's ``execute_step``, exactly as under ``notebook-ops run``.
With a tracking store (``--tracking-uri`` or ``MLFLOW_TRACKING_URI``) the task writes its step's
MLflow records and registers the models the step logged, with the bundle's lineage; the last
step's task finishes the run and applies the pipeline's promote setting (``tracking.tasks``).
"""

from __future__ import annotations

import os
import re
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from notebook_ops.bundle.load import open_bundle, pipeline_from_manifest, read_step_notebooks
from notebook_ops.bundle.workspace import lay_out, needs_workspace
from notebook_ops.deploy.common import producers
from notebook_ops.deploy.step_tracking import inputs_key, now_iso, track_step
from notebook_ops.errors import ExecutionError, NotebookOpsError, ParameterError
from notebook_ops.execution import StepContext, execute_step
from notebook_ops.kernel_side.data_store import MANIFEST, METRICS, USAGE, DataStore, is_url
from notebook_ops.kernel_side.file_handoff import write_notebook_product
from notebook_ops.model import secrets as secrets_mod
from notebook_ops.model.parameters import resolve_params
from notebook_ops.util.redact import redact

NOTEBOOK_FILE = "_notebook.ipynb"


class StepInputMissing(NotebookOpsError):
    """A producer's outputs are not in the data store."""


@dataclass
class StepResult:
    step: str
    data_url: str
    ok: bool
    error: str | None = None
    cell: int | None = None
    metrics: dict = field(default_factory=dict)
    log: str = ""
    # what it cost (execution/usage.py); also written to ``<data>/<step>/_usage.json``
    duration_s: float | None = None
    cpu_s: float | None = None
    peak_mem_mb: float | None = None
    # with a tracking store: the versions registered ({model: version}), the promote setting's
    # outcome on the last step, and why tracking failed (a tracking failure never fails the step)
    models: dict = field(default_factory=dict)
    promotion: dict | None = None
    tracking_error: str | None = None


def _fs(url: str):
    import fsspec  # noqa: PLC0415 - optional library (103 ms), imported only when used

    return fsspec.core.url_to_fs(url)


def copy_tree(src: str, dst_store, prefix: str) -> int:
    """Copy every file under ``src`` (a folder or URL) to ``<store>/<prefix>/...``."""
    fs, root = _fs(src)
    if not fs.isdir(root):
        raise StepInputMissing(f"no such folder to stage in: {src}", step=prefix)
    n = 0
    root = root.rstrip("/")
    for path in sorted(fs.find(root)):
        rel = path[len(root) :].lstrip("/").split("/")
        dst_store.write_bytes((prefix, *rel), fs.cat_file(path))
        n += 1
    return n


def copy_out(store, prefix: str, dst: str) -> int:
    """Copy ``<store>/<prefix>/...`` to the folder or URL ``dst``."""
    fs, root = _fs(dst)
    src_fs, src_root = _fs(store.path(prefix))
    n = 0
    src_root = src_root.rstrip("/")
    for path in sorted(src_fs.find(src_root)):
        rel = path[len(src_root) :].lstrip("/")
        target = f"{root.rstrip('/')}/{rel}"
        fs.makedirs(target.rsplit("/", 1)[0], exist_ok=True)
        fs.pipe_file(target, src_fs.cat_file(path))
        n += 1
    return n


def _clear(store, step: str) -> None:
    """Nothing stale from an earlier attempt of this step (orchestrators retry)."""
    fs, root = _fs(store.path(step))
    if fs.exists(root):
        fs.rm(root, recursive=True)


def fetch_bundle(url: str, into: Path) -> Path:
    """The bundle archive at ``url`` copied into the folder ``into`` (this task's own disk)."""
    fs, path = _fs(url)
    if not fs.isfile(path):
        raise ParameterError(
            "no bundle archive at this URL", path=redact(url), hint="deploy the bundle there first"
        )
    local = into / path.rstrip("/").rsplit("/", 1)[-1]
    fs.get_file(path, str(local))
    return local


def _load(bundle_path, step: str, extract_to=None):

    bundle = open_bundle(bundle_path, extract_to=extract_to)
    names = [s["name"] for s in bundle.manifest["steps"]]
    if step not in names:
        raise ParameterError(
            f"the bundle has no step {step!r}", path=bundle.source, hint=f"steps: {', '.join(names)}"
        )
    notebooks = read_step_notebooks(bundle)
    return bundle, pipeline_from_manifest(bundle.manifest, notebooks), notebooks[step]


def _engine_numbers(pipeline, params: dict) -> dict:
    """Engines may template an integer as ``7.0`` (KFP keeps numbers as doubles): an integral
    value is accepted for an ``int`` parameter; anything else is left to the usual checks."""
    ints = {p.name for p in pipeline.parameters if p.type == "int"}
    out = dict(params)
    for name, value in params.items():
        if name in ints and isinstance(value, str) and re.fullmatch(r"\s*-?\d+\.0*\s*", value):
            out[name] = value.strip().split(".")[0]
    return out


def run_step(
    bundle_path,
    step: str,
    *,
    data_url: str,
    params: dict | None = None,
    stage_in: dict[str, str] | None = None,
    stage_out: str | None = None,
    output_notebook=None,
    run_id: str | None = None,
    cwd=None,
    tracking_uri: str | None = None,
) -> StepResult:
    """Run ``step`` of the bundle at ``bundle_path``; raises NotebookOpsError on bad input
    (unknown step or parameter, missing inputs); a failing step gives ``ok=False``.
    ``tracking_uri``: the MLflow store its records and models go to (None: none)."""
    if not data_url:
        raise ParameterError("--data is required: the shared data store (folder or fsspec URL)")
    with tempfile.TemporaryDirectory(prefix="nbo-step-") as tmp:
        extract_to = None
        if is_url(str(bundle_path)):  # fetched and unpacked on this task's disk, gone afterwards
            bundle_path, extract_to = fetch_bundle(str(bundle_path), Path(tmp)), Path(tmp) / "bundle"
        bundle, pipeline, notebook = _load(bundle_path, step, extract_to)
        return _execute(
            Path(tmp),
            bundle,
            pipeline,
            notebook,
            step,
            data_url=data_url,
            params=params,
            stage_in=stage_in,
            stage_out=stage_out,
            output_notebook=output_notebook,
            run_id=run_id,
            cwd=cwd,
            tracking_uri=tracking_uri,
        )


def _execute(
    tmp: Path,
    bundle,
    pipeline,
    notebook,
    step,
    *,
    data_url,
    params,
    stage_in,
    stage_out,
    output_notebook,
    run_id,
    cwd,
    tracking_uri=None,
) -> StepResult:

    declared = pipeline.parameters
    values = resolve_params(
        pipeline,
        secrets_mod.from_environment(declared),
        secrets_mod.unmasked(_engine_numbers(pipeline, params or {}), declared),
    )
    # secret parameters: to the kernel through its environment only, masked in what is written
    hidden = secrets_mod.names(declared)
    secret_values = {n: values.pop(n) for n in hidden if values.get(n) not in (None, "")}
    for n in hidden:
        values.pop(n, None)
    store = DataStore(data_url)
    for producer, src in (stage_in or {}).items():
        if producer not in pipeline.step_names:
            raise ParameterError(f"--stage-in {producer}: the bundle has no such step")
        copy_tree(src, store, producer)
    entry = next(s for s in bundle.manifest["steps"] if s["name"] == step)
    for producer in producers(entry):
        if not store.exists((producer, MANIFEST)):
            raise StepInputMissing(
                f"the outputs of step {producer!r} are not in the data store {store.location}",
                step=step,
                hint=f"run step {producer!r} first with the same --data",
            )
    _clear(store, step)

    run_id = run_id or os.environ.get("NOTEBOOK_OPS_RUN_ID") or uuid.uuid4().hex[:12]
    timeout = (entry.get("options") or {}).get("timeout")
    out, log = tmp / f"{step}.ipynb", tmp / f"{step}.log"
    if needs_workspace(bundle.manifest):  # this step's code and data, on this task's disk
        cwd = lay_out(bundle.folder, bundle.manifest, tmp / "work", steps=[step])
    t0 = time.monotonic()
    started_at = now_iso()
    ctx = StepContext.build(
        step,
        notebook,
        values=values,
        secrets=secret_values,
        data_url=store.location,
        run_id=run_id,
        mode="bundle",
        run_dir="",
        out_path=out,
        log_path=log,
        timeout=timeout,
        cwd=cwd or os.getcwd(),
        env={"MLFLOW_TRACKING_URI": tracking_uri} if tracking_uri else None,  # models:/ URIs in the step
    )
    outcome = execute_step(ctx)
    duration_s = round(time.monotonic() - t0, 3)
    if outcome.ok and not store.exists((step, MANIFEST)):
        outcome.ok, outcome.error = False, "the step ended without saving its outputs"
    usage = {"duration_s": duration_s, "cpu_s": outcome.cpu_s, "peak_mem_mb": outcome.peak_mem_mb}
    store.write_json((step, USAGE), usage)
    log_text = log.read_text(encoding="utf-8", errors="replace") if log.exists() else ""
    if out.exists():
        data = out.read_bytes()
        store.write_bytes((step, NOTEBOOK_FILE), data)
        if outcome.ok and entry.get("notebook_product"):  # a Ploomber task's nb product
            write_notebook_product(cwd or os.getcwd(), entry["notebook_product"], data)
        if output_notebook:
            Path(output_notebook).parent.mkdir(parents=True, exist_ok=True)
            Path(output_notebook).write_bytes(data)
    metrics = {m["name"]: m["value"] for m in store.read_json((step, METRICS), default=[]) or []}
    if stage_out:
        copy_out(store, step, stage_out)
    result = StepResult(
        step=step,
        data_url=store.location,
        ok=outcome.ok,
        error=outcome.error,
        cell=outcome.cell,
        metrics=metrics,
        log=log_text,
        duration_s=duration_s,
        cpu_s=outcome.cpu_s,
        peak_mem_mb=outcome.peak_mem_mb,
    )
    final = None  # the run's outcome, when this task finished the run
    if tracking_uri:
        steprec = {
            "status": "succeeded" if outcome.ok else "failed",
            "error": outcome.error,
            "attempts": 1,
            "cached": False,
            "started_at": started_at,
            "finished_at": now_iso(),
            "cache_key": inputs_key(pipeline, store, step, notebook, values),
            **usage,
        }
        final = track_step(
            tmp, bundle, pipeline, store, step, run_id, values, steprec, out, tracking_uri, result
        )
    if final is None and not outcome.ok:  # untracked, or the store would not take it: still told
        final = {
            "run_id": run_id,
            "pipeline": pipeline.name,
            "status": "failed",
            "error": f"step {step}: {outcome.error}",
        }
    if final is not None:
        _send_run_alerts(final, bundle.manifest.get("alerts"))
    return result


def _send_run_alerts(final: dict, alerts) -> None:
    """``run.failed`` / ``target.missed`` to the pipeline's alerts, by the task that finished
    the run (or failed: a task never knows whether a parallel one failed too; each tells). A
    local run's own process sends the same (``notebook_ops.alerts``)."""
    if not alerts:
        return
    from notebook_ops.alerts.dispatch import notify  # noqa: PLC0415 - only a pipeline with alerts pays for it
    from notebook_ops.alerts.occurrences import from_run  # noqa: PLC0415 - as above

    notify(from_run(final), alerts)


def check(result: StepResult) -> StepResult:
    """Raise ExecutionError (exit 1) for a failed step."""
    if not result.ok:
        raise ExecutionError(
            f"step failed: {result.error}",
            step=result.step,
            cell=result.cell,
            hint=f"the executed notebook is {result.data_url}/{result.step}/{NOTEBOOK_FILE}",
        )
    return result
