"""The registry as the lab shows it: each model's versions with lineage, the run's metrics
against its targets, its cost and the promotion gate's verdict; and promotion from the lab.

Reads MLflow only (the same facts ``notebook-ops models show`` and the gate read, in
``tracking.promotion``), so a version logged by a scheduled run or a bundle on a cluster sharing
the store shows the same. A read never creates a store.
"""

from __future__ import annotations

import json
import os
import re
from datetime import datetime, timezone

from notebook_ops.errors import NotebookOpsError
from notebook_ops.model.contracts.models import (
    GateVerdict,
    ModelsResponse,
    ModelVersionView,
    Promotion,
    PromoteResponse,
    RegisteredModelView,
)
from notebook_ops.tracking.mlflow_tracker import default_store
from notebook_ops.tracking.promotion import gate, pipeline_run, promote
from notebook_ops.tracking.registry import TAG

ALIAS = re.compile(r"[A-Za-z0-9_-]{1,64}")
VERSIONS_SHOWN = 10  # the newest versions of each model in a listing


def store_uri(base_dir: str | os.PathLike) -> str | None:
    """The MLflow store the runs of notebooks in ``base_dir`` log to (``MLFLOW_TRACKING_URI``,
    else ``<base_dir>/.notebook_ops/mlflow.db``); None when that default store does not exist."""
    env = os.environ.get("MLFLOW_TRACKING_URI")
    if env:
        return env
    db = default_store(base_dir)
    return f"sqlite:///{db}" if db.is_file() else None


def _client(uri: str):
    from mlflow.tracking import MlflowClient  # noqa: PLC0415 - MLflow takes 1-2 s to import

    return MlflowClient(tracking_uri=uri)


def _iso(ms) -> str:
    if not ms:
        return ""
    return (
        datetime.fromtimestamp(ms / 1000, tz=timezone.utc)
        .isoformat(timespec="seconds")
        .replace("+00:00", "Z")
    )


def _promotions(tags: dict) -> list[Promotion]:
    out = []
    for key, text in sorted(tags.items()):
        if not key.startswith(TAG + "promoted."):
            continue
        try:
            record = json.loads(text)
        except ValueError:
            continue
        out.append(Promotion.from_dict({**record, "alias": key[len(TAG + "promoted.") :]}))
    return out


def _parameters(tags: dict) -> dict[str, str]:
    try:
        values = json.loads(tags.get(TAG + "parameters") or "{}")
    except ValueError:
        return {}
    return {str(k): str(v) for k, v in values.items()} if isinstance(values, dict) else {}


def version_view(client, name: str, mv, aliases: list[str]) -> ModelVersionView:
    """One version as the lab shows it (a few MLflow reads: the step run, the pipeline run)."""
    tags = dict(mv.tags or {})
    view = ModelVersionView(
        version=int(mv.version),
        aliases=sorted(aliases),
        created_at=_iso(mv.creation_timestamp),
        pipeline=tags.get(TAG + "pipeline"),
        run_id=tags.get(TAG + "run_id"),
        step=tags.get(TAG + "step"),
        git_commit=tags.get(TAG + "git_commit"),
        bundle=tags.get(TAG + "bundle"),
        bundle_version=tags.get(TAG + "bundle_version"),
        parameters=_parameters(tags),
        promotions=_promotions(tags),
    )
    run = pipeline_run(client, mv)
    if run is not None:
        view.status = run.data.tags.get(TAG + "status")
        view.metrics = {k: float(v) for k, v in run.data.metrics.items()}
        view.targets = {k[len("target.") :]: v for k, v in run.data.tags.items() if k.startswith("target.")}
        view.cpu_s = view.metrics.get("cpu_s")
        if run.info.end_time and run.info.start_time:
            view.duration_s = round((run.info.end_time - run.info.start_time) / 1000, 3)
    verdict = gate(client, name, str(mv.version))
    view.gate = GateVerdict(verdict.passed, verdict.reasons)
    return view


def list_models(uri: str | None, pipeline: str | None = None, limit: int = VERSIONS_SHOWN) -> ModelsResponse:
    """The registered models in the store at ``uri`` (only those with a version ``pipeline``
    registered, when given), each with its newest ``limit`` versions."""
    if uri is None:
        return ModelsResponse(models=[], store=False)
    client = _client(uri)
    out = []
    for rm in client.search_registered_models():
        versions = sorted(client.search_model_versions(f"name = '{rm.name}'"), key=lambda v: -int(v.version))
        if pipeline is not None and not any(
            (v.tags or {}).get(TAG + "pipeline") == pipeline for v in versions
        ):
            continue
        by_version: dict[str, list[str]] = {}
        for alias, number in (rm.aliases or {}).items():
            by_version.setdefault(str(number), []).append(alias)
        out.append(
            RegisteredModelView(
                name=rm.name,
                aliases={a: int(v) for a, v in sorted((rm.aliases or {}).items())},
                versions=[
                    version_view(client, rm.name, v, by_version.get(str(v.version), []))
                    for v in versions[:limit]
                ],
                total_versions=len(versions),
            )
        )
    return ModelsResponse(models=sorted(out, key=lambda m: m.name))


def promote_version(
    uri: str | None, name: str, alias: str, version: int | None = None, *, why: str = "", force: bool = False
) -> PromoteResponse:
    """Point ``alias`` at ``version`` (default: the newest) when the gate passes, or anyway with
    ``force`` (recorded as forced); a refusal is an answer (``promoted`` false), not an error."""
    if not ALIAS.fullmatch(alias):
        raise NotebookOpsError(f"alias {alias!r}: letters, digits, '_' and '-' only (at most 64)")
    if uri is None:
        raise NotebookOpsError(
            f"model {name!r}: no MLflow store for this notebook", hint="run the pipeline once (tracking on)"
        )
    client = _client(uri)
    verdict = gate(client, name, None if version is None else str(version))
    promoted = verdict.passed or force
    if promoted:
        record = promote(client, verdict, alias, why=why or "promoted from JupyterLab", forced=force)
        verdict.reasons.append(f"promoted by {record['by']} ({record['gate']})")
    return PromoteResponse(
        name=name,
        version=int(verdict.version),
        alias=alias,
        promoted=promoted,
        gate=GateVerdict(verdict.passed, verdict.reasons),
    )
