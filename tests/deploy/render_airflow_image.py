"""Load the image-style DAG with Airflow's own DagBag (run in .venv-airflow) and print each task
as Airflow would start it: operator, image, command and arguments rendered by Airflow's
templating with the given DAG-run params. Usage: python render_airflow_image.py DAG_FOLDER DAG_ID CONF_JSON
"""

import json
import sys

from airflow.models.dagbag import DagBag

folder, dag_id, conf = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
bag = DagBag(dag_folder=folder)
dag = bag.dags[dag_id]
params = {k: dag.params[k] for k in dag.params}
params.update(conf)
out = {"import_errors": {k: str(v) for k, v in bag.import_errors.items()}, "tasks": {}}
run_id = "manual__2026-01-05T06:00:00+00:00"
for t in dag.tasks:
    ctx = {"params": params, "dag": dag, "run_id": run_id}
    res = t.container_resources
    out["tasks"][t.task_id] = {
        "operator": type(t).__name__,
        "image": t.image,
        "cmds": t.cmds,
        "arguments": t.render_template(t.arguments, ctx),
        "retries": t.retries,
        "timeout_s": t.execution_timeout.total_seconds() if t.execution_timeout else None,
        "limits": res.limits if res else None,
        "upstream": sorted(t.upstream_task_ids),
        "volume_mounts": [m.mount_path for m in t.volume_mounts],
        "labels": t.labels,
        "annotations": t.annotations,
        # the pod's environment as given (Airflow renders its templates when the task runs)
        "env": t.env_vars if isinstance(t.env_vars, dict) else {e.name: e.value for e in t.env_vars or []},
    }
print("JSON" + json.dumps(out))
