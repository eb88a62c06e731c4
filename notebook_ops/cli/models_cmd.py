"""``notebook-ops models list|show|compare|promote|serve``: registered model versions with their
lineage, two versions side by side (notebook_ops.tracking.model_compare), promotion to an alias
gated on the business targets (notebook_ops.tracking.promotion), and serving."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import click

from notebook_ops.bundle.templates import MODEL_ENV
from notebook_ops.errors import NotebookOpsError, NotFoundError, PromotionRefused
from notebook_ops.events.sinks import check_url
from notebook_ops.tracking.mlflow_tracker import Session, default_store
from notebook_ops.tracking.model_compare import compare
from notebook_ops.tracking.promotion import gate, promote
from notebook_ops.tracking.registry import LINEAGE, TAG

_URI_HELP = "MLflow tracking store (default: MLFLOW_TRACKING_URI, else ./.notebook_ops/mlflow.db)."


def _client(uri: str | None):
    """A client on ``uri`` or the default store; a missing default store is a one-line error
    (a read never creates one)."""
    uri = uri or os.environ.get("MLFLOW_TRACKING_URI")
    if not uri:
        db = default_store(Path.cwd())
        if not db.is_file():
            raise NotFoundError(
                f"no MLflow store here ({db}): run a pipeline in this folder, or pass --tracking-uri"
            )
        uri = f"sqlite:///{db}"

    return Session("Default", uri).open()


def _lineage(tags: dict) -> dict:

    return {k[len(TAG) :]: v for k, v in sorted(tags.items()) if k.startswith(TAG)}


@click.group("models")
def models():
    """Registered models: versions with lineage, promotion gated on the pipeline's targets."""


@models.command("list")
@click.option("--tracking-uri", help=_URI_HELP)
@click.option("--json", "as_json", is_flag=True)
def list_cmd(tracking_uri, as_json):
    """Registered models, their newest version and aliases."""
    client = _client(tracking_uri)
    rows = []
    for rm in client.search_registered_models():
        versions = client.search_model_versions(f"name = '{rm.name}'")
        newest = max((int(v.version) for v in versions), default=None)
        rows.append(
            {"name": rm.name, "versions": len(versions), "newest": newest, "aliases": dict(rm.aliases)}
        )
    if as_json:
        click.echo(json.dumps(rows, indent=1))
        return
    if not rows:
        click.echo("no registered models (log one with nbo.log_model in a step)")
    for r in rows:
        aliases = ", ".join(f"{a}={v}" for a, v in sorted(r["aliases"].items())) or "no alias"
        click.echo(f"{r['name']}: {r['versions']} version(s), newest {r['newest']}, {aliases}")


@models.command("show")
@click.argument("name")
@click.option("--tracking-uri", help=_URI_HELP)
@click.option("--json", "as_json", is_flag=True)
def show_cmd(name, tracking_uri, as_json):
    """A model's versions, newest first: aliases, lineage (run, step, parameters, commit, bundle)."""

    client = _client(tracking_uri)
    versions = sorted(client.search_model_versions(f"name = '{name}'"), key=lambda v: -int(v.version))
    if not versions:
        raise NotFoundError(f"no registered model {name!r} (models list shows those there are)")
    aliases: dict[str, list[str]] = {}
    for alias, number in client.get_registered_model(name).aliases.items():
        aliases.setdefault(str(number), []).append(alias)
    rows = [
        {
            "version": int(v.version),
            "aliases": sorted(aliases.get(str(v.version), [])),
            "mlflow_run_id": v.run_id,
            "source": v.source,
            "lineage": _lineage(v.tags),
        }
        for v in versions
    ]
    if as_json:
        click.echo(json.dumps(rows, indent=1))
        return
    for r in rows:
        lin = r["lineage"]
        alias = f" [{', '.join(r['aliases'])}]" if r["aliases"] else ""
        click.echo(f"{name} v{r['version']}{alias}")
        for key in LINEAGE:
            if key in lin:
                click.echo(f"  {key}: {lin[key]}")
        for key in sorted(k for k in lin if k.startswith("promoted.")):
            p = json.loads(lin[key])
            click.echo(
                f"  {key}: by {p.get('by')} at {p.get('at')} ({p.get('gate')}) {p.get('why') or ''}".rstrip()
            )


def _shown(value) -> str:
    if value is None:
        return "-"
    return f"{value:g}" if isinstance(value, float) else str(value)


def _table(rows: list[list[str]], marks: list[str]) -> list[str]:
    """Rows of cells in aligned columns, each ending with its mark ("*": the versions differ)."""
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return [
        "  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() + (f"  {m}" if m else "")
        for r, m in zip(rows, marks, strict=True)
    ]


def render_comparison(c: dict) -> str:
    """``compare``'s dict as columns: one per version, a delta for metrics, * where they differ."""
    va, vb = c["versions"]

    def head(v) -> str:
        return f"v{v['version']}" + (f" [{', '.join(v['aliases'])}]" if v["aliases"] else "")

    rows = [[c["model"], head(va), head(vb)], ["  status", _shown(va["status"]), _shown(vb["status"])]]
    marks = ["", "*" if va["status"] != vb["status"] else ""]
    rows.append(["Parameters", "", ""])
    marks.append("")
    for r in c["parameters"]:
        rows.append([f"  {r['name']}", *(_shown(v) for v in r["values"])])
        marks.append("*" if r["differs"] else "")
    rows.append(["Metrics (target)", "", ""])
    marks.append("")
    for r in c["metrics"]:
        label = f"  {r['name']}" + (f" ({r['target']})" if r["target"] else "")
        cells = [
            _shown(v) + ("" if met is None else " met" if met else " missed")
            for v, met in zip(r["values"], r["met"], strict=True)
        ]
        rows.append([label, *cells])
        marks.append(f"{r['delta']:+g}" if r["delta"] else "")
    rows.append(["Lineage", "", ""])
    marks.append("")
    for r in c["lineage"]:
        if r["values"] == [None, None]:
            continue
        short = r["name"] in ("git_commit", "bundle_content_sha256")  # --json has them in full
        rows.append([f"  {r['name']}", *(_shown(v)[:12] if short and v else _shown(v) for v in r["values"])])
        marks.append("*" if r["differs"] else "")
    lines = _table(rows, marks)
    o = c["objective"]
    if o:
        way = "higher" if o["higher_is_better"] else "lower"
        verdict = f"v{o['better']} is better" if o["better"] is not None else "no better version"
        lines.append(f"objective: {o['metric']} ({way} is better): {verdict}")
    return "\n".join(lines)


