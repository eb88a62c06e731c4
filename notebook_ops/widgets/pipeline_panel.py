"""The pipeline panel as an ipywidgets tree, for front ends without our JupyterLab extension.

A face, like the CLI: it reads the notebook with the model and calls the run service, the bundle
service and the scheduler's Python API with the form's values. A run is started by the run
service in its thread (Stop cancels it there); exports and schedules run in a worker thread, so
the kernel stays responsive (widgets keep updating from the runner's progress events);
``wait()`` joins that thread, with a bound, for scripts and tests.
"""

from __future__ import annotations

import hashlib
import html
import threading
from datetime import datetime, timezone
from pathlib import Path

import ipywidgets as W

from notebook_ops import scheduler
from notebook_ops.bundle import export_notebook
from notebook_ops.errors import NotebookOpsError
from notebook_ops.events.publish import with_settings_problems
from notebook_ops.execution.run_service import RunService
from notebook_ops.model import load_pipeline
from notebook_ops.scheduler.cron import Cron
from notebook_ops.widgets import results
from notebook_ops.widgets.form import ParametersForm
from notebook_ops.widgets.steps import StepsView, problems_html

EXPORT_NOTE = (
    "the bundle carries the defaults written in the parameters cell; to run it with the values set above:"
)


def scheduler_available() -> bool:
    """The Schedule row is shown only when the scheduler service can be imported."""
    try:
        import notebook_ops.scheduler.api  # noqa: F401, PLC0415 - a probe: ImportError means no scheduler extra
    except ImportError:
        return False
    return True


def _section(title: str):
    return W.HTML(
        f"<div style='margin-top:.6em;font-weight:600;border-bottom:1px solid "
        f"rgba(128,128,128,.35)'>{html.escape(title)}</div>"
    )


def _check(description: str, value: bool):
    return W.Checkbox(value=value, description=description, indent=False, layout=W.Layout(width="auto"))


