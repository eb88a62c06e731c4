"""``notebook-ops deploy BUNDLE --airflow URL``: a bundle handed to a running Airflow 3, and its runs.

Deploying puts two files where Airflow and its workers read them: the bundle's ``.tar.gz``
(``BUNDLES_URL/<name>-<version>.tar.gz``) and the DAG file (``DAGS_URL/<dag_id>_dag.py``, the
bundle's own, its bundle and data-store defaults pointing where they now are). Then it waits
until Airflow's DAG processor has parsed that version (REST API; a parse error is reported with
its last line), and may trigger a run with parameters (the DAG run's conf) and follow it. Each
task fetches the archive onto its own disk and exchanges step data through the data store
only (``run-step``), so tasks need no disk in common. Nothing secret is written: URLs carrying
credentials are refused, the Airflow credentials stay in the client.
"""

from __future__ import annotations

import tempfile
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from notebook_ops.bundle import archive, versions
from notebook_ops.bundle.load import open_bundle, verify_bundle
from notebook_ops.bundle.manifest import without_secrets
from notebook_ops.deploy import airflow_dag as airflow_target
from notebook_ops.deploy import upload
from notebook_ops.deploy.airflow_api import AirflowClient, AirflowError
from notebook_ops.deploy.airflow_dag import BUNDLE_PARAM
from notebook_ops.errors import ParameterError
from notebook_ops.model.parameters import check_plain, convert
from notebook_ops.model.secrets import env_name
from notebook_ops.util.backoff import delay
from notebook_ops.util.redact import redact

DONE = ("success", "failed")  # a DAG run's final states
POLL = 1.0


@dataclass
class Deployment:
    dag_id: str
    version: int
    dag_file: str  # where the DAG file went
    bundle_url: str  # where the archive went (the DAG's default ``bundle``)
    data_root: str | None  # the DAG's default ``data_root`` (None: the workers' NOTEBOOK_OPS_DATA)
    ui_url: str
    parsed_s: float = 0.0
    run: dict | None = None


def _no_secrets(url: str | None, what: str) -> None:
    """URLs written into the DAG file must not carry credentials (workers get theirs from the
    environment: AWS_*, GOOGLE_APPLICATION_CREDENTIALS, ...)."""
    if url and redact(url) != url:
        raise ParameterError(
            f"{what} {redact(url)} carries credentials, which would be written into the DAG file",
            hint="give the workers their store credentials through the environment",
        )


def archive_bytes(bundle) -> bytes:
    """The bundle's ``.tar.gz``: the archive given, the one export wrote beside the folder (if
    it holds the same bundle), else the folder packed the way export packs it."""

    if archive.is_archive(bundle.source):
        return Path(bundle.source).read_bytes()
    sibling = bundle.folder.with_name(bundle.folder.name + ".tar.gz")
    if sibling.is_file() and verify_bundle(sibling).digest == bundle.digest:
        return sibling.read_bytes()

    created = (bundle.manifest.get("provenance") or {}).get("created")
    epoch = int(datetime.fromisoformat(created.replace("Z", "+00:00")).timestamp()) if created else 0
    with tempfile.TemporaryDirectory(prefix="nbo-pack-") as tmp:
        dest = Path(tmp) / "bundle.tar.gz"
        archive.write_tar_gz(bundle.folder, dest, prefix=bundle.folder.name, epoch=epoch)
        return dest.read_bytes()


def conf_for(manifest: dict, values: dict) -> dict:
    """``-p`` values as the DAG run's conf: typed as the pipeline declares (Airflow checks each
    against its Param's JSON schema), unknown names refused."""

    declared = {p["name"]: p["type"] for p in manifest["parameters"]}
    secret = {p["name"] for p in manifest["parameters"] if p.get("secret")}
    conf = {}
    for name, value in values.items():
        if name not in declared:
            known = ", ".join(sorted(declared)) or "(none)"
            raise ParameterError(f"unknown parameter {name!r}", hint=f"known: {known}")
        if name in secret:  # a run's conf is stored and shown by Airflow
            raise ParameterError(
                f"parameter {name!r} is secret: a DAG run's conf does not carry secrets",
                hint=f"set the Airflow Variable {env_name(name)} (the DAG's tasks read it)",
            )
        typed = check_plain(name, convert(name, declared[name], value))
        conf[name] = list(typed) if isinstance(typed, tuple) else typed
    return conf


