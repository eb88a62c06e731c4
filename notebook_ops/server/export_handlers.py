"""``/notebook-ops/api/exports``: export a notebook as a versioned bundle (the bundle service);
``proofs``: follow the proof an export asked for.

The bundle folder is resolved inside the server root like every other path: an export never
writes outside it. The panel saves the notebook first; a dirty git work tree is refused (409)
unless the user asks for ``allow_dirty`` (the manifest then says so).

With ``prove`` the export is written as always (bad input is still its 4xx), then proven in the
background (``bundle.proofjobs``, one per server): the reply is 202 with ``proving``, whose
``id`` ``GET proofs/{id}`` follows (building the env, step k of n, done with the proof record).
"""

from __future__ import annotations

from pathlib import Path

from jupyter_server.auth.decorator import authorized
from tornado import web

from notebook_ops.bundle import export_notebook
from notebook_ops.bundle.prove import read_proof
from notebook_ops.errors import NotFoundError
from notebook_ops.model.contracts.proofs import ProofRecord
from notebook_ops.model.contracts.rest import CreateExport, ExportResponse, ProofProgress, ProofsResponse
from notebook_ops.server.handler_base import BadPath, BadRequest, NotebookOpsHandler
from notebook_ops.util.confine import confined_to


def _export(notebook: Path, out_dir: Path, allow_dirty: bool) -> tuple[ExportResponse, Path, Path]:
    """Export ``notebook``: the reply (its paths still the server's), the bundle folder and the
    archive as absolute paths; with the proof beside the archive when it is for this content."""
    result = export_notebook(str(notebook), out_dir=str(out_dir), allow_dirty=allow_dirty)
    folder = result.folder if result.folder.is_absolute() else out_dir.parent / result.folder
    archive = result.archive if result.archive.is_absolute() else out_dir.parent / result.archive
    content_sha256 = result.manifest["content_sha256"]
    proof: ProofRecord | None = read_proof(folder)  # a reused version proven before keeps its proof
    reply = ExportResponse(
        name=result.name,
        version=result.version,
        reused=result.reused,
        folder=str(folder),
        archive=str(archive),
        tag=result.tag,
        warnings=list(result.warnings),
        mlflow_run_id=result.mlflow_run_id,
        content_sha256=content_sha256,
        proof=proof if proof is not None and proof.content_sha256 == content_sha256 else None,
    )
    return reply, folder, archive


class ProofsBase(NotebookOpsHandler):
    @property
    def jobs(self):
        """The server's ``ProofJobs``."""
        return self.settings["notebook_ops_proofs"]

    def present(self, job) -> ProofProgress:
        """A job as a ``ProofProgress``: paths relative to the server root."""
        return ProofProgress(
            id=job.id,
            notebook=self.api_path(job.notebook),
            bundle=self.api_path(job.bundle),
            state=job.state,
            message=job.message,
            step=job.step,
            step_index=job.step_index,
            steps_total=job.steps_total,
            proof=job.record,
            error=job.error,
            started_at=job.started_at,
            finished_at=job.finished_at,
        )


class ExportsHandler(ProofsBase):
    @web.authenticated
    @authorized(action="write")
    async def post(self):
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
        reply, folder, archive = await self.blocking(_export, notebook, out_dir, body.allow_dirty)
        reply.folder = self.api_path(folder)
        reply.archive = self.api_path(archive)
        readme = folder / "README.md"
        reply.readme = self.api_path(readme) if readme.is_file() else None
        if body.prove:  # a failed proof is still an export: the record will say which step and why
            with confined_to(self.root_dir):  # the proof's thread reads only files inside the root
                job = self.jobs.start(folder, notebook)
            reply.proving = self.present(job)
        self.reply(reply, status=202 if body.prove else 201)


class ProofsHandler(ProofsBase):
    @web.authenticated
    @authorized(action="read")
    async def get(self):
        api = self.get_query_argument("path", None)
        notebook = self.resolve(api)
        if not notebook.is_file() or notebook.suffix != ".ipynb":
            raise BadRequest("proofs are asked by the notebook exported (.ipynb)", path=api)
        jobs = self.jobs.of_notebook(notebook)
        self.reply(ProofsResponse([self.present(j) for j in jobs]))


class ProofHandler(ProofsBase):
    @web.authenticated
    @authorized(action="read")
    async def get(self, job_id: str):
        job = self.jobs.get(job_id)
        if job is None:
            raise NotFoundError(
                f"no proof {job_id} in this server",
                hint="a proof is followed only while its server runs; its record lies beside the archive",
            )
        self.reply(self.present(job))
