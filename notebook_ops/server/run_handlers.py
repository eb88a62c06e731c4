"""``/notebook-ops/api/runs``: start a pipeline run, follow it, cancel it, list past runs, compare
two of them (``runs/{a}/comparisons/{b}``: ``notebook_ops.execution.compare``, as ``runs compare``).

Thin: the run service (``notebook_ops.execution.run_service.RunService``, one per server) starts each run
in a thread of its own (it runs kernels, it must not block the server's event loop) and cancels
it by id; progress is read back from the run folder's ``run.json``, which the runner rewrites
atomically after every step change, so a poll always sees a whole document. Runs of a notebook
live in ``<notebook dir>/.notebook_ops/runs/<run_id>/``, runs of a folder of notebooks in
``<folder>/.notebook_ops/runs/<run_id>/``. Bodies are the contracts of
``notebook_ops.model.contracts.rest``.
"""

from __future__ import annotations

import asyncio
import json
import re
from pathlib import Path

from jupyter_server.auth.decorator import authorized
from tornado import web

from notebook_ops.errors import NotFoundError
from notebook_ops.execution.compare import compare_runs
from notebook_ops.execution.run_service import list_runs, load_run, runs_root
from notebook_ops.execution.stepnb import PLUMBING_TAG
from notebook_ops.model.contracts.rest import (
    CancelResponse,
    CreateRun,
    RunsResponse,
    RunView,
    StepNotebookResponse,
)
from notebook_ops.model.contracts.route_table import STEP
from notebook_ops.model.contracts.runs import RunRecord
from notebook_ops.model.multi import SOURCE_SUFFIXES
from notebook_ops.server.handler_base import BadRequest, NotebookOpsHandler
from notebook_ops.server.request_paths import REMOTE_SCHEMES, resolve_data_url
from notebook_ops.util.confine import confined_to


class RunsBase(NotebookOpsHandler):
    @property
    def service(self):
        """The server's ``RunService``."""
        return self.settings["notebook_ops_runs"]

    def notebook(self, api_path) -> Path:
        """The run's source: a notebook, a pipeline file (ours, Elyra's: the lab's canvas shows
        them), or a folder of notebooks (their inferred order)."""
        real = self.resolve(api_path)
        if not real.is_dir() and (not real.is_file() or real.suffix not in SOURCE_SUFFIXES):
            raise BadRequest(
                "runs start from a notebook (.ipynb), a pipeline file (.yaml, Elyra's .pipeline) "
                "or a folder of notebooks",
                path=api_path,
            )
        return real

    def present(self, record: dict, run_dir: Path | None = None) -> RunView:
        """run.json as the panel needs it: paths relative to the server root."""
        out = RunView.from_dict(record)
        out.run_dir = self._api_or_none(run_dir) if run_dir is not None else None
        for step in out.steps.values():
            for key in ("notebook", "log"):
                if getattr(step, key):
                    path = Path(getattr(step, key))
                    if not path.is_absolute() and run_dir is not None:
                        path = run_dir / path
                    setattr(step, key, self._api_or_none(path))
        out.active = self.service.is_active(str(out.run_id))
        return out

    def _api_or_none(self, path) -> str | None:
        try:
            return self.api_path(path)
        except ValueError:
            return None

    def run_folder(self, notebook: Path, run_id: str) -> Path:
        folder = runs_root(notebook) / run_id
        if not (folder / "run.json").is_file():
            raise NotFoundError(f"no run {run_id} for this notebook")
        return folder


class RunsHandler(RunsBase):
    @web.authenticated
    @authorized(action="read")
    async def get(self):
        notebook = self.notebook(self.get_query_argument("path", None))
        limit = self.query_int("limit", 20, low=1, high=200)
        records = await self.blocking(list_runs, runs_root(notebook))
        runs = [self.present(r, Path(r["run_dir"])) for r in records[:limit]]
        self.reply(RunsResponse(runs))

    @web.authenticated
    @authorized(action="execute")
    async def post(self):
        body = CreateRun.parse(self.json_body())
        notebook = self.notebook(body.path)
        options = {"params": body.parameters, "cache": body.cache, "track": body.track}
        if body.jobs is not None:
            options["jobs"] = body.jobs
        if body.steps:
            options["steps"] = body.steps
        if body.from_step is not None:
            options["from_step"] = body.from_step.strip()
        if body.cluster:
            options["cluster"] = body.cluster.strip()
        if body.data_url:
            config = self.settings.get("notebook_ops_config")
            schemes = getattr(config, "data_url_schemes", None) or REMOTE_SCHEMES
            schemes = tuple(x for x in schemes if x.lower() != "file")  # never the local disk
            options["data_url"] = resolve_data_url(self.root_dir, body.data_url, schemes=schemes)
        with confined_to(self.root_dir):  # the run's thread reads only files inside the root
            handle = self.service.start(notebook, **options)
        record = await asyncio.wrap_future(handle.started)  # bad input raises here (400)
        self.reply(self.present(record, runs_root(notebook) / record["run_id"]), status=202)


