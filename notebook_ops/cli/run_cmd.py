"""``notebook-ops run TARGET``: run a notebook or a bundle as a pipeline (thin: the run service
works; a scheduled run is this command in a child process)."""

from __future__ import annotations

import json
import signal
import sys

import click

from notebook_ops.cli.folder_glob import glob_option, with_glob
from notebook_ops.execution.run_service import run as run_target
from notebook_ops.model.contracts.runs import RunRecord
from notebook_ops.model.parameters import parse_pairs
from notebook_ops.tracking.sync import pending

STYLE = {
    "pending": "dim",
    "running": "yellow",
    "succeeded": "green",
    "failed": "bold red",
    "skipped": "dim",
    "cancelled": "magenta",
    "below_target": "bold yellow",
}


def _task_times(s) -> str:
    """A Dask task's time apart from its code's: `` (queued 0.0s, start-up 0.4s, code 1.2s)``."""
    times = (("queued", s.queued_s), ("start-up", s.startup_s), ("code", s.code_s))
    shown = [f"{label} {v:.1f}s" for label, v in times if v is not None]
    return f" ({', '.join(shown)})" if shown else ""


def _steps_table(record: dict, *, final: bool):
    from rich.table import Table  # noqa: PLC0415 - rich.table costs 45 ms CPU to import, loaded on first use

    r = RunRecord.from_dict(record)
    t = Table(title=None if not final else f"run {r.run_id}: {r.status}", show_edge=False, pad_edge=False)
    t.add_column("step")
    t.add_column("status")
    t.add_column("time", justify="right")
    t.add_column("note", overflow="fold")
    for name, s in r.steps.items():
        st = s.status
        dur = f"{s.duration_s:.1f}s" if s.duration_s is not None else ""
        note = s.error or ""
        if s.cached:
            st_txt, note = f"[{STYLE[st]}]{st}[/] (cached)", s.reused or "cached"
        else:
            st_txt = f"[{STYLE.get(st, '')}]{st}[/]"
        if s.attempts > 1:
            note = f"attempt {s.attempts}. {note}"
        if s.worker:  # a step that ran on a Dask worker (run --cluster)
            note = f"on {s.worker}{_task_times(s)}" + (f"; {note}" if note else "")
        t.add_row(name, st_txt, dur, note)
    return t


def print_summary(console, record: dict) -> None:

    r = RunRecord.from_dict(record)
    console.print(_steps_table(record, final=True))
    for name, s in r.steps.items():
        for var in s.changed_at_run:
            console.print(
                f"notice: step {name} changed '{var}' in place where the analysis could "
                "not see it (a library or helper call); the steps after it got the "
                "changed version"
            )
    if r.metrics:
        console.print(
            "metrics: "
            + ", ".join(f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}" for k, v in r.metrics.items())
        )
    for t in r.targets:
        mark = "not measured" if t.met is None else "[green]met[/]" if t.met else "[bold yellow]missed[/]"
        console.print(f"target {t.metric} {t.condition}: {t.value} {mark}")
    if r.error:
        console.print(f"[red]{r.error}[/]")
    console.print(f"run folder: {r.run_dir}")
    ml = r.mlflow
    if ml.tracking_uri:
        extra = f" (error: {ml.error}; `notebook-ops runs sync {r.run_id}` retries)" if ml.error else ""
        if not ml.error and r.run_dir and pending(r.run_dir):
            extra = " (being completed in the background)"
            if not ml.run_id:
                extra = (
                    f" (being logged in the background: `notebook-ops runs show {r.run_id}` has its "
                    f"id in a moment; `notebook-ops runs sync {r.run_id}` if it never does)"
                )
        console.print(f"MLflow: {ml.tracking_uri} run {ml.run_id or '(pending)'}{extra}")
        if str(ml.tracking_uri).startswith("sqlite:"):
            console.print(f"  see it: mlflow ui --backend-store-uri {ml.tracking_uri}")


def _sigterm_as_interrupt(signum, frame):
    raise KeyboardInterrupt


