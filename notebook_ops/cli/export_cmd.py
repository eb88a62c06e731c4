"""``export``: the notebook as a versioned, reproducible bundle (folder + .tar.gz)."""

from __future__ import annotations

import json
import shlex

import click

from notebook_ops.bundle import export_notebook
from notebook_ops.bundle.prove import ProofFailed, prove_bundle
from notebook_ops.cli.folder_glob import glob_option, with_glob
from notebook_ops.deploy import generators as targets


@click.command("export")
@click.argument("notebook", type=click.Path())
@click.option(
    "-o",
    "--out",
    "out_dir",
    default="dist",
    show_default=True,
    help="Folder that receives <name>-v<N>/ and <name>-v<N>.tar.gz.",
)
@glob_option
@click.option("--name", default=None, help="Pipeline name (default: the notebook's).")
@click.option(
    "--allow-dirty", is_flag=True, help="Export uncommitted changes; the manifest marks the bundle dirty."
)
@click.option("--no-tag", is_flag=True, help="Do not record the version as a git tag.")
@click.option("--no-mlflow", is_flag=True, help="Do not log the export to MLflow.")
@click.option(
    "--target",
    "target_list",
    default=None,
    metavar="NAMES",
    help="Deploy targets to generate under targets/, comma-separated "
    "(airflow,airflow-image,kfp,argo,k8s; 'none' for none; default: all).",
)
@click.option(
    "--prove",
    "prove",
    is_flag=True,
    help="Then prove the bundle: a clean env from its requirements, each step as an orchestrator "
    "task, results compared with the notebook's latest run (notebook-ops prove).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
def export(notebook, out_dir, pattern, name, allow_dirty, no_tag, no_mlflow, target_list, prove, as_json):
    """Export NOTEBOOK (or a pipeline file, a folder of notebooks) to a bundle DevOps can run,
    verify and diff."""

    notebook = with_glob(notebook, pattern)

    target_names = None
    if target_list is not None:
        target_names = [t.strip() for t in target_list.split(",") if t.strip() not in ("", "none")]
        for t in target_names:
            targets.get(t)  # an unknown name fails here, listing the known ones
    r = export_notebook(
        notebook,
        out_dir=out_dir,
        name=name,
        allow_dirty=allow_dirty,
        target_names=target_names,
        tag=not no_tag,
        track=False if no_mlflow else "process",  # logged by a follower process
    )
    for w in r.warnings:
        click.echo(f"warning: {w}", err=True)
    if as_json:
        out = r.to_dict()
        if prove:
            try:
                out["proof"] = prove_bundle(r.folder).to_dict()
            except ProofFailed as exc:
                out["proof"] = exc.record.to_dict()
                click.echo(json.dumps(out, indent=2))
                raise
        click.echo(json.dumps(out, indent=2))
        return
    what = "unchanged, same version" if r.reused else "new version"
    tag = f"; git tag {r.tag}" if r.tag else ""
    dirty = "; DIRTY work tree" if (r.manifest["provenance"].get("git") or {}).get("dirty") else ""
    click.echo(click.style(f"exported {r.name} v{r.version}", bold=True) + f" ({what}{tag}{dirty})")
    click.echo(f"  folder:  {r.folder}")
    click.echo(f"  archive: {r.archive}")
    if r.shipped:
        click.echo(f"  shipped: {r.shipped} from the project (README.md: Files and code shipped)")
    if r.pip_installs:
        click.echo(
            f"  %pip install lines read as requirements: {', '.join(r.pip_installs)} "
            "(pinned in requirements.txt)"
        )
    if r.mlflow_run_id:
        click.echo(f"  mlflow:  export run {r.mlflow_run_id}")
    elif r.mlflow_pending:
        click.echo(f"  mlflow:  export run being logged in the background ({r.mlflow_pending} gets its id)")
    folder = shlex.quote(str(r.folder))
    if prove:
        from notebook_ops.cli.prove_cmd import run_proof  # noqa: PLC0415 - another command's module: each loads only when its command runs

        run_proof(r.folder)
    click.echo("next:")
    click.echo(f"  notebook-ops verify {folder}")
    click.echo(f"  notebook-ops run {folder} [-p NAME=VALUE]...")
    click.echo(f"  docker build -t {r.name}:v{r.version} {folder}")
    click.echo(f"  MLFLOW_TRACKING_URI=sqlite:///$PWD/mlflow.db mlflow run {folder} --env-manager local")
