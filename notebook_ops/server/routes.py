"""The URL map of the REST API. A route is added here once its service exists and works."""

from __future__ import annotations

import importlib.util

from jupyter_server.utils import url_path_join

from notebook_ops.server import API_PREFIX


def _has(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except ImportError:
        return False


def route_table() -> tuple[list[tuple[str, type]], dict[str, bool]]:
    """(pattern, handler) pairs and the features they provide."""
    from notebook_ops.server.exports import PROOF_ID, ExportsHandler, ProofHandler, ProofsHandler
    from notebook_ops.server.features import FeaturesHandler
    from notebook_ops.server.folders import FoldersHandler, PipelineFilesHandler
    from notebook_ops.server.pipelines import PipelinesHandler
    from notebook_ops.server.remote_runs import RemoteRunsHandler
    from notebook_ops.server.runs import RUN_ID, RunHandler, RunsHandler, RunStepNotebookHandler

    routes: list[tuple[str, type]] = [
        (r"/?", FeaturesHandler),
        (r"/pipelines", PipelinesHandler),
        (r"/folders", FoldersHandler),
        (r"/pipeline-files", PipelineFilesHandler),
        (r"/runs", RunsHandler),
        (rf"/runs/({RUN_ID})", RunHandler),
        (rf"/runs/({RUN_ID})/steps/([A-Za-z0-9_-]+)", RunStepNotebookHandler),
        (r"/exports", ExportsHandler),
        (r"/proofs", ProofsHandler),
        (rf"/proofs/({PROOF_ID})", ProofHandler),
        (r"/remote-runs", RemoteRunsHandler),
    ]
    schedules = _has("notebook_ops.scheduler.api") and _has("notebook_ops.scheduler.hosted")
    if schedules:
        from notebook_ops.server.schedules import (
            NAME,
            ScheduleHandler,
            SchedulerHandler,
            ScheduleRunsHandler,
            SchedulesHandler,
        )

        routes += [
            (r"/schedules", SchedulesHandler),
            (rf"/schedules/({NAME})", ScheduleHandler),
            (rf"/schedules/({NAME})/runs", ScheduleRunsHandler),
            (r"/scheduler", SchedulerHandler),
        ]
    features = {"runs": True, "exports": True, "schedules": schedules}
    return routes, features


def setup_routes(web_app, serverapp=None) -> None:
    from notebook_ops.server.features import FeaturesHandler
    from notebook_ops.bundle.proofjobs import ProofJobs
    from notebook_ops.runs.service import RunService

    from notebook_ops.server.remote_runs import airflow_url

    routes, features = route_table()
    features["remote_runs"] = bool(airflow_url(web_app.settings.get("notebook_ops_config")))
    FeaturesHandler.features = features
    web_app.settings.setdefault("notebook_ops_runs", RunService())
    web_app.settings.setdefault("notebook_ops_proofs", ProofJobs())
    web_app.settings["notebook_ops_serverapp"] = serverapp
    if features["schedules"]:
        from notebook_ops.scheduler import hosted

        # settings["notebook_ops_scheduler"]: the NotebookOps traitlets (server/app.py)
        web_app.settings["notebook_ops_scheduler_store"] = hosted.store_url(serverapp)
        hosted.start_hosted(serverapp)  # on when c.NotebookOps.host_scheduler (or the env) says so
    base = url_path_join(web_app.settings["base_url"], API_PREFIX)
    web_app.add_handlers(".*$", [(base + pattern, cls) for pattern, cls in routes])
