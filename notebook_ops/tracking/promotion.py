"""Promotion of a registered model version to an alias (``champion``), gated on the business
targets of the pipeline run that made it.

The gate reads MLflow only, so it judges a version wherever its run was logged (here, a
scheduled run, a bundle on a cluster sharing the tracking server): the version's step run,
its parent (the pipeline run) with its ``notebook_ops.status`` and ``target.<metric>`` tags
("<condition> -> met|missed") and metrics. A version passes when its run succeeded and met every
target; with ``vs`` it must also beat that alias's version on the objective (the metric named,
else the first target's), in the target's direction. A promotion sets the alias (MLflow 3
aliases, not stages), tags the version ``notebook_ops.promoted.<alias>`` with who, when, from
which run and why, publishes a ``model.promoted`` event to the configured sinks and alerts the
destinations of the pipeline's ``alerts`` setting (``promotion_alerts``; faces call
``gate`` and ``promote``: the CLI, the lab's routes, the promote setting through ``after_run``).
"""

from __future__ import annotations

import getpass
import json
import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import TYPE_CHECKING

from notebook_ops.errors import NotFoundError
from notebook_ops.events.publish import publish_model_promoted
from notebook_ops.tracking import promotion_alerts
from notebook_ops.tracking.registry import TAG
from notebook_ops.util.redact import redact

if TYPE_CHECKING:
    from mlflow.tracking import MlflowClient

_TARGET = re.compile(r"^(?P<cond>.*?)\s*->\s*(?P<met>met|missed)$")


@dataclass
class Verdict:
    name: str
    version: str
    passed: bool
    reasons: list[str] = field(default_factory=list)  # why it passes or not, with the numbers
    run_id: str | None = None  # the notebook-ops run that made it
    metrics: dict[str, float] = field(default_factory=dict)
    mlflow_run_id: str | None = None  # the step's MLflow run the version's files come from
    pipeline: str | None = None


def model_version(client: MlflowClient, name: str, version: str | None):
    try:
        if version is None:
            found = client.search_model_versions(f"name = '{name}'")
            if not found:
                raise NotFoundError(f"model {name!r} has no version (log one with nbo.log_model)")
            return max(found, key=lambda v: int(v.version))
        return client.get_model_version(name, str(version))
    except NotFoundError:
        raise
    except Exception as exc:
        raise NotFoundError(f"model {name!r} version {version}: not in the registry ({exc})") from None


def pipeline_run(client: MlflowClient, mv):
    """The pipeline (parent) run of a version's step run; None for a model logged outside a run."""
    if not mv.run_id:
        return None
    step_run = client.get_run(mv.run_id)
    parent = step_run.data.tags.get("mlflow.parentRunId")
    return client.get_run(parent) if parent else None


def targets_of(run) -> dict[str, tuple[str, bool]]:
    """{metric: (condition, met)} from the run's ``target.<metric>`` tags."""
    out = {}
    for k, v in run.data.tags.items():
        m = _TARGET.match(v) if k.startswith("target.") else None
        if m:
            out[k[len("target.") :]] = (m["cond"], m["met"] == "met")
    return out


def higher_is_better(condition: str) -> bool:
    return not condition.lstrip().startswith("<")


def gate(
    client: MlflowClient, name: str, version: str | None = None, *, vs: str | None = None, metric=None
) -> Verdict:
    """Judge ``name`` ``version`` (the newest when None) for promotion."""
    mv = model_version(client, name, version)
    v = Verdict(
        name=name,
        version=str(mv.version),
        passed=False,
        mlflow_run_id=mv.run_id or None,
        pipeline=(mv.tags or {}).get(TAG + "pipeline"),
    )
    run = pipeline_run(client, mv)
    if run is None:
        v.reasons.append(f"version {mv.version} was not made by a pipeline run: no targets to check")
        return v
    v.run_id = run.data.tags.get(TAG + "run_id")
    v.metrics = dict(run.data.metrics)
    status = run.data.tags.get(TAG + "status")
    targets = targets_of(run)
    ok = status == "succeeded"
    if status != "succeeded":
        v.reasons.append(f"its run {v.run_id} ended {status or 'without a status'}")
    for m, (cond, met) in sorted(targets.items()):
        value = v.metrics.get(m)
        shown = f"{value:g}" if isinstance(value, float) else "not measured"
        v.reasons.append(f"{m} {shown} (target {cond}): {'met' if met else 'missed'}")
        ok = ok and met
    if not targets:
        v.reasons.append("the pipeline sets no metric_targets: only its status is checked")
    if vs:
        ok = _beats(client, v, vs, metric or (sorted(targets)[0] if targets else None), targets) and ok
    v.passed = ok
    return v


