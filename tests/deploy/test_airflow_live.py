"""``notebook-ops deploy`` to a running Airflow 3, for real: its api-server, scheduler and
dag-processor (LocalExecutor) started on loopback by this module, a moto S3 server beside it.

The diamond's bundle is deployed with ``--bundles s3://`` and ``--data-url s3://``, triggered
with a parameter and followed to success through the REST API; each task (its own process,
its own temporary folder) fetches the archive from S3 and exchanges step data through S3 only.
``runs list --airflow`` then shows the run with each task's state and its link. One Airflow for
the module: starting it costs about half a minute.
"""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.error
import urllib.request

import pytest

from airflowkit import PASSWORD, USER, airflow_services, export_diamond
from s3server import s3_server
from targetkit import NOTEBOOK_OPS
from waiting import eventually, jupyter_server_url


@pytest.fixture(scope="module")
def live(airflow_venv, tmp_path_factory):
    with s3_server() as s3:
        with airflow_services(airflow_venv, tmp_path_factory.mktemp("airflow_home"), s3.env) as af:
            yield af, s3


def nbo(*args, env, timeout=600):
    return subprocess.run([NOTEBOOK_OPS, *args], env=env, capture_output=True, text=True, timeout=timeout)


@pytest.fixture(scope="module")
def deployed(live, tmp_path_factory):
    af, s3 = live
    bundle = export_diamond(tmp_path_factory.mktemp("diamond"))
    env = {**af.client_env(), **s3.env}
    argv = ["deploy", str(bundle), "--airflow", af.url, "--dags", str(af.dags)]
    argv += ["--bundles", s3.url("bundles"), "--data-url", s3.url("data")]
    done = nbo(*argv, "--trigger", "-p", "n=10", "--wait", "--json", env=env)
    assert done.returncode == 0, (done.stdout[-3000:], done.stderr[-3000:], af.logs())
    listing = nbo("runs", "list", "--airflow", af.url, "--json", env=env, timeout=120)
    text = nbo("runs", "list", "--airflow", af.url, "--dag", "diamond", env=env, timeout=120)
    assert listing.returncode == 0 and text.returncode == 0, (listing.stderr, text.stderr)
    return {
        "work": bundle.parent.parent,
        "bundle": bundle,
        "deployment": json.loads(done.stdout),
        "outputs": done.stdout + done.stderr + listing.stdout + text.stdout,
        "runs": json.loads(listing.stdout),
        "text": text.stdout,
        "dag_file": af.dags / "diamond_dag.py",
        # as deployed: a later test deploys v2 over it (the suite runs in any order)
        "dag_text": (af.dags / "diamond_dag.py").read_text(),
    }


def _metrics(s3, run_id: str, step: str) -> dict:
    safe = "".join(c if c.isalnum() or c in "_.-" else "_" for c in run_id)
    raw = s3.fs().cat_file(f"{s3.bucket}/data/diamond/{safe}/{step}/_metrics.json")
    return {m["name"]: m["value"] for m in json.loads(raw)}


def test_deploy_puts_the_dag_and_the_archive_where_airflow_and_its_tasks_read_them(live, deployed):
    af, s3 = live
    d = deployed["deployment"]
    assert d["dag_id"] == "diamond" and d["version"] == 1
    assert d["bundle_url"] == s3.url("bundles/diamond-v1.tar.gz")
    assert s3.fs().exists(f"{s3.bucket}/bundles/diamond-v1.tar.gz")
    assert d["dag_file"] == str(deployed["dag_file"])
    assert d["ui_url"] == f"{af.url}/dags/diamond"
    dag = deployed["dag_text"]
    assert repr(s3.url("bundles/diamond-v1.tar.gz")) in dag and repr(s3.url("data")) in dag
    assert str(deployed["bundle"]) not in dag  # no path on the author's disk reaches the tasks


