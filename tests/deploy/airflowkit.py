"""A real Airflow 3 on loopback for the live deploy tests and the benchmark: its api-server,
scheduler and dag-processor (LocalExecutor, sqlite) from .venv-airflow, in a temporary
AIRFLOW_HOME, each its own process group, stopped at the end.

The simple auth manager has one admin user whose password the test writes to the passwords file
(``USER``/``PASSWORD``); the api-server issues JWTs for it at ``/auth/token``. Tasks run
``notebook-ops run-step`` of the test's Python (``NOTEBOOK_OPS_BIN``); ``extra_env`` (the S3
server's variables) reaches them through the scheduler, whose LocalExecutor starts each task.
A tagged diamond (``DIAMOND``) records each step's process and working folder so a test can see
that the tasks shared neither.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from nbfactory import make_notebook, write_notebook
from targetkit import NOTEBOOK_OPS
from waiting import eventually

USER, PASSWORD = "deployer", "s3cret-pw-for-tests"

DIAMOND = [
    ("import os\nimport notebook_ops as nbo", ["setup"]),
    ("n = 3  # how many numbers", ["parameters"]),
    ("numbers = list(range(n))\nwhere_start = (os.getpid(), os.getcwd())", ["step:start"]),
    ("left = sum(numbers)\nwhere_left = (os.getpid(), os.getcwd())", ["step:left", "after:start"]),
    ("right = max(numbers)\nwhere_right = (os.getpid(), os.getcwd())", ["step:right", "after:start"]),
    (
        "total = left + right\n"
        "where = [where_start, where_left, where_right, (os.getpid(), os.getcwd())]\n"
        "nbo.log_metric('total', total)\n"
        "nbo.log_metric('processes', len({p for p, _ in where}))\n"
        "nbo.log_metric('folders', len({c for _, c in where}))\n"
        "nbo.log_metric('folders_left', sum(os.path.exists(c) for _, c in where[:3]))",
        ["step:join", "after:left", "after:right"],
    ),
]


def export_diamond(work: Path, n: int = 3) -> Path:
    """The diamond (parameter ``n`` defaulting to ``n``) exported with its Airflow DAG into
    ``work/dist``; the bundle folder (v1, then v2 ... as the notebook changes)."""
    from notebook_ops.bundle import export_notebook

    work.mkdir(parents=True, exist_ok=True)
    cells = [
        (f"n = {n}  # how many numbers", tags) if "parameters" in tags else (src, tags)
        for src, tags in DIAMOND
    ]
    nb = write_notebook(work / "diamond.ipynb", make_notebook(cells))
    r = export_notebook(
        nb, out_dir=work / "dist", track=False, tag=False, allow_dirty=True, target_names=["airflow"]
    )
    return r.folder


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Airflow:
    url: str
    home: Path
    dags: Path
    env: dict  # the Airflow processes' environment
    procs: dict

    def client_env(self) -> dict:
        """A client's environment: the credentials, nothing of Airflow's."""
        env = {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW", "NOTEBOOK_OPS"))}
        env.update(NOTEBOOK_OPS_AIRFLOW_USER=USER, NOTEBOOK_OPS_AIRFLOW_PASSWORD=PASSWORD)
        return env

    def logs(self) -> str:
        return "\n".join(
            f"--- {name}\n{(self.home / f'{name}.log').read_text(errors='replace')[-3000:]}"
            for name in self.procs
        )


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/api/v2/monitor/health", timeout=5) as r:
            health = json.loads(r.read())
    except (OSError, ValueError):
        return False
    return all((health.get(k) or {}).get("status") == "healthy" for k in ("scheduler", "dag_processor"))


@contextlib.contextmanager
def airflow_services(venv: Path, home: Path, extra_env: dict | None = None, timeout: float = 180):
    """Migrate a fresh sqlite database, start the three services, wait until healthy."""
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    dags = home / "dags"
    dags.mkdir(parents=True)
    passwords = home / "passwords.json"
    passwords.write_text(json.dumps({USER: PASSWORD}))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW", "NOTEBOOK_OPS", "AWS_"))}
    env.update(
        AIRFLOW_HOME=str(home),
        AIRFLOW__CORE__DAGS_FOLDER=str(dags),
        AIRFLOW__CORE__LOAD_EXAMPLES="False",
        AIRFLOW__CORE__EXECUTOR="LocalExecutor",
        AIRFLOW__CORE__PARALLELISM="4",
        AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS=f"{USER}:admin",
        AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE=str(passwords),
        AIRFLOW__CORE__EXECUTION_API_SERVER_URL=f"{url}/execution/",
        AIRFLOW__API__HOST="127.0.0.1",
        AIRFLOW__API__PORT=str(port),
        AIRFLOW__API__BASE_URL=url,
        AIRFLOW__API__WORKERS="1",
        AIRFLOW__API_AUTH__JWT_SECRET=os.urandom(24).hex(),
        AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL="2",
        AIRFLOW__DAG_PROCESSOR__PARSING_PROCESSES="1",
        AIRFLOW__SCHEDULER__SCHEDULER_HEARTBEAT_SEC="1",
        NOTEBOOK_OPS_BIN=NOTEBOOK_OPS,
        PATH=f"{venv / 'bin'}:{env.get('PATH', '')}",
        **(extra_env or {}),
    )
    airflow = str(venv / "bin" / "airflow")
    subprocess.run(
        [airflow, "db", "migrate"], env=env, cwd=home, check=True, capture_output=True, timeout=300
    )
    procs: dict[str, subprocess.Popen] = {}
    af = Airflow(url, home, dags, env, procs)
    try:
        for name in ("api-server", "scheduler", "dag-processor"):
            with open(home / f"{name}.log", "wb") as log:
                procs[name] = subprocess.Popen(
                    [airflow, name],
                    env=env,
                    cwd=home,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )

        def healthy() -> bool:
            dead = [n for n, p in procs.items() if p.poll() is not None]
            assert not dead, f"Airflow did not start ({dead}):\n{af.logs()}"
            return _healthy(url)

        eventually(healthy, timeout=timeout, interval=0.5, what="Airflow to start", context=af.logs)
        yield af
    finally:
        for p in procs.values():
            with contextlib.suppress(ProcessLookupError):
                os.killpg(p.pid, signal.SIGTERM)
        for p in procs.values():
            try:
                p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(p.pid, signal.SIGKILL)
                p.wait()