def deploy(
    bundle_path,
    client: AirflowClient,
    *,
    dags_url: str,
    bundles_url: str | None = None,
    data_url: str | None = None,
    timeout: float = 300.0,
    say=lambda text: None,
) -> Deployment:
    """Upload the archive and the DAG file, then wait until Airflow has parsed this version."""

    bundles_url = bundles_url or dags_url
    for url, what in ((dags_url, "DAGS_URL"), (bundles_url, "BUNDLES_URL"), (data_url, "the data URL")):
        _no_secrets(url, what)
    bundle = open_bundle(bundle_path)
    m = bundle.manifest
    dag_id = airflow_target.dag_id(m)
    name = f"{versions.folder_name(m['name'], m['version'])}.tar.gz"
    bundle_url = upload.put(archive_bytes(bundle), bundles_url, name)
    say(f"bundle {bundle.label} -> {redact(bundle_url)}")

    dag_text = airflow_target.render(without_secrets(m), bundle=bundle_url, data_root=data_url)
    dag_file = upload.put(dag_text.encode(), dags_url, f"{dag_id}_dag.py")
    say(f"DAG {dag_id} -> {redact(dag_file)}")
    started = time.monotonic()
    wait_parsed(client, dag_id, m, bundle_url, Path(dag_file).name, timeout=timeout, say=say)
    out = Deployment(
        dag_id=dag_id,
        version=m["version"],
        dag_file=dag_file,
        bundle_url=bundle_url,
        data_root=data_url,
        ui_url=client.ui_url(dag_id),
        parsed_s=time.monotonic() - started,
    )
    say(f"Airflow parsed {dag_id} v{m['version']} in {out.parsed_s:.1f}s: {out.ui_url}")
    return out


def _param_default(details: dict, name: str):
    value = (details.get("params") or {}).get(name)
    return value.get("value") if isinstance(value, dict) else value


def _parsed(details: dict, m: dict, bundle_url: str) -> bool:
    """Airflow holds *this* version: its docs name the version, its bundle default our upload."""

    head = (details.get("doc_md") or "").splitlines()[:1]
    return head == [f"# {m['name']} v{m['version']}"] and _param_default(details, BUNDLE_PARAM) == bundle_url


def _import_error(client: AirflowClient, file_name: str) -> str | None:
    listing = client.get("/importErrors", limit=100) or {}
    for err in listing.get("import_errors") or []:
        if str(err.get("filename") or "").endswith(file_name):
            lines = [x for x in str(err.get("stack_trace") or "").strip().splitlines() if x.strip()]
            return lines[-1].strip() if lines else "unknown error"
    return None


def wait_parsed(
    client, dag_id: str, m: dict, bundle_url: str, file_name: str, *, timeout: float, say
) -> dict:
    """Poll ``/dags/{dag_id}/details`` until the new version is there; ask for a re-parse when
    Airflow still holds an older one; a parse error of our file ends the wait with its reason."""
    deadline = time.monotonic() + timeout
    asked = False
    attempt = 0
    while True:
        attempt += 1
        try:
            details = client.get(f"/dags/{dag_id}/details")
        except AirflowError as exc:
            if exc.status != 404:
                raise
            details = None
        if details and _parsed(details, m, bundle_url):
            return details
        if details and details.get("file_token") and not asked:  # an older version: re-parse now
            client.request("PUT", f"/parseDagFile/{details['file_token']}")
            asked = True
        problem = _import_error(client, file_name)
        if problem:
            raise AirflowError(f"Airflow could not load {file_name}: {problem}", path=file_name)
        if time.monotonic() > deadline:
            raise AirflowError(
                f"Airflow did not parse {dag_id} v{m['version']} within {timeout:.0f}s",
                hint="is its dag-processor running and reading DAGS_URL? ([dag_processor] refresh_interval)",
            )
        if attempt == 5:
            say("waiting for Airflow's DAG processor to read the file ...")
        time.sleep(delay(attempt, POLL / 4, POLL * 2))