def test_the_triggered_run_succeeds_with_its_parameter(live, deployed):
    _, s3 = live
    run = deployed["deployment"]["run"]
    assert run["state"] == "success" and run["conf"] == {"n": 10}
    assert {t: ti["state"] for t, ti in run["tasks"].items()} == dict.fromkeys(
        ["start", "left", "right", "join"], "success"
    )
    assert _metrics(s3, run["run_id"], "join")["total"] == 45 + 9  # n=10: sum and max of range(10)


def test_tasks_ran_in_separate_processes_sharing_only_the_store(live, deployed):
    _, s3 = live
    run = deployed["deployment"]["run"]
    assert len({ti["pid"] for ti in run["tasks"].values()}) == 4  # Airflow's task processes
    m = _metrics(s3, run["run_id"], "join")
    assert m["processes"] == 4 and m["folders"] == 4  # each step's kernel: own process, own folder
    assert m["folders_left"] == 0  # the earlier tasks' folders were gone when join ran


def test_runs_list_shows_the_remote_run_with_each_tasks_state_and_link(live, deployed):
    af, _ = live
    run_id = deployed["deployment"]["run"]["run_id"]
    (row,) = [r for r in deployed["runs"] if r["run_id"] == run_id]
    assert row["dag_id"] == "diamond" and row["state"] == "success"
    assert {t: ti["state"] for t, ti in row["tasks"].items()} == dict.fromkeys(
        ["start", "left", "right", "join"], "success"
    )
    assert row["url"].startswith(f"{af.url}/dags/diamond/runs/manual__")
    lines = deployed["text"].splitlines()
    assert lines[0].split()[:3] == ["diamond", run_id, "success"]
    assert lines[1].strip() == "start success · left success · right success · join success"
    assert lines[2].strip() == row["url"]


def test_credentials_never_reach_the_dag_file_or_the_output(deployed):
    text = deployed["dag_file"].read_text() + deployed["outputs"]
    assert PASSWORD not in text and "Bearer" not in text and "eyJ" not in text  # no password, no JWT


def test_wrong_credentials_and_credentials_in_the_url_are_one_line_errors(live, tmp_path):
    af, _ = live
    env = {**af.client_env(), "NOTEBOOK_OPS_AIRFLOW_PASSWORD": "wrong"}
    done = nbo("runs", "list", "--airflow", af.url, env=env, timeout=60)
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert done.stderr.startswith("error: ") and "HTTP 401" in done.stderr and "wrong" not in done.stderr
    in_url = af.url.replace("://", f"://{USER}:{PASSWORD}@")
    done = nbo("runs", "list", "--airflow", in_url, env=af.client_env(), timeout=60)
    assert (
        done.returncode == 2
        and PASSWORD not in done.stderr
        and "credentials in the Airflow URL" in done.stderr
    )
    creds = tmp_path / "airflow.json"
    creds.write_text(json.dumps({"username": USER, "password": PASSWORD}))
    env = {k: v for k, v in af.client_env().items() if not k.startswith("NOTEBOOK_OPS_AIRFLOW")}
    done = nbo(
        "runs",
        "list",
        "--airflow",
        af.url,
        "--json",
        env={**env, "NOTEBOOK_OPS_AIRFLOW_CREDENTIALS": str(creds)},
    )
    assert done.returncode == 0 and isinstance(json.loads(done.stdout), list)


