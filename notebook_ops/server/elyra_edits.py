"""``POST /notebook-ops/api/elyra-edits``: the lab canvas' edits of an Elyra ``.pipeline`` file
(a node or a link), written back as pipeline-flow v3 by ``model/elyra_write.py``. Nodes are
named by their files (server paths), as the canvas knows them from the pipeline view."""

from __future__ import annotations

import os
from pathlib import Path

from jupyter_server.auth.decorator import authorized
from tornado import web

from notebook_ops.model import elyra_write
from notebook_ops.model.contracts.rest import EditElyraPipeline, ElyraEditResponse
from notebook_ops.server.handler_base import BadRequest, NotebookOpsHandler, named_as_the_lab_names_them
from notebook_ops.server.request_paths import to_api_path


def _node_of(doc: dict, pipeline: Path, file: Path) -> str | None:
    """The id of the node whose filename (relative to the .pipeline file) is ``file``."""
    for node in elyra_write.nodes(doc):
        name = ((node.get("app_data") or {}).get("component_parameters") or {}).get("filename")
        if isinstance(name, str) and (pipeline.parent / name).resolve() == file:
            return node.get("id")
    return None


def _edit(
    root: str, pipeline: Path, body: EditElyraPipeline, file: Path, target: Path | None
) -> ElyraEditResponse:
    doc = elyra_write.read_document(pipeline)
    rel = Path(os.path.relpath(file, pipeline.parent)).as_posix()
    source = _node_of(doc, pipeline, file)
    if body.op == "add-node":
        doc, _ = elyra_write.add_node(doc, rel)
        message = f"added {file.name} to {pipeline.name}"
    else:
        if source is None:
            raise BadRequest(f"{rel} is no node of this pipeline", path=body.path)
        if body.op == "remove-node":
            doc = elyra_write.remove_node(doc, source)
            message = f"removed {file.name} from {pipeline.name}"
        else:
            node = _node_of(doc, pipeline, target) if target else None
            if node is None or target is None:
                raise BadRequest(f"{body.op}: the target is no node of this pipeline", path=body.path)
            if body.op == "add-link":
                doc = elyra_write.add_link(doc, source, node)
                message = f"wrote a link {file.name} → {target.name} to {pipeline.name}"
            else:
                doc = elyra_write.remove_link(doc, source, node)
                message = f"removed the link {file.name} → {target.name} from {pipeline.name}"
    elyra_write.write_elyra(pipeline, doc)
    return ElyraEditResponse(to_api_path(root, pipeline), message)


class ElyraEditsHandler(NotebookOpsHandler):
    @web.authenticated
    @authorized(action="write")
    async def post(self):
        body = EditElyraPipeline.parse(self.json_body())
        pipeline = self.resolve(body.path)
        if pipeline.suffix != ".pipeline" or not pipeline.is_file():
            raise BadRequest("not an Elyra .pipeline file", path=body.path)
        file = self.resolve(body.file, must_exist=body.op == "add-node")
        target = self.resolve(body.target) if body.target else None
        if body.op in ("add-link", "remove-link") and target is None:
            raise BadRequest(
                f"{body.op} needs a target", path=body.path, hint="name the node that runs after"
            )
        reply = await self.blocking(
            named_as_the_lab_names_them, self.root_dir, _edit, self.root_dir, pipeline, body, file, target
        )
        self.reply(reply)
