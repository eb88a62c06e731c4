"""Faults of the stores a run writes (issue 26, items 2 and 5): the default MLflow store under
concurrent first runs, a half-migrated store, the scheduler's store deleted under the service,
a full disk. Real processes, real kernels, a real sqlite store.

Groups (case ids): g2- MLflow store, g5- scheduler store and full disk.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from functools import partial
from pathlib import Path

import pytest
from waiting import eventually

from nbfactory import make_notebook, write_notebook
from notebook_ops.util import faults
from notebook_ops.util import procs
from clikit import run_cli

pytestmark = pytest.mark.slow
WAIT = 600  # a bound on waiting for processes on a busy machine, not a speed check

CELLS = [
    ("n = 3", ["parameters"]),
    ("import notebook_ops as nbo", ["setup"]),
    ("total = n * 2\nnbo.log_metric('total', total)", ["step:make"]),
]


@pytest.fixture(autouse=True)
def _own_store(monkeypatch):
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    monkeypatch.delenv(faults.ENV, raising=False)


@pytest.fixture
def project(tmp_path) -> Path:
    write_notebook(tmp_path / "t.ipynb", make_notebook(CELLS))
    return tmp_path


nbo = partial(run_cli, check=True, timeout=WAIT)


def followers_gone(project: Path) -> None:
    eventually(
        lambda: procs.find(str(project / ".notebook_ops" / "runs")) is None,
        timeout=WAIT,
        interval=0.2,
        what="the run's tracking follower to end",
    )


def tables(db: Path) -> set[str]:
    con = sqlite3.connect(db)
    try:
        return {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    finally:
        con.close()


def logged_parents(project: Path) -> dict[str, str]:
    """notebook_ops.run_id -> status of the parent runs in the store."""
    from mlflow.tracking import MlflowClient

    c = MlflowClient(tracking_uri=f"sqlite:///{project / '.notebook_ops' / 'mlflow.db'}")
    (exp,) = [e for e in c.search_experiments() if e.name == "t"]
    runs = c.search_runs([exp.experiment_id])
    return {
        r.data.tags["notebook_ops.run_id"]: r.info.status
        for r in runs
        if "mlflow.parentRunId" not in r.data.tags
    }


@pytest.mark.parametrize("runs", [pytest.param(4, id="g2-four-concurrent-first-runs")])
def test_concurrent_first_runs_migrate_the_store_once(project, runs):
    argv = [sys.executable, "-m", "notebook_ops", "run", "t.ipynb", "--no-cache"]
    procs_ = [
        subprocess.Popen(argv, cwd=project, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for _ in range(runs)
    ]
    for p in procs_:
        _, err = p.communicate(timeout=WAIT)
        assert p.returncode == 0, err
    followers_gone(project)
    db = project / ".notebook_ops" / "mlflow.db"
    assert not [t for t in tables(db) if t.startswith("_alembic_tmp_")]
    run_dirs = sorted((project / ".notebook_ops" / "runs").iterdir())
    assert len(run_dirs) == runs
    for d in run_dirs:
        rec = json.loads((d / "run.json").read_text())
        assert rec["mlflow"]["error"] is None and rec["mlflow"]["run_id"], rec["mlflow"]
    assert logged_parents(project) == {d.name: "FINISHED" for d in run_dirs}
    out = nbo("runs", "sync", cwd=project)
    assert "error" not in out.stdout.lower() and out.stderr.strip() == ""


def half_migrate(db: Path, orphan: bool) -> None:
    """What an interrupted batch migration leaves: a temporary copy of a table (beside its
    original, or in its place) and an older schema version."""
    con = sqlite3.connect(db)
    with con:
        con.execute('CREATE TABLE "_alembic_tmp_runs" AS SELECT * FROM runs')
        if orphan:
            con.execute("DROP TABLE runs")
    con.close()


@pytest.mark.parametrize(
    "orphan",
    [pytest.param(False, id="g2-half-migrated-repaired"), pytest.param(True, id="g2-half-migrated-reported")],
)
def test_a_half_migrated_store_is_repaired_or_reported_in_one_line(project, orphan):
    nbo("run", "t.ipynb", cwd=project)
    followers_gone(project)
    db = project / ".notebook_ops" / "mlflow.db"
    half_migrate(db, orphan)
    nbo("run", "t.ipynb", "--no-cache", cwd=project)
    followers_gone(project)
    newest = sorted((project / ".notebook_ops" / "runs").iterdir())[-1]
    rec = json.loads((newest / "run.json").read_text())
    if not orphan:
        assert rec["mlflow"]["error"] is None and rec["mlflow"]["run_id"]
        assert not [t for t in tables(db) if t.startswith("_alembic_tmp_")]
        assert newest.name in logged_parents(project)
        return
    # the follower writes it when it gives up: wait for it
    error = eventually(
        lambda: json.loads((newest / "run.json").read_text())["mlflow"]["error"],
        timeout=WAIT,
        interval=0.2,
        what="the follower to record its error in run.json",
    )
    assert error and "half-migrated" in error and "\n" not in error and "mv " in error, error
    out = nbo("runs", "sync", newest.name, cwd=project, check=False)
    message = (out.stdout + out.stderr).strip()
    assert "half-migrated" in message and "Traceback" not in message, message
    # the fix the message gives works
    db.rename(db.with_name("mlflow.db.broken"))
    nbo("runs", "sync", newest.name, cwd=project)
    assert newest.name in logged_parents(project)


def broken_store(path: Path) -> None:
    """An MLflow store no process can open (a half-migrated one that cannot be repaired)."""
    con = sqlite3.connect(path)
    with con:
        con.execute("CREATE TABLE _alembic_tmp_runs (x INTEGER)")
    con.close()


@pytest.mark.parametrize("workers", [pytest.param(1, id="g2-scheduler-slot-freed-on-broken-store")])
def test_a_scheduled_run_whose_store_is_broken_frees_its_slot(tmp_path, workers):
    """The follower and the service both fail to log the run: the service records the run at
    once (the error kept for `runs sync`) instead of holding its only worker slot until the
    tracking wait runs out."""
    import signal

    from notebook_ops.scheduler import api
    from notebook_ops.scheduler.database import Store

    write_notebook(tmp_path / "tiny.ipynb", make_notebook(CELLS))
    db = tmp_path / "mlflow.db"
    broken_store(db)
    env = {**os.environ, "MLFLOW_TRACKING_URI": f"sqlite:///{db}"}
    env.pop("NOTEBOOK_OPS_DB", None)
    add = subprocess.run(
        [sys.executable, "-m", "notebook_ops", "schedule", "add", "tiny.ipynb", "--cron", "*/5 * * * * *"]
        + ["--catchup", "skip"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
    )
    assert add.returncode == 0, add.stderr
    log_path = tmp_path / "scheduler.log"
    with open(log_path, "w") as log:
        svc = subprocess.Popen(
            [sys.executable, "-m", "notebook_ops", "scheduler", "--workers", str(workers)],
            cwd=tmp_path,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    store = Store(f"sqlite:///{tmp_path / '.notebook_ops' / 'scheduler.db'}")
    try:

        def succeeded() -> list:
            assert svc.poll() is None, log_path.read_text()
            return [r for r in api.list_runs("tiny", limit=0, store=store) if r.state == "succeeded"]

        done = eventually(
            succeeded, timeout=WAIT, interval=1, what="a succeeded run", context=log_path.read_text
        )
    finally:
        svc.send_signal(signal.SIGTERM)
        svc.wait(60)
        store.close()
    text = log_path.read_text()
    # settled because logging failed, not because the wait ran out
    assert "is not in MLflow (" in text and "half-migrated" in text, text
    assert "is not in MLflow yet" not in text, text
    rec = json.loads((Path(done[0].run_dir) / "run.json").read_text())
    assert "half-migrated" in rec["mlflow"]["error"]


def registered(db: Path) -> bool:
    """Whether a scheduler service has registered in the store ``db``."""
    if not db.exists():
        return False
    con = sqlite3.connect(db)
    try:
        return bool(con.execute("SELECT count(*) FROM services").fetchone()[0])
    except sqlite3.OperationalError:  # not migrated yet
        return False
    finally:
        con.close()


@pytest.mark.parametrize(
    "how",
    [
        pytest.param("deleted", id="g5-scheduler-store-deleted"),
        pytest.param("replaced", id="g5-scheduler-store-replaced"),
    ],
)
def test_the_scheduler_stops_in_one_line_when_its_store_goes(tmp_path, how):
    """Deleting (or replacing) the scheduler's sqlite file under the service: it stops with one
    line and a non-zero exit instead of firing into a file nobody can see."""
    write_notebook(tmp_path / "tiny.ipynb", make_notebook(CELLS))
    db = tmp_path / "sched.db"
    env = {**os.environ, "NOTEBOOK_OPS_DB": str(db), "MLFLOW_TRACKING_URI": ""}
    add = subprocess.run(
        [sys.executable, "-m", "notebook_ops", "schedule", "add", "tiny.ipynb", "--cron", "0 3 * * *"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=WAIT,
    )
    assert add.returncode == 0, add.stderr
    svc = subprocess.Popen(
        [sys.executable, "-m", "notebook_ops", "scheduler", "--workers", "1", "--poll", "0.2"],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:

        def running() -> bool:  # the service writes its row once it runs
            assert svc.poll() is None, svc.communicate()
            return registered(db)

        eventually(running, timeout=WAIT, interval=0.2, what="the service to register in its store")
        if how == "deleted":
            db.unlink()
        else:  # a copy put in its place (a restore from backup): another file, another inode
            data = db.read_bytes()
            db.unlink()
            db.write_bytes(data)
        out, err = svc.communicate(timeout=WAIT)
    finally:
        if svc.poll() is None:
            svc.kill()
            svc.wait()
    assert svc.returncode != 0, (out, err)
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and "Traceback" not in err, err
    assert "schedule store" in lines[0] and ("deleted" if how == "deleted" else "replaced") in lines[0]
    assert "scheduler" in out and "stops:" in out, out


# a mount namespace of our own: root needs no user namespace (which some hosts restrict)
PRIVATE_MOUNTS = ["unshare", "--mount"] if os.geteuid() == 0 else ["unshare", "--mount", "--map-root-user"]
FULL_DISK = """
set -e
mount -t tmpfs -o size=3m tmpfs "$DISK"
cp "$NB" "$DISK/big.ipynb"
avail=$(df --output=avail -k "$DISK" | tail -1)
if [ "$avail" -gt "$FREE" ]; then
  dd if=/dev/zero of="$DISK/filler" bs=1k count=$((avail - FREE)) 2>/dev/null || true
