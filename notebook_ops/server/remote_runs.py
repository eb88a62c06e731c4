"""``GET /notebook-ops/api/remote-runs[?dag=DAG_ID&limit=N]``: the runs of deployed pipelines in
the Airflow this server is configured with (``c.NotebookOps.airflow_url`` or
``NOTEBOOK_OPS_AIRFLOW_URL``), each with its tasks' states and its link to Airflow's UI.

The browser never names the Airflow to call nor sees its credentials: the server's environment
holds them (``NOTEBOOK_OPS_AIRFLOW_USER``/``_PASSWORD``, ``_TOKEN`` or ``_CREDENTIALS``). Thin:
``notebook_ops.deploy.airflow_push.list_runs`` in a worker thread.
"""

from __future__ import annotations

import os
import re

from jupyter_server.auth.decorator import authorized
from tornado import web

from notebook_ops.deploy.airflow_api import URL_ENV, AirflowClient
from notebook_ops.deploy.airflow_push import list_runs
from notebook_ops.errors import NotFoundError
from notebook_ops.model.contracts.rest import RemoteRun, RemoteRunsResponse
from notebook_ops.server.handler_base import BadRequest, NotebookOpsHandler

DAG_ID = re.compile(r"[A-Za-z0-9_.-]{1,250}")


def airflow_url(config) -> str:
    return getattr(config, "airflow_url", "") or os.environ.get(URL_ENV, "")


class RemoteRunsHandler(NotebookOpsHandler):
    @web.authenticated
    @authorized(action="read")
    async def get(self):
        url = airflow_url(self.settings.get("notebook_ops_config"))
        if not url:
            raise NotFoundError(
                "no Airflow is configured", hint="set c.NotebookOps.airflow_url or NOTEBOOK_OPS_AIRFLOW_URL"
            )
        dag = self.get_query_argument("dag", None)
        if dag is not None and not DAG_ID.fullmatch(dag):
            raise BadRequest("dag: letters, digits, '_', '.', '-' only")
        limit = self.query_int("limit", 20, low=1, high=100)
        client = AirflowClient(url)
        runs = await self.blocking(list_runs, client, dag, limit=limit)
        self.reply(RemoteRunsResponse(client.url, [RemoteRun.from_dict(r) for r in runs]))
