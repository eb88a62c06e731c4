"""``/notebook-ops/api/models``: the registered models of a notebook's MLflow store with lineage,
targets, cost and the gate's verdict; promotion to an alias, gated as ``models promote`` is.

Thin: ``notebook_ops.tracking.model_views`` in a worker thread (MLflow reads block). The store is
the one the notebook's runs log to (the server's ``tracking_uri`` or ``MLFLOW_TRACKING_URI``,
else ``.notebook_ops/mlflow.db`` beside the notebook); the browser never names a store.
"""

from __future__ import annotations

from pathlib import Path

from jupyter_server.auth.decorator import authorized
from tornado import web

from notebook_ops.model.contracts.models import PromoteModel
from notebook_ops.server.handler_base import BadRequest, NotebookOpsHandler
from notebook_ops.tracking.model_views import list_models, promote_version, store_uri


class ModelsBase(NotebookOpsHandler):
    def store(self, api_path) -> str | None:
        """The store of the runs of the notebook (or folder of notebooks) at ``api_path``."""
        real = self.resolve(api_path)
        return store_uri(real if real.is_dir() else Path(real).parent)


class ModelsHandler(ModelsBase):
    @web.authenticated
    @authorized(action="read")
    async def get(self):
        path = self.get_query_argument("path", None)
        if not path:
            raise BadRequest("query argument 'path' (the notebook) is required")
        pipeline = self.get_query_argument("pipeline", None) or None
        limit = self.query_int("limit", 10, low=1, high=100)
        self.reply(await self.blocking(list_models, self.store(path), pipeline, limit))


class ModelPromoteHandler(ModelsBase):
    @web.authenticated
    @authorized(action="write")
    async def post(self, name: str):
        body = PromoteModel.parse(self.json_body())
        uri = self.store(body.path)
        reply = await self.blocking(
            promote_version, uri, name, body.alias, body.version, why=body.why, force=body.force
        )
        self.reply(reply)
