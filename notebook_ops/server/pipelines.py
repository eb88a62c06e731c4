"""``/notebook-ops/api/pipelines``: a notebook read as a pipeline (steps, parameters, problems).

The panel posts the notebook's unsaved content so the graph follows every edit; without content
the file on disk is read.
"""
from __future__ import annotations

from jupyter_server.auth.decorator import authorized
from tornado import web

from notebook_ops.server.base import BadRequest, NotebookOpsHandler


def _inspect(real_path, api_path: str, content: dict | None) -> dict:
    from notebook_ops.events.publish import with_settings_problems
    from notebook_ops.model import build_pipeline, load_pipeline

    if content is None:
        pipeline = load_pipeline(real_path)
    else:
        pipeline = build_pipeline(content, path=real_path)
    data = with_settings_problems(pipeline).to_dict()
    data["path"] = api_path
    return data


class PipelinesHandler(NotebookOpsHandler):
    @web.authenticated
    @authorized(action="read")
    async def post(self):
        body = self.json_body()
        content = body.get("content")
        if content is not None and not isinstance(content, dict):
            raise BadRequest("'content' must be a notebook (a JSON object)")
        real = self.resolve(body.get("path"), must_exist=content is None)
        if content is None and not real.is_file():
            raise BadRequest("not a notebook file", path=body.get("path"))
        self.reply(await self.blocking(_inspect, real, body["path"], content))
