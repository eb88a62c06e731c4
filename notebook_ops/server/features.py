"""``GET /notebook-ops/api``: the server's version and which actions work here.

The lab extension offers a button (Run, Export, Schedule) only when its feature is listed, so
the panel never shows an action whose back end is missing.
"""

from __future__ import annotations

from jupyter_server.auth.decorator import authorized
from tornado import web

from notebook_ops._version import __version__
from notebook_ops.model.contracts.rest import Features, FeaturesResponse
from notebook_ops.server.handler_base import NotebookOpsHandler


class FeaturesHandler(NotebookOpsHandler):
    features = Features(runs=True, exports=True, schedules=False)  # set by ``routes.setup_routes``

    @web.authenticated
    @authorized(action="read")
    async def get(self):
        config = self.settings.get("notebook_ops_config")
        self.reply(
            FeaturesResponse(
                version=__version__,
                features=self.features,
                mlflow_ui_url=getattr(config, "mlflow_ui_url", "") or "",
            )
        )
