"""``/notebook-ops/api/runs``: start a pipeline run, follow it, cancel it, list past runs.

The runner does the work in a thread of its own (it runs kernels, it must not block the
server's event loop); progress is read back from the run folder's ``run.json``, which the
runner rewrites atomically after every step change, so a poll always sees a whole document.
Runs of a notebook live in ``<notebook dir>/.notebook_ops/runs/<run_id>/``.
"""
from __future__ import annotations

import asyncio
import concurrent.futures
import re
import threading
from pathlib import Path

from jupyter_server.auth.decorator import authorized
from tornado import web

from notebook_ops.errors import ConflictError, NotFoundError
from notebook_ops.server.base import BadRequest, NotebookOpsHandler

RUN_ID = r"[0-9A-Za-z][0-9A-Za-z_.-]{0,127}"


class RunManager:
    """The runs this server started and can still cancel."""

    def __init__(self):
        self._active: dict[str, threading.Event] = {}
        self._lock = threading.Lock()

    def is_active(self, run_id: str) -> bool:
        with self._lock:
            return run_id in self._active

    async def start(self, notebook: Path, **options) -> dict:
        """Start a run; return its first run.json once the runner accepted the input.

        Bad input (pipeline errors, unknown parameters) raises here, before anything runs.
        """
        from notebook_ops.runner import run_notebook

        ready: concurrent.futures.Future = concurrent.futures.Future()
        cancel = threading.Event()

        def progress(event: dict) -> None:
            if event.get("event") == "run_started" and not ready.done():
                run_id = event["run"]["run_id"]
                with self._lock:
                    self._active[run_id] = cancel
                ready.set_result(event["run"])

        def work() -> None:
            run_id = None
            try:   # events: the runner publishes to NOTEBOOK_OPS_EVENTS and the settings' sinks
                result = run_notebook(str(notebook), progress=progress, cancel=cancel, **options)
                run_id = result.run_id
                if not ready.done():
                    ready.set_result(result.record)
            except BaseException as exc:  # reported to the request, or recorded in run.json
                if not ready.done():
                    ready.set_exception(exc)
            finally:
                with self._lock:
                    for key, value in list(self._active.items()):
                        if value is cancel or key == run_id:
                            del self._active[key]

        threading.Thread(target=work, name=f"notebook-ops-run-{notebook.name}", daemon=True).start()
        return await asyncio.wrap_future(ready)

    def cancel(self, run_id: str) -> None:
        with self._lock:
            event = self._active.get(run_id)
        if event is None:
            raise ConflictError(f"run {run_id} is not running in this server")
        event.set()


class RunsBase(NotebookOpsHandler):
    @property
    def manager(self) -> RunManager:
        return self.settings["notebook_ops_runs"]

    def notebook(self, api_path) -> Path:
        real = self.resolve(api_path)
        if not real.is_file() or real.suffix != ".ipynb":
            raise BadRequest("runs start from a notebook (.ipynb)", path=api_path)
        return real

    def present(self, record: dict, run_dir: Path | None = None) -> dict:
        """run.json as the panel needs it: paths made relative to the server root."""
        out = dict(record)
        out.pop("run_dir", None)
        if run_dir is not None:
            out["run_dir"] = self._api_or_none(run_dir)
        steps = {}
        for name, step in (record.get("steps") or {}).items():
            step = dict(step)
            for key in ("notebook", "log"):
                if step.get(key):
                    path = Path(step[key])
                    if not path.is_absolute() and run_dir is not None:
                        path = run_dir / path
                    step[key] = self._api_or_none(path)
            steps[name] = step
        out["steps"] = steps
        out["active"] = self.manager.is_active(str(record.get("run_id")))
        return out

    def _api_or_none(self, path) -> str | None:
        try:
            return self.api_path(path)
        except ValueError:
            return None

    def run_folder(self, notebook: Path, run_id: str) -> Path:
        from notebook_ops.runner import runs_root

        folder = runs_root(notebook) / run_id
        if not (folder / "run.json").is_file():
            raise NotFoundError(f"no run {run_id} for this notebook")
        return folder


def _read(folder: Path) -> dict:
    from notebook_ops.runner import load_run

    return load_run(folder)


