"""The server extension as a Jupyter ``ExtensionApp``: its switches are traitlets, set like any
Jupyter option (``jupyter_server_config.py``, ``--NotebookOps.host_scheduler=True``)::

    c.NotebookOps.host_scheduler = True          # fire schedules while this server runs
    c.NotebookOps.scheduler_store = "postgresql+psycopg://..."   # default: under the root
    c.NotebookOps.tracking_uri = "sqlite:////srv/mlflow/mlflow.db"
    c.NotebookOps.mlflow_ui_url = "http://localhost:5000"        # the panel links runs there
    c.NotebookOps.airflow_url = "http://airflow:8080"            # GET remote-runs lists its runs

The per-user lab setting "Host the scheduler" is applied by the lab itself (PUT /scheduler)
when it opens; the server never reads the user's lab settings files.
"""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING

from jupyter_server.extension.application import ExtensionApp
from traitlets import Bool, Int, List, Unicode

from notebook_ops.model.contracts.route_table import API_PREFIX
from notebook_ops.server.routes import setup_routes

if TYPE_CHECKING:
    from jupyter_server.serverapp import ServerApp


class NotebookOps(ExtensionApp):
    """notebook-ops' REST API for the JupyterLab extension (``/notebook-ops/api/``)."""

    name = "notebook_ops"
    load_other_extensions = True

    host_scheduler = Bool(
        False,
        config=True,
        help="Host the scheduler service in this server, so schedules fire while it runs "
        "(the environment's NOTEBOOK_OPS_SCHEDULER=on|off still wins).",
    )
    scheduler_store = Unicode(
        "",
        config=True,
        help="SQLAlchemy URL of the scheduler store (default: NOTEBOOK_OPS_DB, else "
        "<server root>/.notebook_ops/scheduler.db).",
    )
    scheduler_workers = Int(2, config=True, help="Runs the hosted scheduler starts at once.")
    tracking_uri = Unicode(
        "",
        config=True,
        help="MLflow tracking URI of the runs started from this server (default: "
        "MLFLOW_TRACKING_URI, else a sqlite store beside each notebook).",
    )
    mlflow_ui_url = Unicode(
        "",
        config=True,
        help="URL of an MLflow UI serving that store (e.g. http://localhost:5000): the panel "
        "links each run to its page there.",
    )

    airflow_url = Unicode(
        "",
        config=True,
        help="Airflow 3 api-server whose notebook-ops runs GET /notebook-ops/api/remote-runs lists "
        "(default: NOTEBOOK_OPS_AIRFLOW_URL; credentials from this server's environment).",
    )

    data_url_schemes = List(
        Unicode(),
        default_value=None,
        allow_none=True,
        config=True,
        help="fsspec schemes a run request's data_url may use (default: remote stores such as "
        "s3, gs, az, hdfs, and memory); local paths must lie inside the server root, file:// "
        "is never accepted.",
    )

    def scheduler_settings(self) -> dict:
        """The settings ``notebook_ops.scheduler.hosted`` reads."""
        out: dict = {"enabled": self.host_scheduler, "workers": self.scheduler_workers}
        if self.scheduler_store:
            out["db"] = self.scheduler_store
        return out

    def _server(self) -> ServerApp:
        """The Jupyter server this extension was loaded into (set before these hooks run)."""
        if self.serverapp is None:
            raise RuntimeError("notebook-ops: the extension was not loaded by a Jupyter server")
        return self.serverapp

    def initialize_settings(self) -> None:
        if self.tracking_uri and "MLFLOW_TRACKING_URI" not in os.environ:
            # read by the runner's tracker in this process and by the runs it starts
            os.environ["MLFLOW_TRACKING_URI"] = self.tracking_uri
        settings = self._server().web_app.settings
        settings["notebook_ops_scheduler"] = self.scheduler_settings()
        settings["notebook_ops_config"] = self

    def initialize_handlers(self) -> None:
        server = self._server()
        setup_routes(server.web_app, server)
        self.log.info("notebook-ops: REST API at /%s/", API_PREFIX)

    async def stop_extension(self) -> None:
        """Stop the hosted scheduler (if this server runs one) when the server stops."""

        hosted = sys.modules.get("notebook_ops.scheduler.hosted")
        if hosted is not None:
            hosted.stop_hosted()
