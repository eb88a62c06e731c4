"""What a ``run-step`` task records in MLflow: its step's run and the models the step logged,
registered with the bundle's lineage, and, for the last step of the run (or a failed one), the
run's outcome and the pipeline's promote setting (``tracking.tasks`` writes them).

The step's records are built here, from what the task sees: the bundle's manifest, the data
store (the step's metrics and saved models, its inputs' fingerprints, which steps have run).
A tracking failure never fails the step: it is kept in the result's ``tracking_error``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path

from notebook_ops.bundle.run import bundle_tags
from notebook_ops.execution.cache import step_key
from notebook_ops.execution.objectives import check_targets
from notebook_ops.kernel_side.data_store import METRICS
from notebook_ops.kernel_side.model_logging import MODELS, MODELS_JSON
from notebook_ops.tracking import tasks
from notebook_ops.tracking.mlflow_tracker import first_line
from notebook_ops.tracking.registry import lineage_tags
from notebook_ops.util.redact import redact_text


def now_iso() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds")


def inputs_key(pipeline, store, step: str, notebook: dict, values: dict) -> str:
    """The fingerprint of the step's code, the parameters it read and its inputs' contents (the
    cache key of a local run, from what this task sees: the inputs in the data store)."""
    s = pipeline.step(step)
    hashes = {}
    for name, producer in s.input_sources:
        entry = (store.manifest(producer).get("outputs") or {}).get(name) or {}
        hashes[name] = [producer, entry.get("sha256")]
    params = {k: values.get(k) for k in sorted(s.parameters_read)}
    return step_key(notebook, params, hashes, pipeline.kernel_name)


def _saved_models(store, step: str, into: Path) -> list[dict]:
    """The models the step saved in the data store (any fsspec store), copied to ``into``."""
    out = []
    for m in store.read_json((step, MODELS_JSON), default=[]) or []:
        folder = into / m["name"]
        for rel in m.get("files") or []:
            target = folder / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(store.read_bytes((step, MODELS, m["name"], *rel.split("/"))))
        out.append({"name": m["name"], "flavor": m.get("flavor"), "path": str(folder)})
    return out


def _finished(pipeline, step: str, succeeded: Callable[[], dict[str, int]]) -> bool:
    """This step's task finishes the run: no step comes after it, and every other step has
    succeeded. A step that comes after all the others knows it from the graph (an orchestrator
    starts a task once its upstream tasks succeeded). Otherwise (several final steps, or one not
    after all the others) the steps' MLflow runs tell (``succeeded``: {step: when it ended}; a
    task's store may hold only its producers' data: Kubeflow Pipelines). Of the final steps,
    the one that ended last (then by name) finishes, so that two final tasks that both see
    every step done finish the run once; a failed step's task has finished it already."""
    if pipeline.downstream(step):
        return False
    others = set(pipeline.step_names) - {step}
    if others <= pipeline.upstream(step):
        return True
    done = succeeded()
    if step not in done or not others <= set(done):
        return False
    finals = [s for s in pipeline.step_names if not pipeline.downstream(s)]
    return max(finals, key=lambda s: (done[s], s)) == step


def track_step(
    tmp: Path, bundle, pipeline, store, step, run_id, values, steprec, notebook_path, uri, result
) -> dict | None:
    """The step's MLflow records and models (and, on the last step or a failure, the run's
    outcome and the promote setting) in the store at ``uri``; failures go to
    ``result.tracking_error``: the step's own outcome stands. Returns the run's final record
    when this task finished the run."""
    manifest = bundle.manifest
    shown = dict(values)  # secrets were taken out before
    params = {k: shown[k] for k in pipeline.step(step).parameters_read if k in shown}
    record = tasks.run_record(manifest, run_id, bundle_tags(bundle), shown)
    models = []
    if result.ok:
        tags = lineage_tags(record, step, params, steprec)
        models = [{**m, "tags": tags} for m in _saved_models(store, step, tmp / "models")]
    metrics = store.read_json((step, METRICS), default=[]) or []
    artifacts = [(str(notebook_path), "notebooks")] if Path(notebook_path).exists() else []
    try:
        session = tasks.session(manifest, uri)
        parent = tasks.log_step(session, record, step, steprec, params, metrics, artifacts, models)
        client = session.open()
        for m in models:
            found = client.search_model_versions(f"name = '{m['name']}'")
            mine = [
                v
                for v in found
                if v.tags.get("notebook_ops.run_id") == run_id and v.tags.get("notebook_ops.step") == step
            ]
            if mine:
                result.models[m["name"]] = str(max(int(v.version) for v in mine))
        if not result.ok or _finished(pipeline, step, lambda: tasks.succeeded_steps(session, parent)):
            everything: dict = {}
            recorded = None  # the steps' MLflow runs, read once if the store lacks a step's metrics
            for s in pipeline.step_names:
                rows = store.read_json((s, METRICS), default=None)
                if rows is None and s != step:  # not staged into this task (KFP): its MLflow run's
                    recorded = tasks.step_metrics(session, parent) if recorded is None else recorded
                    everything.update(recorded.get(s, {}))
                else:
                    everything.update({r["name"]: r["value"] for r in rows or []})
            targets = check_targets(manifest.get("metric_targets"), everything)
            status = (
                "failed"
                if not result.ok
                else "below_target"
                if any(t["met"] is False for t in targets)
                else "succeeded"
            )
            final = {
                **record,
                "status": status,
                "metrics": everything,
                "targets": targets,
                "finished_at": now_iso(),
            }
            if not result.ok:
                final["error"] = f"step {step}: {result.error}"
            result.promotion = tasks.finish(session, final, manifest.get("promote"))
            return final
    except Exception as exc:  # noqa: BLE001 - a broken store never fails the step it records
        result.tracking_error = redact_text(first_line(exc))  # no credential of the store
    return None