class RunsHandler(RunsBase):
    @web.authenticated
    @authorized(action="read")
    async def get(self):
        from notebook_ops.runner import list_runs, runs_root

        notebook = self.notebook(self.get_query_argument("path", None))
        limit = int(self.get_query_argument("limit", "20") or 20)
        records = await self.blocking(list_runs, runs_root(notebook))
        runs = [self.present(r, Path(r["run_dir"])) for r in records[: max(1, min(limit, 200))]]
        self.reply({"runs": runs})

    @web.authenticated
    @authorized(action="execute")
    async def post(self):
        body = self.json_body()
        notebook = self.notebook(body.get("path"))
        params = body.get("parameters") or {}
        if not isinstance(params, dict):
            raise BadRequest("'parameters' must be an object {name: value}")
        options = {"params": params, "cache": bool(body.get("cache", True)),
                   "track": bool(body.get("track", True))}
        if body.get("jobs") is not None:
            if not isinstance(body["jobs"], int) or body["jobs"] < 1:
                raise BadRequest("'jobs' must be a positive integer")
            options["jobs"] = body["jobs"]
        if body.get("steps"):
            options["steps"] = body["steps"]
        if body.get("from_step") is not None:
            if not isinstance(body["from_step"], str) or not body["from_step"].strip():
                raise BadRequest("'from_step' must be a step name")
            options["from_step"] = body["from_step"].strip()
        record = await self.manager.start(notebook, **options)
        from notebook_ops.runner import runs_root

        self.reply(self.present(record, runs_root(notebook) / record["run_id"]), status=202)


class RunHandler(RunsBase):
    @web.authenticated
    @authorized(action="read")
    async def get(self, run_id: str):
        notebook = self.notebook(self.get_query_argument("path", None))
        folder = self.run_folder(notebook, run_id)
        self.reply(self.present(await self.blocking(_read, folder), folder))

    @web.authenticated
    @authorized(action="execute")
    async def delete(self, run_id: str):
        notebook = self.notebook(self.get_query_argument("path", None))
        self.run_folder(notebook, run_id)
        self.manager.cancel(run_id)
        self.reply({"run_id": run_id, "status": "cancelling"}, status=202)


class RunStepNotebookHandler(RunsBase):
    """The executed notebook of one step (run folders are hidden from the Contents API)."""

    @web.authenticated
    @authorized(action="read")
    async def get(self, run_id: str, step: str):
        import json

        notebook = self.notebook(self.get_query_argument("path", None))
        folder = self.run_folder(notebook, run_id)
        path = folder / "steps" / f"{step}.ipynb"
        if not re.fullmatch(r"[A-Za-z0-9_-]+", step) or not path.is_file():
            raise NotFoundError(f"run {run_id} has no executed notebook for step {step!r}")
        if self.get_query_argument("format", "json") == "html":
            html = await self.blocking(_as_html, path)
            # Outputs are untrusted: no scripts, no same-origin access.
            self.set_header("Content-Security-Policy", "sandbox; default-src 'none'; "
                            "style-src 'unsafe-inline'; img-src data:; font-src data:")
            self.finish(html, set_content_type="text/html; charset=utf-8")
            return
        content = await self.blocking(lambda: json.loads(path.read_text(encoding="utf-8")))
        self.reply({"name": f"{step}.ipynb", "run_id": run_id, "step": step, "content": content})


PLUMBING_TAG = "nbo-plumbing"   # the runner's own cells in a step notebook (runner/stepnb.py)


def without_plumbing(notebook):
    """The user's cells only: the runner's plumbing cells (loading inputs, saving outputs,
    metrics) are left out, unless one has an output to show (an error there), whose input is
    then hidden."""
    cells = []
    for cell in notebook.cells:
        if PLUMBING_TAG not in (cell.get("metadata", {}).get("tags") or []):
            cells.append(cell)
        elif cell.get("outputs"):
            cell["metadata"]["transient"] = {"remove_source": True}
            cells.append(cell)
    notebook.cells = cells
    return notebook


def _as_html(path: Path) -> str:
    """The executed notebook as a static page (nbconvert's lab template, outputs included)."""
    import nbformat
    from nbconvert import HTMLExporter

    notebook = without_plumbing(nbformat.read(str(path), as_version=4))
    exporter = HTMLExporter(template_name="lab")
    body, _ = exporter.from_notebook_node(notebook)
    return body
