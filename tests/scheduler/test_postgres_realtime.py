"""The store on PostgreSQL, end to end as a user runs it: `schedule add --db postgresql+psycopg://`
and `notebook-ops scheduler --db ...` in real time; a seconds cron fires a small notebook through
the real runner (kernel, MLflow), and `runs list` reads the result back from the server."""

import json
import os
import signal
import subprocess
import sys

import pytest
from waiting import eventually
from nbfactory import make_notebook, write_notebook

pytestmark = pytest.mark.slow


def test_a_cron_schedule_fires_a_real_run_with_its_store_on_postgresql(pg_cluster, tmp_path, monkeypatch):
    monkeypatch.delenv("NOTEBOOK_OPS_DB", raising=False)
    name = pg_cluster.create_db(migrated=False)  # the CLI makes the schema
    url = pg_cluster.url(name)
    nb = make_notebook([("n = 3", ["parameters"]), ("total = sum(range(n))\nprint(total)", ["step:sum"])])
    write_notebook(tmp_path / "small.ipynb", nb)
    env = {**os.environ, "MLFLOW_TRACKING_URI": f"sqlite:///{tmp_path / 'mlflow.db'}"}
    env.pop("NOTEBOOK_OPS_DB", None)

    def nbo(*a):
        return subprocess.run(
            [sys.executable, "-m", "notebook_ops", *a],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )

    add = nbo(
        "schedule",
        "add",
        "small.ipynb",
        "--cron",
        "*/3 * * * * *",
        "--catchup",
        "skip",
        "-p",
        "n=5",
        "--db",
        url,
    )
    assert add.returncode == 0, add.stderr
    assert not (tmp_path / ".notebook_ops" / "scheduler.db").exists()  # not the SQLite default
    log = open(tmp_path / "scheduler.log", "w")
    svc = subprocess.Popen(
        [sys.executable, "-m", "notebook_ops", "scheduler", "--workers", "1", "--db", url],
        cwd=tmp_path,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )

    def settled() -> list:
        assert svc.poll() is None, (tmp_path / "scheduler.log").read_text()
        runs = nbo("schedule", "runs", "small", "--json", "--db", url)
        assert runs.returncode == 0, runs.stderr
        return [r for r in json.loads(runs.stdout) if r["state"] not in ("pending", "running")]

    try:  # bounded: a real run on a busy 2-core machine
        done = eventually(
            settled,
            timeout=300,
            interval=1,
            what="a settled run",
            context=lambda: (tmp_path / "scheduler.log").read_text(),
        )
    finally:
        svc.send_signal(signal.SIGTERM)
        rc = svc.wait(60)
    assert rc == 0
    r = done[0]
    assert r["state"] == "succeeded", r
    rec = json.loads(open(os.path.join(r["run_dir"], "run.json")).read())
    assert rec["status"] == "succeeded" and rec["parameters"]["n"] == 5 and rec["run_id"] == r["run_id"]
    assert r["mlflow_run_id"] == rec["mlflow"]["run_id"]
    assert r["scheduled_for"][17:19] in {f"{s:02d}" for s in range(0, 60, 3)}
    text = (tmp_path / "scheduler.log").read_text()
    assert f"127.0.0.1:{pg_cluster.port}/{name}" in text and "scheduler stopped" in text
    env["NOTEBOOK_OPS_DB"] = url  # the variable chooses the store too
    (listed,) = json.loads(nbo("schedule", "list", "--json").stdout)
    assert listed["name"] == "small" and listed["parameters"] == {"n": "5"}


def test_an_unreachable_server_is_one_line(tmp_path, monkeypatch):
    monkeypatch.delenv("NOTEBOOK_OPS_DB", raising=False)
    p = subprocess.run(
        [
            sys.executable,
            "-m",
            "notebook_ops",
            "schedule",
            "list",
            "--db",
            "postgresql+psycopg://nobody:secret@127.0.0.1:1/nodb",
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert p.returncode != 0 and "Traceback" not in p.stderr
    assert len(p.stderr.strip().splitlines()) == 1, p.stderr
    assert "schedule store" in p.stderr and "secret" not in p.stderr