fi
cd "$DISK"
set +e
"$PY" -m notebook_ops run big.ipynb --no-track >/dev/null 2>"$OUT/err.txt"
echo $? > "$OUT/rc"
for f in .notebook_ops/runs/*/run.json; do [ -f "$f" ] && cp "$f" "$OUT/run.json"; done
cmp -s big.ipynb "$NB" && echo same > "$OUT/notebook"
exit 0
"""


@pytest.mark.parametrize(
    "free_kb",
    [
        pytest.param(20, id="g5-full-disk-20k-free"),
        pytest.param(4, id="g5-full-disk-4k-free"),
        pytest.param(0, id="g5-full-disk-0k-free"),
    ],
)
def test_a_full_disk_is_one_line_and_the_run_never_stays_running(tmp_path, free_kb):
    """A small tmpfs, nearly full, in a mount namespace of the test's own (``unshare``: no
    trace on the machine, no privilege needed): the run stops with one line, and run.json, if
    it could be written at all, says failed, never running."""
    nb = write_notebook(
        tmp_path / "big.ipynb",
        make_notebook(
            [
                ("n = 3", ["parameters"]),
                ("blob = b'x' * 3_000_000", ["step:make"]),
                ("k = len(blob)", ["step:use"]),
            ]
        ),
    )
    disk, out = tmp_path / "disk", tmp_path / "out"
    disk.mkdir()
    out.mkdir()
    env = {
        **os.environ,
        "DISK": str(disk),
        "NB": str(nb),
        "OUT": str(out),
        "FREE": str(free_kb),
        "PY": sys.executable,
    }
    env["MLFLOW_TRACKING_URI"] = ""
    done = subprocess.run(
        [*PRIVATE_MOUNTS, "sh", "-c", FULL_DISK],
        env=env,
        capture_output=True,
        text=True,
        timeout=WAIT,
    )
    assert done.returncode == 0, done.stderr
    assert (out / "notebook").read_text().strip() == "same"
    assert int((out / "rc").read_text()) != 0
    err = (out / "err.txt").read_text()
    lines = [line for line in err.splitlines() if line.strip()]
    assert "Traceback" not in err and len(lines) == 1, err
    assert "No space left on device" in lines[0], lines[0]
    if (out / "run.json").exists():
        record = json.loads((out / "run.json").read_text())
        assert record["status"] == "failed" and "No space left" in record["error"], record
