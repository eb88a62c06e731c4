"""``notebook-ops deploy BUNDLE --airflow URL --dags DAGS_URL``: hand a bundle to a running Airflow."""

from __future__ import annotations

import json
import os

import click

from notebook_ops.bundle.load import open_bundle
from notebook_ops.deploy import airflow_push as airflow
from notebook_ops.deploy.airflow_api import FILE_ENV, URL_ENV, AirflowClient, AirflowError, Credentials
from notebook_ops.errors import ParameterError
from notebook_ops.model.parameters import parse_pairs


def client_for(url: str, credentials):

    return AirflowClient(url, Credentials.from_env(credentials))


@click.command("deploy")
@click.argument("bundle", type=click.Path(exists=True))
@click.option(
    "--airflow",
    "airflow_url",
    required=True,
    envvar=URL_ENV,
    metavar="URL",
    help=f"Airflow 3's api-server, http(s)://HOST:PORT (or ${URL_ENV}).",
)
@click.option(
    "--dags",
    "dags_url",
    required=True,
    metavar="DAGS_URL",
    help="Where Airflow reads DAG files: its dags folder, or an fsspec URL its DAG bundle syncs.",
)
@click.option(
    "--bundles",
    "bundles_url",
    metavar="BUNDLES_URL",
    help="Where the workers fetch the bundle archive (folder or fsspec URL; default: DAGS_URL).",
)
@click.option(
    "--data-url",
    metavar="URL",
    help="The steps' shared data store (default: the workers' $NOTEBOOK_OPS_DATA or the DAG's).",
)
@click.option("--trigger", is_flag=True, help="Start a DAG run once Airflow has the new version.")
@click.option(
    "-p", "--param", "pairs", multiple=True, metavar="NAME=VALUE", help="Parameter of the run (repeatable)."
)
@click.option("--wait", is_flag=True, help="With --trigger: follow the run to its end (exit 1 if it fails).")
@click.option("--unpause", is_flag=True, help="With --trigger: unpause the DAG if it is paused.")
@click.option(
    "--timeout", type=float, default=300.0, show_default=True, help="Seconds to wait for the parse."
)
@click.option(
    "--credentials",
    type=click.Path(exists=True, dir_okay=False),
    help=f"JSON file with the Airflow credentials (or ${FILE_ENV}; else the environment).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the deployment (and run) as JSON.")
def deploy(
    bundle,
    airflow_url,
    dags_url,
    bundles_url,
    data_url,
    trigger,
    pairs,
    wait,
    unpause,
    timeout,
    credentials,
    as_json,
):
    """Put BUNDLE's Airflow DAG and archive where Airflow reads them; wait for the parse;
    optionally trigger a run with parameters and follow it."""

    if (pairs or wait or unpause) and not trigger:
        raise ParameterError("-p, --wait and --unpause go with --trigger")
    client = client_for(airflow_url, credentials)
    say = (lambda text: None) if as_json else click.echo
    d = airflow.deploy(
        bundle,
        client,
        dags_url=dags_url,
        bundles_url=bundles_url,
        data_url=data_url,
        timeout=timeout,
        say=say,
    )
    failed = False
    if trigger:
        conf = airflow.conf_for(open_bundle(bundle).manifest, parse_pairs(pairs))
        run = airflow.trigger(client, d.dag_id, conf, unpause=unpause)
        say(f"run {run['dag_run_id']} {run.get('state')}: {client.ui_url(d.dag_id, run['dag_run_id'])}")
        if run["paused"]:
            if wait:  # following would wait for someone to unpause it
                raise AirflowError(
                    f"the DAG {d.dag_id} is paused: run {run['dag_run_id']} stays queued",
                    hint="deploy with --unpause, or unpause it in Airflow's UI",
                )
            say("the DAG is paused: the run waits until it is unpaused (--unpause, or in Airflow's UI)")
        d.run = airflow.describe_run(client, run, {})
        if wait:
            d.run = airflow.follow(client, d.dag_id, run["dag_run_id"], say=say)
            say(airflow.summary_line(d.run))
            failed = d.run["state"] != "success"
    if as_json:
        click.echo(json.dumps(vars(d), indent=1, default=str))
    return 1 if failed else 0


def list_remote(airflow_url, dag_id, limit: int, as_json: bool, credentials=None) -> None:
    """``runs list --airflow URL [--dag DAG_ID]``: runs with per-task state and their UI link."""

    url = airflow_url or os.environ.get(URL_ENV)
    if not url:
        raise ParameterError(f"--dag goes with --airflow URL (or ${URL_ENV})")
    rows = airflow.list_runs(client_for(url, credentials), dag_id, limit=limit)
    if as_json:
        click.echo(json.dumps(rows, indent=1, default=str))
        return
    if not rows:
        click.echo("no runs yet")
        return
    for r in rows:  # plain lines: a run id and a URL stay whole (copyable) at any width
        started = str(r.get("start_date") or r.get("queued_at") or "")[:19].replace("T", " ")
        click.echo(f"{r['dag_id']}  {r['run_id']}  {r['state']}  {started}")
        tasks = " · ".join(f"{name} {ti.get('state') or 'none'}" for name, ti in r["tasks"].items())
        click.echo(f"  {tasks or 'no tasks yet'}")
        click.echo(f"  {r['url']}")
