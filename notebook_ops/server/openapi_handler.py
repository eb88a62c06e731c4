"""``GET /notebook-ops/api/openapi.json``: the REST API's OpenAPI document.

The document is generated with the contracts (``notebook_ops/model/schema/openapi.json``, see
``model.contracts.openapi``); served as this server offers it: its ``servers`` URL under this
server's base URL, and only the routes it serves (no schedules without the scheduler).
"""

from __future__ import annotations

import json

from jupyter_server.auth.decorator import authorized
from jupyter_server.utils import url_path_join
from tornado import web

from notebook_ops.model.contracts.route_table import API_PREFIX, OPENAPI_FILE
from notebook_ops.server.handler_base import NotebookOpsHandler


def served_document(base_url: str, paths: list[str]) -> dict:
    """The generated document for a server at ``base_url`` serving the routes ``paths``."""
    doc = json.loads(OPENAPI_FILE.read_text(encoding="utf-8"))
    doc["servers"] = [{"url": url_path_join(base_url, API_PREFIX)}]
    doc["paths"] = {path: item for path, item in doc["paths"].items() if path in paths}
    return doc


class OpenApiHandler(NotebookOpsHandler):
    @web.authenticated
    @authorized(action="read")
    async def get(self):
        paths = self.settings["notebook_ops_routes"]
        self.reply(await self.blocking(served_document, self.settings["base_url"], paths))
