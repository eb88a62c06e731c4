"""A stand-in child for service tests: behaves as the params say, leaves a run.json like the runner.

Used where the service's own logic is under test (leases, timeouts, retries, crash recovery):
its timing and outcome must be exact. Real runs through the runner are in test_realtime.py.
argv: fake_run.py --run-dir DIR JSON_PARAMS
params: sleep (s), status (run.json status, default succeeded), exit (code), fail_attempts
(fail while NOTEBOOK_OPS_ATTEMPT <= N), spawn (start a grandchild in its own session that
sleeps forever; its pid goes to DIR/grandchild.pid), log (file: append one JSON line per start),
no_record (write no run.json), sleep_once (sleep on the first attempt only).
"""

import json
import os
import subprocess
import sys
import time
from pathlib import Path

run_dir = Path(sys.argv[2])
params = json.loads(sys.argv[3])
attempt = int(os.environ.get("NOTEBOOK_OPS_ATTEMPT", "1"))
if params.get("log"):
    with open(params["log"], "a") as f:
        f.write(
            json.dumps(
                {
                    "scheduled_for": os.environ.get("NOTEBOOK_OPS_SCHEDULED_FOR"),
                    "attempt": attempt,
                    "pid": os.getpid(),
                    "params": params,
                }
            )
            + "\n"
        )
(run_dir / "child.pid").write_text(str(os.getpid()))
if params.get("spawn"):
    g = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(3600)"], start_new_session=True)
    (run_dir / "grandchild.pid").write_text(str(g.pid))
if not (params.get("sleep_once") and attempt > 1):
    time.sleep(float(params.get("sleep", 0)))
status = params.get("status", "succeeded")
code = int(params.get("exit", {"succeeded": 0, "failed": 1, "below_target": 3}.get(status, 1)))
if attempt <= int(params.get("fail_attempts", 0)):
    status, code = "failed", 1
if not params.get("no_record"):
    rec = {
        "run_id": "fake-" + run_dir.name,
        "status": status,
        "metrics": {"accuracy": 0.5},
        "mlflow": {"tracking_uri": "sqlite:///x.db", "run_id": "ml-" + run_dir.name},
        "error": None if status == "succeeded" else f"step train: {status}",
    }
    tmp = run_dir / "run.json.tmp"
    tmp.write_text(json.dumps(rec))
    os.replace(tmp, run_dir / "run.json")
sys.exit(code)
