"""``/notebook-ops/api/exports``: export a notebook as a versioned bundle (the bundle service).

The bundle folder is resolved inside the server root like every other path: an export never
writes outside it. The panel saves the notebook first; a dirty git work tree is refused (409)
unless the user asks for ``allow_dirty`` (the manifest then says so).
"""

from __future__ import annotations

from pathlib import Path

from jupyter_server.auth.decorator import authorized
from tornado import web

from notebook_ops.server.base import BadPath, BadRequest, NotebookOpsHandler


def _export(notebook: Path, out_dir: Path, allow_dirty: bool, prove: bool) -> dict:
    from notebook_ops.bundle import export_notebook

    result = export_notebook(str(notebook), out_dir=str(out_dir), allow_dirty=allow_dirty).to_dict()
    if prove:  # a failed proof is still an export: the record says which step and the fix
        from notebook_ops.bundle.prove import ProofFailed, prove_bundle

        folder = Path(result["folder"])
        folder = folder if folder.is_absolute() else out_dir.parent / folder
        try:
            result["proof"] = prove_bundle(folder).to_dict()
        except ProofFailed as exc:
            result["proof"] = exc.record.to_dict()
    return result


class ExportsHandler(NotebookOpsHandler):
    @web.authenticated
    @authorized(action="write")
    async def post(self):
        from notebook_ops.model.contracts.rest import CreateExport, ExportResponse

        body = CreateExport.parse(self.json_body())
        notebook = self.resolve(body.path)
        if not notebook.is_file() or notebook.suffix != ".ipynb":
            raise BadRequest("exports start from a notebook (.ipynb)", path=body.path)
        out = body.out_dir or "dist"
        if out.startswith(("/", "\\")) or (len(out) > 1 and out[1] == ":"):
            raise BadPath(
                f"absolute paths are not accepted: {out!r}",
                hint="give the export folder relative to the notebook",
            )
        nb_dir = self.api_path(notebook.parent)
        out_api = f"{nb_dir}/{out}" if nb_dir not in ("", ".") else out
        out_dir = self.resolve(out_api, must_exist=False)
        result = await self.blocking(_export, notebook, out_dir, body.allow_dirty, body.prove)
        folder = Path(result["folder"])
        folder = folder if folder.is_absolute() else out_dir.parent / folder
        archive = Path(result["archive"])
        archive = archive if archive.is_absolute() else out_dir.parent / archive
        result["folder"] = self.api_path(folder)
        result["archive"] = self.api_path(archive)
        readme = folder / "README.md"
        result["readme"] = self.api_path(readme) if readme.is_file() else None
        self.reply(ExportResponse.from_dict(result).to_dict(), status=201)