class RunHandler(RunsBase):
    @web.authenticated
    @authorized(action="read")
    async def get(self, run_id: str):
        notebook = self.notebook(self.get_query_argument("path", None))
        folder = self.run_folder(notebook, run_id)
        self.reply(self.present(await self.blocking(load_run, folder), folder))

    @web.authenticated
    @authorized(action="execute")
    async def delete(self, run_id: str):
        notebook = self.notebook(self.get_query_argument("path", None))
        self.run_folder(notebook, run_id)
        self.service.cancel(run_id)
        self.reply(CancelResponse(run_id), status=202)


class RunComparisonHandler(RunsBase):
    """Two runs of the notebook side by side (the lab's compare view)."""

    @web.authenticated
    @authorized(action="read")
    async def get(self, run_id: str, other_id: str):
        notebook = self.notebook(self.get_query_argument("path", None))
        folders = [self.run_folder(notebook, r) for r in (run_id, other_id)]
        records = [RunRecord.from_dict(await self.blocking(load_run, f)) for f in folders]
        self.reply(compare_runs(*records))


class RunStepNotebookHandler(RunsBase):
    """The executed notebook of one step (run folders are hidden from the Contents API)."""

    @web.authenticated
    @authorized(action="read")
    async def get(self, run_id: str, step: str):
        notebook = self.notebook(self.get_query_argument("path", None))
        folder = self.run_folder(notebook, run_id)
        path = folder / "steps" / f"{step}.ipynb"
        if not re.fullmatch(STEP, step) or not path.is_file():
            raise NotFoundError(f"run {run_id} has no executed notebook for step {step!r}")
        if self.get_query_argument("format", "json") == "html":
            html = await self.blocking(_as_html, path)
            # Outputs are untrusted: no scripts, no same-origin access.
            self.set_header(
                "Content-Security-Policy",
                "sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src data:; font-src data:",
            )
            self.finish(html, set_content_type="text/html; charset=utf-8")
            return
        content = await self.blocking(lambda: json.loads(path.read_text(encoding="utf-8")))
        self.reply(StepNotebookResponse(f"{step}.ipynb", run_id, step, content))


PARAMETER_TAGS = ("parameters", "injected-parameters")  # the step's own and papermill's
PLUMBING_LINE = re.compile(r"^\s*(_nbo_\w+\s*=|# run plumbing\b)")


def without_plumbing(notebook):
    """The user's cells only: the runner's plumbing cells (loading inputs, saving outputs,
    metrics) are left out, unless one has an output to show (an error there), whose input is
    then hidden. The parameters cells keep the user's parameters without the ``_nbo_*`` lines
    the runner adds to them (a cell left with nothing else goes)."""
    cells = []
    for cell in notebook.cells:
        tags = cell.get("metadata", {}).get("tags") or []
        if PLUMBING_TAG in tags:
            if cell.get("outputs"):
                cell["metadata"]["transient"] = {"remove_source": True}
                cells.append(cell)
            continue
        if set(tags) & set(PARAMETER_TAGS):
            lines = [ln for ln in cell.source.splitlines() if not PLUMBING_LINE.match(ln)]
            if not any(ln.strip() and not ln.lstrip().startswith("#") for ln in lines):
                if not cell.get("outputs"):
                    continue
            cell.source = "\n".join(lines).strip("\n")
        cells.append(cell)
    notebook.cells = cells
    return notebook


def _as_html(path: Path) -> str:
    """The executed notebook as a static page (nbconvert's lab template, outputs included)."""
    import nbformat  # noqa: PLC0415 - nbconvert (~1 s) only for format=html
    from nbconvert import HTMLExporter  # noqa: PLC0415 - nbconvert only for format=html

    notebook = without_plumbing(nbformat.read(str(path), as_version=4))
    exporter = HTMLExporter(template_name="lab")
    body, _ = exporter.from_notebook_node(notebook)
    return body