def test_the_jupyter_server_lists_the_remote_runs_for_the_lab(live, deployed, tmp_path, schema_check):
    """``GET /notebook-ops/api/remote-runs`` of a real Jupyter server configured with this
    Airflow (its credentials in the server's environment): the run, its tasks, its link."""
    af, _ = live
    token = "lab-token-for-tests"
    env = {**af.client_env(), "NOTEBOOK_OPS_AIRFLOW_URL": af.url}
    env["JUPYTER_RUNTIME_DIR"] = str(tmp_path / "runtime")
    argv = [sys.executable, "-m", "jupyter_server", "--port=0", "--ip=127.0.0.1", "--no-browser"]
    argv += ["--allow-root"]  # CI containers run as root
    argv += [f"--ServerApp.token={token}", f"--ServerApp.root_dir={tmp_path}"]
    argv += ['--ServerApp.jpserver_extensions={"notebook_ops.server": True}']
    with open(tmp_path / "jupyter.log", "wb") as log:
        proc = subprocess.Popen(argv, env=env, cwd=tmp_path, stdout=log, stderr=subprocess.STDOUT)
    try:
        base = jupyter_server_url(env["JUPYTER_RUNTIME_DIR"], proc, log=tmp_path / "jupyter.log")

        def get(path, auth=True):
            req = urllib.request.Request(
                base + path, headers={"Authorization": f"token {token}"} if auth else {}
            )
            try:
                with urllib.request.urlopen(req, timeout=60) as r:
                    return r.status, json.loads(r.read())
            except urllib.error.HTTPError as err:
                return err.code, None

        def up() -> bool:
            assert proc.poll() is None, (tmp_path / "jupyter.log").read_text()[-3000:]
            return get("/api/status")[0] == 200

        eventually(
            up,
            timeout=180,
            interval=0.5,
            what="the Jupyter server",
            retry_on=(OSError,),
            context=lambda: (tmp_path / "jupyter.log").read_text()[-3000:],
        )
        code, body = get("/notebook-ops/api/remote-runs?dag=diamond")
        assert code == 200, (tmp_path / "jupyter.log").read_text()[-3000:]
        schema_check("rest-remote-runs-response", body)  # the lab's generated types
        run_id = deployed["deployment"]["run"]["run_id"]
        (row,) = [r for r in body["runs"] if r["run_id"] == run_id]
        assert row["state"] == "success" and set(row["tasks"]) == {"start", "left", "right", "join"}
        assert body["airflow_url"] == af.url and PASSWORD not in json.dumps(body)
        assert get("/notebook-ops/api", auth=True)[1]["features"]["remote_runs"] is True
        assert get("/notebook-ops/api/remote-runs", auth=False)[0] == 403
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def test_a_new_version_replaces_the_old_one_in_airflow(live, deployed):
    """v2 (another default) deployed over v1: Airflow is asked to re-parse the file at once and
    the deploy returns when Airflow holds v2; v1's archive stays for the runs that used it."""
    af, s3 = live
    v2 = export_diamond(deployed["work"], n=4)
    assert v2.name == "diamond-v2"
    env = {**af.client_env(), **s3.env}
    argv = ["deploy", str(v2), "--airflow", af.url, "--dags", str(af.dags), "--bundles", s3.url("bundles")]
    done = nbo(*argv, "--data-url", s3.url("data"), "--json", "--timeout", "240", env=env)
    assert done.returncode == 0, (done.stderr[-3000:], af.logs())
    assert json.loads(done.stdout)["version"] == 2
    from notebook_ops.deploy.airflow_api import AirflowClient, Credentials

    details = AirflowClient(af.url, Credentials(username=USER, password=PASSWORD)).get(
        "/dags/diamond/details"
    )
    assert details["params"]["n"]["value"] == 4
    assert details["params"]["_nbo_bundle"]["value"] == s3.url("bundles/diamond-v2.tar.gz")
    assert s3.fs().exists(f"{s3.bucket}/bundles/diamond-v1.tar.gz")


def test_waiting_on_a_paused_dag_is_refused_in_one_line(live, deployed):
    af, s3 = live
    from notebook_ops.deploy.airflow_api import AirflowClient, Credentials

    AirflowClient(af.url, Credentials(username=USER, password=PASSWORD)).patch(
        "/dags/diamond", {"is_paused": True}
    )
    v2 = export_diamond(deployed["work"], n=4)  # the same content: v2, whichever test made it first
    env = {**af.client_env(), **s3.env}
    argv = ["deploy", str(v2), "--airflow", af.url, "--dags", str(af.dags), "--bundles", s3.url("bundles")]
    done = nbo(*argv, "--data-url", s3.url("data"), "--trigger", "--wait", env=env, timeout=300)
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert done.stderr.startswith("error: the DAG diamond is paused: run manual__")
    assert "(deploy with --unpause, or unpause it in Airflow's UI)" in done.stderr