@click.command("run")
@click.argument("target", type=click.Path(exists=True))
@click.option(
    "-p",
    "--param",
    "params",
    multiple=True,
    metavar="NAME=VALUE",
    help="Set a parameter (repeatable); converted to the declared type.",
)
@click.option(
    "-f",
    "--params-file",
    type=click.Path(exists=True, dir_okay=False),
    help="A YAML file of parameter values (-p wins).",
)
@glob_option
@click.option("--steps", help="Run only these steps (comma-separated); others come from the cache.")
@click.option("--from", "from_step", metavar="STEP", help="Run STEP and everything downstream.")
@click.option("-j", "--jobs", type=click.IntRange(min=1), help="Steps in parallel (default: cores).")
@click.option("--no-cache", is_flag=True, help="Run every step even if unchanged.")
@click.option("--single-kernel", is_flag=True, help="All steps in one kernel (fast iteration).")
@click.option(
    "--kernels",
    type=click.Choice(["fork", "fresh"]),
    help="Step kernels forked from "
    "one process per run that imported the setup's libraries (default), or fresh "
    "interpreters; the notebook's metadata.notebook_ops.kernels sets its default.",
)
@click.option("--resume", metavar="RUN_ID", help="Re-run what failed in RUN_ID and what follows.")
@click.option("--run-dir", type=click.Path(file_okay=False), help="Use exactly this run folder.")
@click.option("--data-url", help="Data store for step outputs (a folder or an fsspec URL).")
@click.option(
    "--cluster",
    metavar="ADDRESS",
    help="Run each step as a task on this Dask cluster (tcp://HOST:8786; 'local': here); "
    "also NOTEBOOK_OPS_CLUSTER and metadata.notebook_ops.cluster. Needs a --data-url the "
    "workers reach.",
)
@click.option("--no-track", is_flag=True, help="Do not record the run in MLflow.")
@click.option("-q", "--quiet", is_flag=True, help="No progress display; errors only.")
@click.option("--json", "as_json", is_flag=True, help="Print run.json at the end (for machines).")
@click.option(
    "--events",
    multiple=True,
    metavar="URL",
    help="Publish run events to URL (repeatable; "
    "also NOTEBOOK_OPS_EVENTS): pulsar://host:port/topic, http(s)://..., a .jsonl file.",
)
def run(
    target,
    params,
    params_file,
    pattern,
    steps,
    from_step,
    jobs,
    no_cache,
    single_kernel,
    kernels,
    resume,
    run_dir,
    data_url,
    cluster,
    no_track,
    quiet,
    as_json,
    events,
):
    """Run TARGET (a notebook, a pipeline file, an Elyra .pipeline, a folder of notebooks, or a
    bundle) as a pipeline.

    Exit codes: 0 succeeded, 1 a step failed, 2 bad input, 3 below a metric target,
    130 interrupted.
    """

    target = with_glob(target, pattern)

    options = dict(
        params=parse_pairs(params),
        params_file=params_file,
        steps=steps,
        from_step=from_step,
        jobs=jobs,
        cache=not no_cache,
        single_kernel=single_kernel,
        resume=resume,
        run_dir=run_dir,
        data_url=data_url,
        cluster=cluster,
        track=False if no_track else "process",  # logged by a follower process: tracking/outbox.py
        kernels=kernels,
    )

    from rich.console import Console  # noqa: PLC0415 - rich.console costs 49 ms CPU to import, loaded on first use

    console = Console(stderr=True)
    live = None
    if not quiet and not as_json and console.is_terminal:
        from rich.live import Live  # noqa: PLC0415 - rich.live costs 62 ms CPU to import, loaded on first use

        live = Live(console=console, refresh_per_second=8, transient=True)

    def progress(event):
        if live is not None:
            live.update(_steps_table(event["run"], final=False))

    # the runner publishes events to these, NOTEBOOK_OPS_EVENTS and the notebook's settings
    # (bad URLs fail before the run starts: exit 2)
    options.update(progress=progress, events=events)
    if sys.platform != "win32":
        signal.signal(signal.SIGTERM, _sigterm_as_interrupt)

    if live is not None:
        live.start()
    try:
        result = run_target(target, **options)  # a notebook or a bundle: the run service
    finally:
        if live is not None:
            live.stop()
    if as_json:
        click.echo(json.dumps(result.record, indent=1, default=str))
    elif not quiet:
        print_summary(Console(soft_wrap=True), result.record)  # paths and URIs stay on one line
    elif result.status not in ("succeeded",) and result.record.get("error"):
        click.echo(f"{result.status}: {result.record['error']}", err=True)
    if result.exit_code:
        raise click.exceptions.Exit(result.exit_code)
