"""An export's MLflow run, from an entry file, exactly once.

``bundle.tracking`` describes the run an export gets (tags, parameters, the files to attach) in
``<project>/.notebook_ops/exports/<id>.json``; ``sync_exports`` logs every entry not logged yet
and writes the MLflow run's id into it. The export command leaves that to a follower process
(``tracking.follow --export``); a long-lived process (the Jupyter server) logs at once. An entry
a dead process left is logged by the next follower of that project, or ``runs sync``; the run
found in the store by its ``notebook_ops.export_id`` tag is completed, never logged twice.
"""

from __future__ import annotations

import secrets
import time
from pathlib import Path

from notebook_ops.tracking.mlflow_tracker import Session, first_line
from notebook_ops.tracking.sync import die_here, read_json
from notebook_ops.util import atomic
from notebook_ops.util.locks import folder_lock

EXPORTS = "exports"


def new_entry(state_dir, entry: dict) -> Path:
    """Write ``entry`` (experiment, tracking_uri, artifact_root, run_name, tags, params,
    artifacts) as a new entry file; -> its path."""
    eid = time.strftime("%Y%m%d-%H%M%S", time.gmtime()) + "-" + secrets.token_hex(3)
    path = Path(state_dir) / EXPORTS / f"{eid}.json"
    return atomic.write_json(path, {**entry, "id": eid, "mlflow_run_id": None})


def log_entry(entry: dict) -> str:
    """The MLflow run of ``entry`` (created, or found and completed); its id."""
    from mlflow.entities import Param  # noqa: PLC0415 - mlflow costs 1703 ms CPU to import, loaded on first use

    session = Session(entry["experiment"], entry["tracking_uri"], entry.get("artifact_root"))
    client = session.open()
    found = session.find(f"tags.`notebook_ops.export_id` = '{entry['id']}'")
    if found is not None and found.info.end_time:
        return found.info.run_id
    if found is None:
        found = client.create_run(
            str(session.experiment_id), tags={**entry["tags"], "notebook_ops.export_id": entry["id"]}
        )
        die_here("export")
    rid = found.info.run_id
    try:
        params = [Param(k, str(v)) for k, v in entry["params"].items() if k not in found.data.params]
        if params:
            client.log_batch(rid, params=params)
        for path, folder in entry["artifacts"]:
            client.log_artifact(rid, str(path), artifact_path=folder)
    except BaseException:
        client.set_terminated(rid, status="FAILED")
        raise
    client.set_terminated(rid, status="FINISHED")
    return rid


def sync_exports(folder, only=None) -> dict[str, str]:
    """Log every entry in ``folder`` (or just ``only``) not logged yet; {entry id: MLflow run id}.
    A failure is kept in the entry (``error``) and retried next time."""
    folder = Path(folder)
    if not folder.is_dir():
        return {}
    done = {}
    with folder_lock(folder):
        for path in [Path(only)] if only else sorted(folder.glob("*.json")):
            entry = read_json(path)
            if entry is None or entry.get("mlflow_run_id"):
                continue
            try:
                entry["mlflow_run_id"] = log_entry(entry)
                entry.pop("error", None)
                done[entry["id"]] = entry["mlflow_run_id"]
            except Exception as exc:  # noqa: BLE001 - kept; the next sync retries
                entry["error"] = first_line(exc)
            atomic.write_json(path, entry)
    return done
