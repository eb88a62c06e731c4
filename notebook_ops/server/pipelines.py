"""``/notebook-ops/api/pipelines``: a notebook read as a pipeline (steps, parameters, problems).

The panel posts the notebook's unsaved content so the graph follows every edit; without content
the file on disk is read. ``/notebook-ops/api/stale-steps`` takes the same body (and the run's
parameters) and answers which steps a run now would run again (``execution/staleness.py``).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from jupyter_server.auth.decorator import authorized
from tornado import web

from notebook_ops.events.publish import with_settings_problems
from notebook_ops.execution.staleness import staleness
from notebook_ops.model import build_pipeline, load_pipeline
from notebook_ops.model.contracts.pipeline_view import PipelineView
from notebook_ops.model.contracts.rest import InspectPipeline, InspectStaleSteps
from notebook_ops.model.contracts.stale_view import StalenessView
from notebook_ops.model.notebook import parse_notebook
from notebook_ops.model.pipeline import Pipeline
from notebook_ops.server.handler_base import BadRequest, NotebookOpsHandler, named_as_the_lab_names_them


def _pipeline(real_path, api_path: str, content: dict | None) -> Pipeline:
    """The notebook on disk, or the lab's unsaved ``content`` of it."""
    if content is None:
        return with_settings_problems(load_pipeline(real_path))
    # the lab's unsaved notebook is checked as a file would be (cells, sources, tags)
    content = parse_notebook(json.dumps(content), path=api_path)
    return with_settings_problems(build_pipeline(content, path=real_path))


def _inspect(root: str, real_path, api_path: str, content: dict | None) -> PipelineView:
    pipeline = _pipeline(real_path, api_path, content)
    view = PipelineView.of(pipeline, path=api_path)
    # the notebooks as the Contents API names them (relative to the root), never the disk's paths
    root = os.path.realpath(root)
    view.notebooks = [Path(os.path.relpath(os.path.realpath(n), root)).as_posix() for n in view.notebooks]
    return view


class PipelinesHandler(NotebookOpsHandler):
    @web.authenticated
    @authorized(action="read")
    async def post(self):
        body = InspectPipeline.parse(self.json_body())
        real = self.resolve(body.path, must_exist=body.content is None)
        if body.content is None and not (real.is_file() or real.is_dir()):  # a folder: its notebooks
            raise BadRequest("not a notebook file or folder", path=body.path)
        view = await self.blocking(
            named_as_the_lab_names_them, self.root_dir, _inspect, self.root_dir, real, body.path, body.content
        )
        self.reply(view)


def _stale_steps(real_path, api_path: str, content: dict | None, parameters: dict) -> StalenessView:
    return staleness(_pipeline(real_path, api_path, content), parameters)


class StaleStepsHandler(NotebookOpsHandler):
    @web.authenticated
    @authorized(action="read")
    async def post(self):
        body = InspectStaleSteps.parse(self.json_body())
        real = self.resolve(body.path, must_exist=body.content is None)
        if body.content is None and not (real.is_file() or real.is_dir()):
            raise BadRequest("not a notebook file or folder", path=body.path)
        view = await self.blocking(
            named_as_the_lab_names_them,
            self.root_dir,
            _stale_steps,
            real,
            body.path,
            body.content,
            body.parameters,
        )
        self.reply(view)