class Panel(W.VBox):
    """``nbo.panel(path)``: steps, problems, parameters, Run / Export / Schedule, results.

    ``out_dir`` (default ``<notebook dir>/dist``), ``store`` (the scheduler store, as for
    ``scheduler.add``), ``run_options`` (extra keywords for ``execution.run_service.run``, e.g.
    ``jobs``, ``track``), ``export_options`` (extra ``export_notebook`` keywords, e.g. ``track``)."""

    def __init__(self, path, *, out_dir=None, store=None, run_options=None, export_options=None):
        super().__init__(layout=W.Layout(width="100%"))
        self.add_class("nbo-widget-panel")
        self.path = Path(path).expanduser().resolve()
        self.store = store
        self.run_options = dict(run_options or {})
        self.export_options = dict(export_options or {})
        self._lock = threading.RLock()
        self._thread: threading.Thread | None = None
        self._runs = None  # this panel's RunService (made on the first Run)
        self._run = None  # the RunHandle of the current (or last) run
        self.last_action: str | None = None
        self.last_result = None
        self.last_error: BaseException | None = None

        self.reload_button = W.Button(
            description="Reload", icon="refresh", tooltip="Read the notebook again (after you save it)"
        )
        self.run_button = W.Button(description="Run pipeline", icon="play", button_style="primary")
        self.stop_button = W.Button(description="Stop", icon="stop", disabled=True)
        self.use_cache = _check("reuse unchanged steps", True)
        self.single_kernel = _check("one kernel", False)
        self.cluster = W.Text(
            description="cluster",
            placeholder="tcp://host:8786 (empty: this machine)",
            tooltip="Run each step as a task on this Dask cluster (or NOTEBOOK_OPS_CLUSTER)",
            style={"description_width": "4em"},
            layout=W.Layout(width="22em"),
        )
        self.data_url = W.Text(
            description="data",
            placeholder="s3://bucket/prefix (a cluster needs one)",
            tooltip="The data store between steps: a folder or an fsspec URL the workers reach",
            style={"description_width": "3em"},
            layout=W.Layout(width="22em"),
        )
        self.export_button = W.Button(description="Export bundle", icon="archive")
        self.out_dir = W.Text(
            value=str(out_dir or self.path.parent / "dist"),
            description="into",
            style={"description_width": "3em"},
            layout=W.Layout(width="24em"),
        )
        self.git_tag = _check("git tag the version", True)
        self.allow_dirty = _check("allow uncommitted changes", False)
        self.schedule_button = W.Button(description="Schedule", icon="clock-o")
        self.cron = W.Text(
            description="cron",
            placeholder="0 6 * * 1-5",
            style={"description_width": "3em"},
            layout=W.Layout(width="16em"),
        )
        self.tz = W.Text(
            value="UTC", description="zone", style={"description_width": "3em"}, layout=W.Layout(width="14em")
        )
        self.schedule_name = W.Text(
            description="name",
            placeholder="the notebook's name",
            style={"description_width": "3em"},
            layout=W.Layout(width="16em"),
        )
        self.cron_feedback = W.HTML()
        self.status = W.HTML()
        self.result = W.HTML()

        self.reload_button.on_click(lambda _: self._reload_clicked())
        self.run_button.on_click(lambda _: self.run())
        self.stop_button.on_click(lambda _: self.stop())
        self.export_button.on_click(lambda _: self.export())
        self.schedule_button.on_click(lambda _: self.schedule())
        self.cron.observe(lambda _: self.check_cron(), "value")
        self.tz.observe(lambda _: self.check_cron(), "value")
        self.has_scheduler = scheduler_available()
        self.reload()

    # -- building -------------------------------------------------------------------------
    def reload(self) -> None:
        """(Re)read the notebook from disk and rebuild the steps, problems and form."""

        if self.busy:  # the running action reports into the current steps view
            self.status.value = "<i>wait for the current action to finish, then reload</i>"
            return

        self.pipeline = with_settings_problems(load_pipeline(self.path))
        p, s = self.pipeline, self.pipeline.settings or {}
        old = [getattr(self, n, None) for n in ("steps", "form", "header", "problems")]
        self.steps = StepsView(p)
        self.form = ParametersForm(p)
        about = [
            f"<b style='font-size:1.15em'>{html.escape(p.name)}</b> "
            f"<code style='opacity:.7'>{html.escape(str(self.path))}</code>"
        ]
        if s.get("objective"):
            about.append(html.escape(s["objective"]))
        facts = [f"{len(p.steps)} steps", f"{len(p.parameters)} parameters"]
        if s.get("owner"):
            facts.append(f"owner {html.escape(s['owner'])}")
        facts += [
            f"target {html.escape(k)} {html.escape(str(v))}"
            for k, v in (s.get("metric_targets") or {}).items()
        ]
        about.append(
            "<span style='opacity:.7'>" + " · ".join(facts) + " · runs the notebook as saved on disk</span>"
        )
        self.header = W.HTML("<br>".join(about))
        self.problems = W.HTML(problems_html(p.problems))
        planned = (s.get("schedules") or [{}])[0]
        if not self.cron.value and planned.get("cron"):
            self.cron.value = planned["cron"]
            self.tz.value = planned.get("tz") or "UTC"
        rows = [
            W.HBox([self.run_button, self.stop_button, self.use_cache, self.single_kernel]),
            W.HBox([self.cluster, self.data_url]),
            W.HBox([self.export_button, self.out_dir, self.git_tag, self.allow_dirty]),
        ]
        if self.has_scheduler:
            rows.append(W.HBox([self.schedule_button, self.cron, self.tz, self.schedule_name]))
            rows.append(self.cron_feedback)
            self.check_cron()
        self.children = [
            W.HBox(
                [self.header, self.reload_button],
                layout=W.Layout(justify_content="space-between", align_items="flex-start"),
            ),
            _section("Steps (graph order)"),
            self.steps.box,
            _section("Problems"),
            self.problems,
            _section("Parameters"),
            self.form.box,
            self.form.reset_button,
            _section("Actions"),
            *rows,
            self.status,
            self.result,
        ]
        for part in old:  # the front end drops the replaced views; free their models too
            if part is not None:
                part.close()

    def _reload_clicked(self) -> None:

        try:
            self.reload()
        except NotebookOpsError as exc:  # e.g. saved half-way: say so, keep the last good view
            self.result.value = results.error_html("Reload", exc)

    # -- the worker -----------------------------------------------------------------------
    @property
    def busy(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def _set_busy(self, busy: bool) -> None:
        for b in (self.run_button, self.export_button, self.schedule_button, self.reload_button):
            b.disabled = busy
        self.stop_button.disabled = not (busy and self.last_action == "Run")

    def _begin(self, action: str) -> bool:
        if self.busy:
            self.status.value = f"<i>{html.escape(self.last_action or '')} is still going; wait for it.</i>"
            return False
        self.last_action, self.last_result, self.last_error = action, None, None
        self.result.value = ""
        self.status.value = f"<i>{html.escape(action)}…</i>"
        self._set_busy(True)
        return True

    def _end(self, action: str, render, value=None, error: BaseException | None = None) -> None:
        """In the worker's thread, as its last act: show the result (or the error)."""
        try:
            if error is None:
                self.last_result = value
                self.result.value = render(value)
            else:  # shown in the panel: a thread has nowhere else to say it
                self.last_error = error
                self.result.value = results.error_html(action, error)
            self.status.value = ""
        finally:
            self._set_busy(False)

    def _start(self, action: str, work, render) -> None:
        if not self._begin(action):
            return

        def target():
            try:
                value = work()
            except BaseException as exc:
                self._end(action, render, error=exc)
            else:
                self._end(action, render, value)

        self._thread = threading.Thread(target=target, name=f"notebook-ops-panel-{action}", daemon=True)
        self._thread.start()

    def wait(self, timeout: float | None = 600):
        """Wait for the current action; its result (or raise TimeoutError if still going)."""
        t = self._thread
        if t is not None:
            t.join(timeout)
            if t.is_alive():
                raise TimeoutError(f"{self.last_action} still running after {timeout} s")
        return self.last_result

    # -- actions --------------------------------------------------------------------------
    def run(self) -> None:
        """Run the pipeline with the form's values: the run service, as `notebook-ops run`."""

        if not self._begin("Run"):
            return
        params = self.form.changed()
        self.steps.reset()
        try:
            stale = hashlib.sha256(self.path.read_bytes()).hexdigest() != self.pipeline.notebook_hash
        except OSError:  # gone: the run says so
            stale = True

        def progress(event):
            with self._lock:
                record = event.get("run") or {}
                self.steps.update(record)
                done = sum(
                    1
                    for s in (record.get("steps") or {}).values()
                    if s.get("status") not in ("pending", "running")
                )
                note = " (the notebook changed on disk: Reload to see its steps)" if stale else ""
                self.status.value = (
                    f"<i>run {html.escape(str(event.get('run_id')))}: "
                    f"{done}/{len(record.get('steps') or {})} steps{note}</i>"
                )

        def finished(handle):
            try:
                result = handle.wait(0)
            except BaseException as exc:
                self._end("Run", None, error=exc)
                return
            with self._lock:
                self.steps.update(result.record)
            self._end("Run", lambda r: results.run_html(r.record), result)

        opts = dict(cache=self.use_cache.value, single_kernel=self.single_kernel.value)
        if self.cluster.value.strip():
            opts["cluster"] = self.cluster.value.strip()
        if self.data_url.value.strip():
            opts["data_url"] = self.data_url.value.strip()
        opts.update(self.run_options)
        self._runs = self._runs or RunService()
        self._run = self._runs.start(self.path, params=params, progress=progress, on_finish=finished, **opts)
        self._thread = self._run.thread

    def stop(self) -> None:
        """Ask the runner to cancel the current run (running steps' kernels are stopped)."""
        if self._run is not None and self.busy:
            self._run.cancel()
            self.status.value = "<i>stopping…</i>"

    def export(self) -> None:
        """Export a bundle (bundle.export_notebook, as `notebook-ops export`)."""
        changed = self.form.changed()

        def work():

            opts = dict(
                out_dir=self.out_dir.value, tag=self.git_tag.value, allow_dirty=self.allow_dirty.value
            )
            opts.update(self.export_options)
            return export_notebook(str(self.path), **opts)

        self._start("Export", work, lambda r: results.export_html(r, EXPORT_NOTE if changed else "", changed))

    def check_cron(self) -> bool:
        """Validate the cron text and zone as the scheduler will; show the next firings."""
        expr = self.cron.value.strip()
        if not expr:
            self.cron_feedback.value = (
                "<span style='opacity:.7'>cron: 5 fields (min hour day month weekday) or @daily</span>"
            )
            return False

        try:
            nxt = Cron(expr, self.tz.value.strip() or "UTC").upcoming(datetime.now(timezone.utc), 3)
        except NotebookOpsError as exc:
            self.cron_feedback.value = f"<span style='color:#c62828'>{html.escape(str(exc))}</span>"
            return False
        when = ", ".join(t.strftime("%Y-%m-%d %H:%M UTC") for t in nxt)
        self.cron_feedback.value = f"<span style='opacity:.7'>next: {html.escape(when)}</span>"
        return True

    def schedule(self) -> None:
        """Add a schedule (scheduler.add, as `notebook-ops schedule add`) with the form's values."""
        params = self.form.changed()
        cron, tz = self.cron.value, self.tz.value.strip() or "UTC"
        name = self.schedule_name.value.strip() or None

        def work():

            d = scheduler.add(
                self.path,
                cron,
                tz=tz,
                name=name,
                parameters=params,
                workdir=self.path.parent,
                store=self.store,
            )
            return d.to_dict()  # results.schedule_html renders the JSON the other faces send

        def render(d):

            return results.schedule_html(d, bool(scheduler.services(store=self.store)))

        self._start("Schedule", work, render)