def _beats(client: MlflowClient, v: Verdict, alias: str, metric, targets) -> bool:
    try:
        other = client.get_model_version_by_alias(v.name, alias)
    except Exception:
        v.reasons.append(f"no version is {alias!r} yet: nothing to beat")
        return True
    if str(other.version) == v.version:
        v.reasons.append(f"version {v.version} is already {alias!r}")
        return False
    if metric is None:
        v.reasons.append(f"no objective to compare with {alias!r} (set metric_targets or --metric)")
        return False
    theirs_run = pipeline_run(client, other)
    theirs = (theirs_run.data.metrics if theirs_run else {}).get(metric)
    mine = v.metrics.get(metric)
    if mine is None:
        v.reasons.append(f"{metric} was not measured by version {v.version}'s run")
        return False
    if theirs is None:
        v.reasons.append(f"{alias!r} (version {other.version}) has no {metric}: nothing to beat")
        return True
    up = higher_is_better(targets.get(metric, (">=", True))[0])
    better = mine > theirs if up else mine < theirs
    word = "beats" if better else "does not beat"
    v.reasons.append(f"{metric} {mine:g} {word} {alias!r} (version {other.version}) {theirs:g}")
    return better


def _holder(client: MlflowClient, name: str, alias: str) -> int | None:
    """The version ``alias`` points at now (None: no version has it)."""
    try:
        return int(client.get_model_version_by_alias(name, alias).version)
    except Exception:  # MLflow raises RESOURCE_DOES_NOT_EXIST (or INVALID_PARAMETER_VALUE)
        return None


def promote(
    client: MlflowClient,
    verdict: Verdict,
    alias: str,
    *,
    why: str = "",
    forced=False,
    origin: str = "manual",
    events=(),
) -> dict:
    """Point ``alias`` at the judged version, tag it with the promotion and publish
    ``model.promoted`` (to the configured sinks and ``events``); returns the event's data."""
    record = {
        "model": verdict.name,
        "version": int(verdict.version),
        "alias": alias,
        "previous_version": _holder(client, verdict.name, alias),
        "by": getpass.getuser(),
        "at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "run_id": verdict.run_id,
        "mlflow_run_id": verdict.mlflow_run_id,
        "why": why,
        "gate": "forced" if forced and not verdict.passed else "passed",
        "checks": verdict.reasons,
        "origin": origin,
        "tracking_uri": redact(client.tracking_uri),
    }
    client.set_registered_model_alias(verdict.name, alias, verdict.version)
    tag = {k: record[k] for k in ("alias", "by", "at", "run_id", "why", "gate", "checks", "previous_version")}
    client.set_model_version_tag(verdict.name, verdict.version, f"{TAG}promoted.{alias}", json.dumps(tag))
    publish_model_promoted(record, pipeline=verdict.pipeline, extra=events)
    promotion_alerts.send(client, record, verdict.pipeline)  # the pipeline's alerts, once each
    return record


def after_run(client: MlflowClient, state: dict, setting: dict, events=()) -> dict:
    """The pipeline's ``promote`` setting applied to the version its run registered (``state``:
    logged.json's content, its step runs' ids): promoted if the gate passes (``model.promoted``
    goes to the configured sinks and the run's ``events``). Returns what happened (kept in
    logged.json, and as the parent run's tag ``notebook_ops.promotion``)."""
    name, alias = setting["model"], setting["alias"]
    runs = set((state.get("steps") or {}).values())
    made = [v for v in client.search_model_versions(f"name = '{name}'") if v.run_id in runs]
    if not made:
        out = {
            "model": name,
            "alias": alias,
            "promoted": False,
            "reasons": ["this run registered no version"],
        }
    else:
        version = str(max(int(v.version) for v in made))
        verdict = gate(client, name, version, vs=setting.get("vs"), metric=setting.get("metric"))
        if verdict.passed:
            why = "the pipeline's promote setting, after its run"
            promote(client, verdict, alias, why=why, origin="setting", events=events)
        out = {
            "model": name,
            "alias": alias,
            "version": version,
            "promoted": verdict.passed,
            "reasons": verdict.reasons,
        }
    verdict_text = (
        f"v{out.get('version', '-')} -> {alias}: {'promoted' if out['promoted'] else 'not promoted'}"
    )
    text = f"{name} {verdict_text}; " + "; ".join(out["reasons"])
    client.set_tag(state["run_id"], TAG + "promotion", text[:5000])
    return out
