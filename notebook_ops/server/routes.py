"""The URL map of the REST API. A route is added here once its service exists and works."""
from __future__ import annotations

from jupyter_server.utils import url_path_join

from notebook_ops.server import API_PREFIX


def route_table() -> tuple[list[tuple[str, type]], dict[str, bool]]:
    """(pattern, handler) pairs and the features they provide."""
    from notebook_ops.server.exports import ExportsHandler
    from notebook_ops.server.features import FeaturesHandler
    from notebook_ops.server.pipelines import PipelinesHandler
    from notebook_ops.server.runs import RUN_ID, RunHandler, RunsHandler, RunStepNotebookHandler

    routes = [
        (r"/?", FeaturesHandler),
        (r"/pipelines", PipelinesHandler),
        (r"/runs", RunsHandler),
        (rf"/runs/({RUN_ID})", RunHandler),
        (rf"/runs/({RUN_ID})/steps/([A-Za-z0-9_-]+)", RunStepNotebookHandler),
        (r"/exports", ExportsHandler),
    ]
    features = {"runs": True, "exports": True, "schedules": False}
    return routes, features


def setup_routes(web_app, serverapp=None) -> None:
    from notebook_ops.server.features import FeaturesHandler
    from notebook_ops.server.runs import RunManager

    routes, features = route_table()
    FeaturesHandler.features = features
    web_app.settings.setdefault("notebook_ops_runs", RunManager())
    base = url_path_join(web_app.settings["base_url"], API_PREFIX)
    web_app.add_handlers(".*$", [(base + pattern, cls) for pattern, cls in routes])
