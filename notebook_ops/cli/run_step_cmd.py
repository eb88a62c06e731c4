"""``notebook-ops run-step BUNDLE STEP --data URL``: one step, as an orchestrator task runs it."""

from __future__ import annotations

import json
import os

import click

from notebook_ops.deploy.step_task import check
from notebook_ops.deploy.step_task import run_step as run
from notebook_ops.errors import BundleInvalid
from notebook_ops.model.parameters import parse_pairs


@click.command("run-step")
@click.argument("bundle", type=click.Path())
@click.argument("step")
@click.option(
    "--data",
    "data_url",
    required=True,
    metavar="URL",
    help="Shared data store: a folder or an fsspec URL (s3://...). Inputs are read "
    "from URL/<producer>/, outputs written to URL/<step>/.",
)
@click.option(
    "-p", "--param", "pairs", multiple=True, metavar="NAME=VALUE", help="Parameter value (repeatable)."
)
@click.option(
    "--param-value",
    "named",
    multiple=True,
    nargs=2,
    metavar="NAME VALUE",
    help="Parameter value as two arguments (for engines that template values).",
)
@click.option(
    "--stage-in",
    "stage_in",
    multiple=True,
    nargs=2,
    metavar="STEP PATH",
    help="Copy a producer's outputs from PATH (folder or URL) into the data store first.",
)
@click.option(
    "--stage-out", metavar="PATH", help="Copy this step's outputs to PATH (folder or URL) afterwards."
)
@click.option(
    "--output-notebook", type=click.Path(dir_okay=False), help="Also write the executed step notebook here."
)
@click.option(
    "--run-id",
    default=None,
    help="Run id shown by nbo.context() (default: $NOTEBOOK_OPS_RUN_ID, else a new one).",
)
@click.option(
    "--tracking-uri",
    metavar="URI",
    help="MLflow store for the step's records and the models it logs (default: "
    "$MLFLOW_TRACKING_URI; without either, nothing is tracked).",
)
@click.option("--no-track", is_flag=True, help="Do not write to MLflow even if MLFLOW_TRACKING_URI is set.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@click.option("-q", "--quiet", is_flag=True, help="Do not print the step's output.")
def run_step(
    bundle,
    step,
    data_url,
    pairs,
    named,
    stage_in,
    stage_out,
    output_notebook,
    run_id,
    tracking_uri,
    no_track,
    as_json,
    quiet,
):
    """Run STEP of BUNDLE alone against a shared data store (what every deploy target calls).
    With an MLflow store the step's models are registered with the bundle's lineage, and the
    last step applies the pipeline's promote setting."""

    tracking_uri = None if no_track else tracking_uri or os.environ.get("MLFLOW_TRACKING_URI") or None
    params = parse_pairs(pairs)
    params.update({name: value for name, value in named})
    try:
        result = run(
            bundle,
            step,
            data_url=data_url,
            params=params,
            stage_in={s: path for s, path in stage_in},
            stage_out=stage_out,
            output_notebook=output_notebook,
            run_id=run_id,
            tracking_uri=tracking_uri,
        )
    except BundleInvalid as exc:  # bad input (exit 2): an orchestrator retries a task's exit 1
        exc.exit_code = 2
        raise
    if result.log and not quiet and not as_json:
        click.echo(result.log.rstrip("\n"))
    if as_json:
        click.echo(
            json.dumps(
                {
                    "step": result.step,
                    "ok": result.ok,
                    "error": result.error,
                    "cell": result.cell,
                    "metrics": result.metrics,
                    "data": result.data_url,
                    "duration_s": result.duration_s,
                    "cpu_s": result.cpu_s,
                    "peak_mem_mb": result.peak_mem_mb,
                    "models": result.models,
                    "promotion": result.promotion,
                    "tracking_error": result.tracking_error,
                },
                indent=2,
            )
        )
    if result.tracking_error and not as_json:  # the step's outcome stands; say why MLflow has nothing
        click.echo(f"warning: MLflow not written: {result.tracking_error}", err=True)
    check(result)
    if not as_json:
        metrics = ", ".join(f"{k}={v}" for k, v in result.metrics.items())
        click.echo(
            f"step {step} succeeded; outputs in {result.data_url}/{step}/"
            + (f"; metrics: {metrics}" if metrics else "")
        )
        for name, version in result.models.items():
            click.echo(f"registered {name} version {version}")
        p = result.promotion
        if p:
            done = "promoted" if p["promoted"] else "not promoted"
            click.echo(
                f"{p['model']} v{p.get('version', '-')} -> {p['alias']}: {done}; " + "; ".join(p["reasons"])
            )
