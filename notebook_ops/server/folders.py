"""``/notebook-ops/api/folders`` and ``pipeline-files``: a folder of notebooks as a pipeline.

``GET folders?path=FOLDER``: the order the lab shows (``FolderView``: each notebook, its steps,
why it comes where it does; the pipeline itself is ``POST pipelines`` of the folder);
``POST pipeline-files``: that order written as a pipeline file to edit (atomically; an existing
file is kept unless ``overwrite``). Running the folder is ``POST runs`` with the folder's path,
as for a notebook.
"""

from __future__ import annotations

from pathlib import Path

from jupyter_server.auth.decorator import authorized
from tornado import web

from notebook_ops.errors import ConflictError
from notebook_ops.model import folder, load_pipeline
from notebook_ops.model.contracts.folder_view import FolderView
from notebook_ops.model.contracts.rest import CreatePipelineFile, PipelineFileResponse
from notebook_ops.server.handler_base import BadRequest, NotebookOpsHandler, named_as_the_lab_names_them
from notebook_ops.server.request_paths import to_api_path

EXISTS_HINT = "overwrite it (overwrite: true), or choose another file name"


def _folder_view(root: str, real: Path, api_path: str) -> FolderView:
    order = folder.folder_order(real)
    steps_of: dict[Path, list[str]] = {}
    for step in load_pipeline(real).steps:  # each notebook's steps (their names are the graph's)
        if step.notebook:
            steps_of.setdefault((order.folder / step.notebook).resolve(), []).append(step.name)
    name_of = lambda p: to_api_path(root, p)  # noqa: E731
    return FolderView.of(order, steps_of, path=api_path, name_of=name_of)


def _write(root: str, real: Path, out: Path, overwrite: bool) -> PipelineFileResponse:
    count = len(folder.folder_order(real).order)
    written = folder.write_pipeline_file(real, out, overwrite=overwrite, exists_hint=EXISTS_HINT)
    return PipelineFileResponse(to_api_path(root, written), count)


class FolderBase(NotebookOpsHandler):
    def folder(self, api_path) -> Path:
        real = self.resolve(api_path)
        if not real.is_dir():
            raise BadRequest(
                "not a folder of notebooks", path=api_path, hint="name a folder that holds notebooks"
            )
        return real


class FoldersHandler(FolderBase):
    @web.authenticated
    @authorized(action="read")
    async def get(self):
        path = self.get_query_argument("path", None)
        real = self.folder(path)
        view = await self.blocking(
            named_as_the_lab_names_them, self.root_dir, _folder_view, self.root_dir, real, path
        )
        self.reply(view)


class PipelineFilesHandler(FolderBase):
    @web.authenticated
    @authorized(action="write")
    async def post(self):
        body = CreatePipelineFile.parse(self.json_body())
        real = self.folder(body.path)
        out = self.resolve(body.out, must_exist=False) if body.out else real / "pipeline.yaml"
        if not out.name.endswith((".yaml", ".yml")):
            raise BadRequest("a pipeline file ends with .yaml or .yml", path=body.out)
        if out.is_dir():
            raise BadRequest("a folder is there, not a file", path=body.out)
        if out.exists() and not body.overwrite:  # named as the lab names it, not the disk's path
            raise ConflictError("the file exists", path=self.api_path(out), hint=EXISTS_HINT)
        written = await self.blocking(
            named_as_the_lab_names_them, self.root_dir, _write, self.root_dir, real, out, body.overwrite
        )
        self.reply(written, status=201)
