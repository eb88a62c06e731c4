"""HTML for what the services return: a run record, an export result, a schedule, an error."""

from __future__ import annotations

import html
import shlex

from notebook_ops.errors import NotebookOpsError
from notebook_ops.model.contracts.runs import RunRecord

_OK = {
    "succeeded": "#2e7d32",
    "failed": "#c62828",
    "below_target": "#b26a00",
    "cancelled": "#6a1b9a",
    "running": "#1565c0",
}


def _e(x) -> str:
    return html.escape(str(x))


def _rows(pairs) -> str:
    body = "".join(
        f"<tr><td style='opacity:.7;padding-right:1em'>{_e(k)}</td><td>{v}</td></tr>"
        for k, v in pairs
        if v not in (None, "")
    )
    return f"<table>{body}</table>"


def _num(v) -> str:
    return f"{v:.4g}" if isinstance(v, float) else str(v)


def run_html(record: dict) -> str:
    """The end of a run: status, run folder, metrics against targets, MLflow, the error."""

    r = RunRecord.from_dict(record)
    title = (
        f"<b>Run {_e(r.run_id)}: <span style='color:{_OK.get(r.status, 'inherit')}'>{_e(r.status)}</span></b>"
    )
    metrics = ", ".join(f"{_e(k)} = {_e(_num(v))}" for k, v in r.metrics.items())
    targets = "; ".join(
        f"{_e(t.metric)} {_e(t.condition)}: "
        + ("not measured" if t.met is None else "met" if t.met else "<b>missed</b>")
        for t in r.targets
    )
    params = ", ".join(f"{_e(k)}={_e(v)}" for k, v in r.parameters.items())
    mlflow = f"{_e(r.mlflow.tracking_uri)} run {_e(r.mlflow.run_id)}" if r.mlflow.run_id else ""
    return title + _rows(
        [
            ("run folder", f"<code>{_e(r.run_dir or '')}</code>"),
            ("parameters", params),
            ("metrics", metrics),
            ("targets", targets),
            ("MLflow", mlflow),
            ("error", f"<span style='color:#c62828'>{_e(r.error)}</span>" if r.error else ""),
        ]
    )


def export_html(result, params_note: str = "", params: dict | None = None) -> str:
    """An ExportResult: version (new or reused), folder, archive, git tag, warnings; with
    ``params``, the command that runs the bundle with those values."""

    what = "unchanged, same version" if result.reused else "new version"
    warnings = "<br>".join(_e(w) for w in result.warnings)
    note = _e(params_note)
    if params:
        cmd = " ".join(
            ["notebook-ops", "run", shlex.quote(str(result.folder))]
            + [f"-p {shlex.quote(f'{k}={v}')}" for k, v in params.items()]
        )
        note += f" <code>{_e(cmd)}</code>"
    return f"<b>Exported {_e(result.name)} v{_e(result.version)}</b> ({what})" + _rows(
        [
            ("bundle", f"<code>{_e(result.folder)}</code>"),
            ("archive", f"<code>{_e(result.archive)}</code>"),
            ("git tag", _e(result.tag) if result.tag else "none"),
            ("MLflow", _e(result.mlflow_run_id or "")),
            ("warnings", warnings),
            ("note", note),
        ]
    )


def schedule_html(d: dict, service_running: bool) -> str:
    """A schedule dict from ``scheduler.add``: its name, cron, next firings, parameters."""
    upcoming = ", ".join(_e(t.replace("T", " ").replace("Z", " UTC")) for t in d.get("upcoming") or [])
    params = ", ".join(f"{_e(k)}={_e(v)}" for k, v in (d.get("parameters") or {}).items())
    note = (
        ""
        if service_running
        else (
            "no scheduler service runs on this store yet: start one with <code>notebook-ops scheduler</code> "
            "(or in JupyterLab, whose server hosts one)"
        )
    )
    return f"<b>Scheduled {_e(d['name'])}</b> (id {_e(d['id'])})" + _rows(
        [
            ("cron", f"<code>{_e(d['cron'])}</code> {_e(d['tz'])}"),
            ("next", upcoming),
            ("parameters", params or "defaults"),
            ("target", f"<code>{_e(d['target'])}</code>"),
            ("note", note),
        ]
    )


def error_html(action: str, exc: BaseException) -> str:
    """A NotebookOpsError in one line (with its hint), as the CLI prints it; anything else with
    its type, since the panel must not swallow what went wrong."""

    text = str(exc) if isinstance(exc, NotebookOpsError) else f"{type(exc).__name__}: {exc}"
    return f"<span style='color:#c62828'><b>{_e(action)} failed:</b> {_e(text)}</span>"
