"""The URL map of the REST API: each route of the route table (``model.contracts.api.ROUTES``,
which the OpenAPI document is generated from too) bound to its handler."""

from __future__ import annotations

import importlib.util

from jupyter_server.utils import url_path_join

from notebook_ops.bundle.proofjobs import ProofJobs
from notebook_ops.execution.run_service import RunService
from notebook_ops.model.contracts.rest import Features
from notebook_ops.model.contracts.route_table import API_PREFIX, ROUTES
from notebook_ops.server.alert_handlers import AlertChecksHandler, AlertTestsHandler
from notebook_ops.server.elyra_edits import ElyraEditsHandler
from notebook_ops.server.export_handlers import ExportsHandler, ProofHandler, ProofsHandler
from notebook_ops.server.features import FeaturesHandler
from notebook_ops.server.folders import FoldersHandler, PipelineFilesHandler
from notebook_ops.server.model_handlers import ModelPromoteHandler, ModelsHandler
from notebook_ops.server.openapi_handler import OpenApiHandler
from notebook_ops.server.pipelines import PipelinesHandler, StaleStepsHandler
from notebook_ops.server.remote_runs import RemoteRunsHandler, airflow_url
from notebook_ops.server.run_handlers import (
    RunComparisonHandler,
    RunHandler,
    RunsHandler,
    RunStepNotebookHandler,
)


def _has(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except ImportError:
        return False


def handlers() -> dict[str, type]:
    """The handler of each route by the route's name (schedules' only when the scheduler is)."""
    out: dict[str, type] = {
        "features": FeaturesHandler,
        "openapi": OpenApiHandler,
        "pipelines": PipelinesHandler,
        "stale_steps": StaleStepsHandler,
        "folders": FoldersHandler,
        "pipeline_files": PipelineFilesHandler,
        "elyra_edits": ElyraEditsHandler,
        "runs": RunsHandler,
        "run": RunHandler,
        "run_step": RunStepNotebookHandler,
        "run_comparison": RunComparisonHandler,
        "exports": ExportsHandler,
        "proofs": ProofsHandler,
        "proof": ProofHandler,
        "remote_runs": RemoteRunsHandler,
        "models": ModelsHandler,
        "model_promote": ModelPromoteHandler,
        "alert_checks": AlertChecksHandler,
        "alert_tests": AlertTestsHandler,
    }
    if _has("notebook_ops.scheduler.api") and _has("notebook_ops.scheduler.hosted"):
        from notebook_ops.server.schedule_handlers import (  # noqa: PLC0415 - only with the scheduler
            ScheduleHandler,
            SchedulerHandler,
            ScheduleRunsHandler,
            SchedulesHandler,
        )

        out.update(
            schedules=SchedulesHandler,
            schedule=ScheduleHandler,
            schedule_runs=ScheduleRunsHandler,
            scheduler=SchedulerHandler,
        )
    return out


def route_table() -> tuple[list[tuple[str, type]], dict[str, bool]]:
    """(pattern, handler) pairs and the features they provide."""
    bound = handlers()
    schedules = "schedules" in bound
    features = {"runs": True, "exports": True, "schedules": schedules, "models": _has("mlflow")}
    routes = [
        (route.pattern(), bound[route.name])
        for route in ROUTES
        if route.feature is None or features.get(route.feature)
    ]
    return routes, features


def setup_routes(web_app, serverapp=None) -> None:
    routes, features = route_table()
    features["remote_runs"] = bool(airflow_url(web_app.settings.get("notebook_ops_config")))
    FeaturesHandler.features = Features(**features)
    web_app.settings.setdefault("notebook_ops_runs", RunService())
    web_app.settings.setdefault("notebook_ops_proofs", ProofJobs())
    web_app.settings["notebook_ops_serverapp"] = serverapp
    web_app.settings["notebook_ops_routes"] = [
        r.path for r in ROUTES if r.feature is None or features.get(r.feature)
    ]
    if features["schedules"]:
        from notebook_ops.scheduler import hosted  # noqa: PLC0415 - only with the scheduler

        # settings["notebook_ops_scheduler"]: the NotebookOps traitlets (server/app.py)
        web_app.settings["notebook_ops_scheduler_store"] = hosted.store_url(serverapp)
        hosted.start_hosted(serverapp)  # on when c.NotebookOps.host_scheduler (or the env) says so
    base = url_path_join(web_app.settings["base_url"], API_PREFIX)
    web_app.add_handlers(".*$", [(base + pattern, cls) for pattern, cls in routes])
