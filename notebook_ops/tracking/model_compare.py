"""Two versions of a registered model side by side: the parameters and metrics of the pipeline
runs that made them (with the pipeline's metric targets and the objective promotion judges on),
and their lineage (run, step, commit, bundle version, input fingerprints).

Read from MLflow only, like the promotion gate (``promotion.py``), so it compares versions made
anywhere that logs to the same registry. The faces (``models compare``, the lab) render
``compare``'s plain dict.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from notebook_ops.errors import NotebookOpsError, NotFoundError
from notebook_ops.tracking.promotion import higher_is_better, model_version, pipeline_run, targets_of
from notebook_ops.tracking.registry import LINEAGE, TAG

if TYPE_CHECKING:
    from mlflow.tracking import MlflowClient

# lineage rows shown, in order (parameters are shown as parameters)
LINEAGE_ROWS = tuple(k for k in LINEAGE if k != "parameters")


def _by_alias(client: MlflowClient, name: str, alias: str) -> str:
    try:
        return str(client.get_model_version_by_alias(name, alias).version)
    except Exception:  # MLflow raises RESOURCE_DOES_NOT_EXIST or INVALID_PARAMETER_VALUE
        raise NotFoundError(
            f"model {name!r} has no version {alias!r} (models show {name} lists them)"
        ) from None


def which(client: MlflowClient, name: str, versions=(), aliases=()) -> list[str]:
    """The two version numbers to compare: ``versions``, ``aliases``, else the two newest."""
    if versions and aliases:
        raise NotebookOpsError("give two versions or --aliases A B, not both")
    if aliases:
        return [_by_alias(client, name, a) for a in aliases]
    if versions:
        if len(versions) != 2:
            raise NotebookOpsError(f"give two versions to compare (got {len(versions)}), or --aliases A B")
        return [str(v) for v in versions]
    found = sorted((int(v.version) for v in client.search_model_versions(f"name = '{name}'")), reverse=True)
    if len(found) < 2:
        raise NotFoundError(
            f"model {name!r} has {len(found)} version(s): nothing to compare",
            hint="log another version with nbo.log_model",
        )
    return [str(found[1]), str(found[0])]


def facts(client: MlflowClient, name: str, version: str, aliases: dict[str, list[str]]) -> dict:
    """What one version is: its run's status, parameters, metrics, targets and lineage."""
    mv = model_version(client, name, version)
    lineage = {k[len(TAG) :]: v for k, v in (mv.tags or {}).items() if k.startswith(TAG)}
    run = pipeline_run(client, mv)
    try:
        step_params = json.loads(lineage.get("parameters") or "{}")
    except ValueError:
        step_params = {}
    return {
        "version": int(mv.version),
        "aliases": sorted(aliases.get(str(mv.version), [])),
        "status": run.data.tags.get(TAG + "status") if run else None,
        "mlflow_run_id": mv.run_id or None,
        # the pipeline run's parameters (all of them, as MLflow keeps them: text), else those
        # the step read (lineage)
        "parameters": dict(run.data.params) if run else {k: str(v) for k, v in step_params.items()},
        "metrics": dict(run.data.metrics) if run else {},
        "targets": targets_of(run) if run else {},
        "lineage": {k: lineage.get(k) for k in LINEAGE_ROWS},
    }


def _rows(names, values_of) -> list[dict]:
    out = []
    for n in sorted(names):
        values = [values_of(i, n) for i in (0, 1)]
        out.append({"name": n, "values": values, "differs": values[0] != values[1]})
    return out


def compare(client: MlflowClient, name: str, versions=(), aliases=(), *, metric: str | None = None) -> dict:
    """``name``'s two versions side by side (``which`` picks them); JSON-ready.

    ``objective``: the metric promotion judges on (``metric``, else the first metric target,
    as ``models promote --vs``), its direction and the better version (None: a tie or not
    measured by both)."""
    chosen = which(client, name, versions, aliases)
    held: dict[str, list[str]] = {}
    try:
        for alias, number in client.get_registered_model(name).aliases.items():
            held.setdefault(str(number), []).append(alias)
    except Exception:
        raise NotFoundError(f"no registered model {name!r} (models list shows those there are)") from None
    a, b = (facts(client, name, v, held) for v in chosen)
    pair = (a, b)
    targets = {**b["targets"], **a["targets"]}  # the same pipeline's, as either run recorded them
    metrics = []
    for row in _rows(set(a["metrics"]) | set(b["metrics"]), lambda i, n: pair[i]["metrics"].get(n)):
        x, y = row["values"]
        cond = targets.get(row["name"], (None, None))[0]
        met = [pair[i]["targets"].get(row["name"], (None, None))[1] for i in (0, 1)]
        delta = y - x if isinstance(x, (int, float)) and isinstance(y, (int, float)) else None
        metrics.append({**row, "target": cond, "met": met, "delta": delta})
    objective = metric or (sorted(targets)[0] if targets else None)
    better = None
    up = higher_is_better(targets.get(objective, (">=", None))[0]) if objective else True
    if objective:
        x, y = (p["metrics"].get(objective) for p in pair)
        if x is not None and y is not None and x != y:
            better = (a if (x > y) == up else b)["version"]
    return {
        "model": name,
        "versions": [{k: p[k] for k in ("version", "aliases", "status", "mlflow_run_id")} for p in pair],
        "parameters": _rows(
            set(a["parameters"]) | set(b["parameters"]), lambda i, n: pair[i]["parameters"].get(n)
        ),
        "metrics": metrics,
        "objective": {"metric": objective, "higher_is_better": up, "better": better} if objective else None,
        "lineage": [
            {
                "name": k,
                "values": [p["lineage"][k] for p in pair],
                "differs": a["lineage"][k] != b["lineage"][k],
            }
            for k in LINEAGE_ROWS
        ],
    }
