"""What handing a pipeline to Airflow 3 costs: deploy until parsed, trigger until the first task
runs, and the whole diamond on Airflow vs ``notebook-ops run`` of the same bundle here.

Run: .venv/bin/python benchmarks/bench_airflow.py   (needs .venv-airflow: `make deploy-envs`)
A real Airflow 3 (api-server, scheduler, dag-processor; LocalExecutor, sqlite; scheduler
heartbeat 1 s, DAG folder refresh 2 s) and a moto S3 server start on loopback, as in
tests/deploy/test_airflow_live.py; the diamond's bundle and step data live in S3. Times of the
Airflow side come from Airflow's own records (the run's ``queued_at``, each task's
``start_date``/``end_date``), each figure a median of REPEAT runs.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "tests" / "deploy"), str(ROOT / "tests"), str(ROOT)]

from airflowkit import PASSWORD, USER, airflow_services, export_diamond  # noqa: E402
from s3server import s3_server  # noqa: E402

REPEAT = 3
BIN = Path(sys.executable).parent


def _t(iso: str) -> float:
    return datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp()


def main() -> None:
    from notebook_ops.deploy import airflow_push as airflow
    from notebook_ops.deploy.airflow_api import AirflowClient, Credentials

    venv = Path(os.environ.get("NBO_AIRFLOW_VENV") or ROOT / ".venv-airflow")
    work = Path(tempfile.mkdtemp(prefix="nbo-bench-airflow-"))
    bundle = export_diamond(work / "nb")
    with s3_server() as s3, airflow_services(venv, work / "home", s3.env) as af:
        os.environ.update(s3.env)
        client = AirflowClient(af.url, Credentials(username=USER, password=PASSWORD))
        t0 = time.perf_counter()
        airflow.deploy(
            bundle, client, dags_url=str(af.dags), bundles_url=s3.url("bundles"), data_url=s3.url("data")
        )
        parsed = time.perf_counter() - t0
        first, whole, tasks = [], [], []
        for i in range(REPEAT):
            run = airflow.trigger(client, "diamond", {"n": 10 + i})
            done = airflow.follow(client, "diamond", run["dag_run_id"])
            assert done["state"] == "success", done
            queued = _t(done["queued_at"])
            starts = [_t(ti["start_date"]) for ti in done["tasks"].values()]
            first.append(min(starts) - queued)
            whole.append(_t(done["end_date"]) - queued)
            tasks += [_t(ti["end_date"]) - _t(ti["start_date"]) for ti in done["tasks"].values()]
        t0 = time.perf_counter()
        for i in range(REPEAT):
            subprocess.run(
                [str(BIN / "notebook-ops"), "run", str(bundle), "-p", f"n={10 + i}"],
                check=True,
                capture_output=True,
                cwd=work,
            )
        local = (time.perf_counter() - t0) / REPEAT
    print(f"{'what (diamond, 4 steps, data in S3)':44} {'median s':>9}")
    print(f"{'deploy until Airflow has parsed the DAG':44} {parsed:9.2f}")
    print(f"{'trigger -> first task running':44} {statistics.median(first):9.2f}")
    print(f"{'one task (run-step in its own process)':44} {statistics.median(tasks):9.2f}")
    print(f"{'trigger -> run done, Airflow':44} {statistics.median(whole):9.2f}")
    print(f"{'notebook-ops run of the bundle, local (mean)':44} {local:9.2f}")
    print(f"ratio Airflow run / local run: {statistics.median(whole) / local:.2f}")


if __name__ == "__main__":
    main()