@models.command("compare")
@click.argument("name")
@click.argument("versions", nargs=-1, metavar="[V1 V2]")
@click.option("--aliases", nargs=2, metavar="A B", help="Compare the versions these aliases point at.")
@click.option("--metric", help="The objective (default: the first metric target, as promote --vs).")
@click.option("--tracking-uri", help=_URI_HELP)
@click.option("--json", "as_json", is_flag=True)
def compare_cmd(name, versions, aliases, metric, tracking_uri, as_json):
    """Two versions side by side (default: the two newest): their runs' parameters and metrics
    against the pipeline's targets, the objective, and their lineage."""

    client = _client(tracking_uri)
    c = compare(client, name, versions, aliases or (), metric=metric)
    if as_json:
        click.echo(json.dumps(c, indent=1))
        return
    click.echo(render_comparison(c))


@models.command("promote")
@click.argument("name")
@click.option("--alias", required=True, help="The alias to point at the version, e.g. champion.")
@click.option("--version", "version", help="The version to promote (default: the newest).")
@click.option(
    "--vs", "vs", metavar="ALIAS", help="Also require beating this alias's version on the objective."
)
@click.option("--metric", help="The objective for --vs (default: the first metric target).")
@click.option("--why", default="", help="Why: kept with the promotion.")
@click.option("--force", is_flag=True, help="Promote even if the gate refuses (recorded as forced).")
@click.option("--tracking-uri", help=_URI_HELP)
@click.option(
    "--events",
    multiple=True,
    metavar="URL",
    help="Publish the model.promoted event to URL too (repeatable; also NOTEBOOK_OPS_EVENTS).",
)
def promote_cmd(name, alias, version, vs, metric, why, force, tracking_uri, events):
    """Point ALIAS at a version whose run met the pipeline's metric_targets (exit 3 otherwise);
    a promotion is a model.promoted event."""

    if not alias.replace("_", "").replace("-", "").isalnum():
        raise NotebookOpsError(f"alias {alias!r}: letters, digits, '_' and '-' only")
    for url in events:
        check_url(url)  # a bad URL is refused before anything moves
    client = _client(tracking_uri)
    verdict = gate(client, name, version, vs=vs, metric=metric)
    for line in verdict.reasons:
        click.echo(f"  {line}")
    if not verdict.passed and not force:
        raise PromotionRefused(
            f"{name} version {verdict.version} not promoted to {alias!r}",
            hint="the checks above; --force promotes anyway and records it",
        )
    record = promote(client, verdict, alias, why=why, forced=force, events=events)
    click.echo(f"{name} version {verdict.version} is now {alias!r} ({record['gate']})")


@models.command("serve")
@click.argument("model", metavar="NAME@ALIAS|NAME/VERSION", required=False, envvar=MODEL_ENV)
@click.option("--port", type=click.IntRange(1, 65535), default=5000, show_default=True)
@click.option("--host", default="127.0.0.1", show_default=True, help="0.0.0.0 to serve beyond this host.")
@click.option("--tracking-uri", help=_URI_HELP)
def serve_cmd(model, port, host, tracking_uri):
    """Serve a registered version through MLflow's scoring server (POST /invocations, GET /ping),
    in this environment (the one the pipeline ran in). MODEL may be written models:/NAME@ALIAS;
    without it, $NOTEBOOK_OPS_MODEL (the bundle's serving image sets it)."""

    if not model:
        raise NotebookOpsError(f"no model to serve: give NAME@ALIAS (or set {MODEL_ENV})")
    model = model.removeprefix("models:/")
    name, sep, which = model.partition("@") if "@" in model else model.partition("/")
    if not name or not which:
        raise NotebookOpsError(f"{model!r}: give NAME@ALIAS (e.g. churn-clf@champion) or NAME/VERSION")
    client = _client(tracking_uri)
    try:
        version = (
            client.get_model_version_by_alias(name, which)
            if sep == "@"
            else client.get_model_version(name, which)
        )
    except Exception:
        raise NotFoundError(
            f"{model!r} is not in the registry (models show {name} lists its versions)"
        ) from None
    click.echo(f"serving {name} version {version.version} on http://{host}:{port}/invocations", err=True)
    bindir = os.path.dirname(sys.executable)  # MLflow starts `uvicorn` from PATH: this environment's
    path = os.pathsep.join([bindir, os.environ.get("PATH", "")])
    env = {**os.environ, "MLFLOW_TRACKING_URI": client.tracking_uri, "PATH": path}
    cmd = [sys.executable, "-m", "mlflow", "models", "serve", "-m", f"models:/{model}"]
    cmd += ["--env-manager", "local", "--host", host, "--port", str(port)]
    try:
        raise SystemExit(subprocess.call(cmd, env=env))
    except KeyboardInterrupt:
        raise SystemExit(130) from None