def trigger(client: AirflowClient, dag_id: str, conf: dict, *, unpause: bool = False) -> dict:
    """A manual DAG run with ``conf``; a paused DAG is unpaused only when asked (it would start
    its schedule too), else the run waits and the caller says so."""
    if unpause:
        client.patch(f"/dags/{dag_id}", {"is_paused": False})
    run = client.post(f"/dags/{dag_id}/dagRuns", {"logical_date": None, "conf": conf})
    run["paused"] = bool((client.get(f"/dags/{dag_id}") or {}).get("is_paused"))
    return run


def task_states(client: AirflowClient, dag_id: str, run_id: str) -> dict[str, dict]:
    listing = client.get(f"/dags/{dag_id}/dagRuns/{run_id}/taskInstances", limit=1000) or {}
    out = {}
    for ti in listing.get("task_instances") or []:
        out[ti["task_id"]] = {
            k: ti.get(k) for k in ("state", "try_number", "start_date", "end_date", "hostname", "pid")
        }
    return out


def describe_run(client: AirflowClient, run: dict, tasks: dict | None = None) -> dict:
    """One remote run as ``runs list --airflow`` and the lab show it."""
    dag_id, run_id = run["dag_id"], run["dag_run_id"]
    return {
        "dag_id": dag_id,
        "run_id": run_id,
        "state": run.get("state"),
        "run_type": run.get("run_type"),
        "queued_at": run.get("queued_at"),
        "start_date": run.get("start_date"),
        "end_date": run.get("end_date"),
        "conf": run.get("conf") or {},
        "tasks": tasks if tasks is not None else task_states(client, dag_id, run_id),
        "url": client.ui_url(dag_id, run_id),
    }


def follow(client, dag_id: str, run_id: str, *, timeout: float | None = None, say=lambda text: None) -> dict:
    """Poll the run until it ends, telling each task's state change; the described run."""
    deadline = None if timeout is None else time.monotonic() + timeout
    seen: dict[str, str] = {}
    attempt = 0
    while True:
        run = client.get(f"/dags/{dag_id}/dagRuns/{run_id}")
        tasks = task_states(client, dag_id, run_id)
        for task_id, ti in sorted(tasks.items(), key=lambda kv: str(kv[1].get("start_date") or "~")):
            if ti["state"] and seen.get(task_id) != ti["state"]:  # None: not scheduled yet
                seen[task_id] = ti["state"]
                say(f"  {task_id}: {ti['state']}")
        if run.get("state") in DONE:
            return describe_run(client, run, tasks)
        if deadline is not None and time.monotonic() > deadline:
            raise AirflowError(f"run {run_id} of {dag_id} is still {run.get('state')} after {timeout:.0f}s")
        attempt += 1
        time.sleep(delay(attempt, POLL / 4, POLL * 2))


def list_runs(client: AirflowClient, dag_id: str | None = None, *, limit: int = 20) -> list[dict]:
    """Runs, newest first, of one DAG or of every notebook-ops DAG (tag ``notebook-ops``)."""
    if dag_id:
        dag_ids = [dag_id]
    else:
        dags = client.get("/dags", tags="notebook-ops", limit=1000) or {}
        dag_ids = [d["dag_id"] for d in dags.get("dags") or []]
    runs: list[dict] = []
    for d in dag_ids:
        listing = client.get(f"/dags/{d}/dagRuns", order_by="-run_after", limit=limit) or {}
        runs += listing.get("dag_runs") or []
    runs.sort(key=lambda r: str(r.get("run_after") or r.get("queued_at") or ""), reverse=True)
    return [describe_run(client, r) for r in runs[:limit]]


def summary_line(run: dict) -> str:
    done = sum(1 for t in run["tasks"].values() if t.get("state") == "success")
    return f"{run['dag_id']} {run['run_id']}: {run['state']} ({done}/{len(run['tasks'])} tasks)"
