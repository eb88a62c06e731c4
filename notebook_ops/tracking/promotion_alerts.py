"""The alerts of a promotion, whoever makes it: a manual ``models promote`` (CLI or the lab), or
the promote setting after a run, local or as orchestrator tasks on any machine sharing the
tracking server.

The pipeline's ``alerts`` setting travels with its runs: each pipeline (parent) MLflow run
carries it as the tag ``notebook_ops.alerts`` (JSON, as the notebook or the bundle's manifest
holds it: destinations are ``env:NAME`` or plain URLs, never a credential; settings refuse
those). A promotion reads it from the run that made the version and queues ``model.promoted``
in the alerts outbox, keyed by model, version and alias: one alert per destination, however many
processes see the same promotion (a local run's tracking sync sends it too). Nothing here raises.
"""

from __future__ import annotations

import json
import logging
from typing import TYPE_CHECKING

from notebook_ops.tracking.registry import TAG

if TYPE_CHECKING:
    from mlflow.tracking import MlflowClient

log = logging.getLogger("notebook_ops.alerts")

ALERTS_TAG = TAG + "alerts"  # on the pipeline (parent) run


def alerts_tag(alerts) -> dict[str, str]:
    """The parent run's tag holding the pipeline's ``alerts`` setting (none: no tag)."""
    return {ALERTS_TAG: json.dumps(list(alerts), sort_keys=True)} if alerts else {}


def recorded_alerts(client: MlflowClient, step_run_id: str | None) -> list:
    """The ``alerts`` setting of the pipeline run whose step run ``step_run_id`` made a version
    ([] for a version made outside a run, or by a run that recorded none)."""
    if not step_run_id:
        return []
    try:
        parent = client.get_run(step_run_id).data.tags.get("mlflow.parentRunId")
        text = client.get_run(parent).data.tags.get(ALERTS_TAG) if parent else None
        alerts = json.loads(text) if text else []
        return alerts if isinstance(alerts, list) else []
    except Exception as exc:  # noqa: BLE001 - an alert never fails the promotion it reports
        log.warning("promotion alerts not read: %s", exc)
        return []


def send(client: MlflowClient, record: dict, pipeline: str | None) -> None:
    """``model.promoted`` for ``record`` (``promotion.promote``'s) to the destinations of the
    pipeline's ``alerts`` that name it; nothing when the version names no pipeline."""
    if not pipeline:
        return
    alerts = recorded_alerts(client, record.get("mlflow_run_id"))
    if not alerts:
        return
    from notebook_ops.alerts.dispatch import notify  # noqa: PLC0415 - only a promotion with alerts pays for it
    from notebook_ops.alerts.occurrences import from_event  # noqa: PLC0415 - as above

    notify(from_event({"type": "model.promoted", "pipeline": pipeline, "data": record}), alerts)
