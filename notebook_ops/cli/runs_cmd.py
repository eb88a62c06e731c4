"""``notebook-ops runs list|show|compare|stats|sync``: past runs, read from the run folders' run.json;
``compare`` two of them side by side (notebook_ops.execution.compare); ``stats``
what they cost and gave per bundle version (notebook_ops.execution.stats); ``sync``
logs to MLflow what a run's follower process left unlogged (notebook_ops.tracking.sync)."""

from __future__ import annotations

import json
import time
from pathlib import Path

import click

from notebook_ops.bundle.load import open_bundle
from notebook_ops.cli.observation_lines import observed_line
from notebook_ops.errors import NotebookReadError, ParameterError
from notebook_ops.execution.compare import compare_runs
from notebook_ops.execution.run_service import find_run, list_runs, load_run, runs_root, target_kind
from notebook_ops.execution.stats import run_stats
from notebook_ops.model.contracts.runs import RunRecord
from notebook_ops.execution.statsplot import check_plot_path, plot_stats
from notebook_ops.model.multi import SOURCE_SUFFIXES, load_pipeline
from notebook_ops.tracking import exports, sync
from notebook_ops.util.backoff import delay


@click.group("runs")
def runs():
    """List past runs and show one."""


@runs.command("list")
@click.option(
    "--root",
    type=click.Path(file_okay=False),
    help="Runs folder (default: ./.notebook_ops/runs, or beside NOTEBOOK).",
)
@click.option(
    "--notebook",
    type=click.Path(exists=True, dir_okay=False),
    help="List the runs of this notebook's folder.",
)
@click.option("--schedule", metavar="NAME", help="The runs of schedule NAME (from the schedule store).")
@click.option("--airflow", "airflow_url", metavar="URL", help="The runs in this Airflow 3 (see `deploy`).")
@click.option("--dag", "dag_id", metavar="DAG_ID", help="With --airflow: this DAG's runs only.")
@click.option("-n", "--limit", type=int, default=20, show_default=True)
@click.option("--json", "as_json", is_flag=True)
def list_cmd(root, notebook, schedule, airflow_url, dag_id, limit, as_json):
    """Runs, newest first."""
    if airflow_url or dag_id:  # remote runs, with each task's state and a link to Airflow's UI
        from notebook_ops.cli.deploy_cmd import list_remote  # noqa: PLC0415 - another command's module: each loads only when its command runs

        return list_remote(airflow_url, dag_id, limit, as_json)
    if schedule:  # the scheduler's run history (state, run folder, MLflow run per firing)
        from notebook_ops.cli.schedule_cmd import runs_cmd  # noqa: PLC0415 - another command's module: each loads only when its command runs

        return click.get_current_context().invoke(runs_cmd, name=schedule, limit=limit, as_json=as_json)

    rows = list_runs(root or runs_root(notebook))[:limit]
    if as_json:
        click.echo(json.dumps(rows, indent=1, default=str))
        return
    if not rows:
        click.echo("no runs yet")
        return
    from rich.console import Console  # noqa: PLC0415 - rich.console costs 49 ms CPU to import, loaded on first use
    from rich.table import Table  # noqa: PLC0415 - rich.table costs 45 ms CPU to import, loaded on first use

    t = Table(show_edge=False, pad_edge=False)
    for col in ("run id", "pipeline", "status", "started", "time", "steps"):
        t.add_column(col)
    for r in rows:
        steps = r.get("steps") or {}
        ok = sum(1 for s in steps.values() if s.get("status") == "succeeded")
        dur = f"{r['duration_s']:.1f}s" if isinstance(r.get("duration_s"), (int, float)) else ""
        status = str(r.get("status"))
        if r.get("process_alive") is False:
            status += " (process gone)"
        t.add_row(
            r.get("run_id", "?"),
            str(r.get("pipeline", "")),
            status,
            str(r.get("started_at", ""))[:19],
            dur,
            f"{ok}/{len(steps)}",
        )
    Console().print(t)


@runs.command("show")
@click.argument("run_id")
@click.option("--root", type=click.Path(file_okay=False), help="Runs folder.")
@click.option("--json", "as_json", is_flag=True)
def show_cmd(run_id, root, as_json):
    """One run: steps, metrics, targets, where its files are."""

    record = load_run(run_id, root)
    if as_json:
        click.echo(json.dumps(record, indent=1, default=str))
        return
    from rich.console import Console  # noqa: PLC0415 - rich.console costs 49 ms CPU to import, loaded on first use

    from notebook_ops.cli.run_cmd import print_summary  # noqa: PLC0415 - another command's module: each loads only when its command runs

    c = Console()
    c.print(
        f"pipeline {record.get('pipeline')} · started {record.get('started_at')} · "
        f"parameters {json.dumps(record.get('parameters'))}"
    )
    git = record.get("git") or {}
    if git.get("commit"):
        c.print(f"git {git['commit'][:12]} on {git.get('branch')}{' (dirty)' if git.get('dirty') else ''}")
    print_summary(c, record)
    observed = [(name, s["observed"]) for name, s in (record.get("steps") or {}).items() if s.get("observed")]
    if observed:
        c.print("observed (what each step's code did):", markup=False)
        for name, seen in observed:
            c.print(f"  {name}: {observed_line(seen)}", markup=False, highlight=False)


@runs.command("compare")
@click.argument("run_a")
@click.argument("run_b")
@click.option(
    "--root",
    type=click.Path(file_okay=False),
    help="Runs folder (default: ./.notebook_ops/runs, or beside NOTEBOOK).",
)
@click.option(
    "--notebook",
    type=click.Path(exists=True, dir_okay=False),
    help="Compare runs of this notebook's folder.",
)
@click.option("--json", "as_json", is_flag=True)
def compare_cmd(run_a, run_b, root, notebook, as_json):
    """Two runs side by side: the parameters that differ, metrics with deltas (b - a) against
    their targets, and per step whether it was reused or re-ran, with its time and cost."""

    folder = root or runs_root(notebook)
    records = [RunRecord.from_dict(load_run(ref, folder)) for ref in (run_a, run_b)]
    result = compare_runs(*records)
    if as_json:
        click.echo(json.dumps(result.to_dict(), indent=1, default=str))
        return
    _print_comparison(result)


def _num(value, fmt: str) -> str:
    return fmt.format(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else "-"


def _signed(value, fmt: str) -> str:
    return ("+" if isinstance(value, (int, float)) and value > 0 else "") + _num(value, fmt)


def _value(value) -> str:
    if value is None:
        return "-"
    return f"{value:.6g}" if isinstance(value, float) else json.dumps(value, default=str)


def _print_comparison(cmp) -> None:
    from rich.console import Console  # noqa: PLC0415 - rich.console costs 49 ms CPU to import, loaded on first use
    from rich.table import Table  # noqa: PLC0415 - rich.table costs 45 ms CPU to import, loaded on first use

    c = Console(highlight=False)
    a, b = cmp.a, cmp.b
    for tag, side in (("a", a), ("b", b)):
        where = f"bundle v{side.bundle_version}" if side.bundle_version else "notebook"
        commit = f" · git {side.commit[:12]}" if side.commit else ""
        c.print(
            f"{tag}: run {side.run_id} · {side.status} · {where}{commit} · "
            f"{_num(side.duration_s, '{:.1f}s')} wall, {_num(side.cpu_s, '{:.2f}s')} CPU",
            markup=False,
        )
    changed = [p for p in cmp.parameters if p.changed]
    same = len(cmp.parameters) - len(changed)
    if changed:
        c.print("parameters that differ:", markup=False)
        t = Table(show_edge=False, pad_edge=False)
        for col in ("parameter", "a", "b"):
            t.add_column(col)
        for p in changed:
            t.add_row(p.name, _value(p.a), _value(p.b))
        c.print(t)
    c.print(f"{same} parameter(s) the same" if same or not changed else "no parameters", markup=False)
    if cmp.metrics:
        c.print("metrics:", markup=False)
        t = Table(show_edge=False, pad_edge=False)
        for col in ("metric", "a", "b", "b - a", "target"):
            t.add_column(col)
        for m in cmp.metrics:
            verdict = {True: "met", False: "missed", None: "-"}
            target = f"{m.target}: {verdict[m.met_a]} → {verdict[m.met_b]}" if m.target else ""
            t.add_row(m.name, _value(m.a), _value(m.b), _signed(m.delta, "{:.4g}"), target)
        c.print(t)
    c.print("steps:", markup=False)
    t = Table(show_edge=False, pad_edge=False)
    for col in ("step", "a", "b", "time a", "time b", "CPU b", "peak MiB b", "inputs"):
        t.add_column(col)
    for s in cmp.steps:
        inputs = {True: "same", False: "changed", None: "-"}[s.same_inputs]
        t.add_row(
            s.name,
            s.outcome_a,
            s.outcome_b,
            _num(s.a.duration_s, "{:.1f}s"),
            _num(s.b.duration_s, "{:.1f}s"),
            _num(s.b.cpu_s, "{:.2f}s"),
            _num(s.b.peak_mem_mb, "{:.0f}"),
            inputs,
        )
    c.print(t)
    c.print(
        f"wall {_signed(cmp.duration_delta_s, '{:.1f}s')}, CPU {_signed(cmp.cpu_delta_s, '{:.2f}s')} (b - a)",
        markup=False,
    )


BUSY_PATIENCE_S = 10  # a follower just ending (or dying) lets go of a run within moments


def _sync_unless_busy(run_dir, patience: float):
    """``sync_folder`` without waiting on another process's lock for longer than ``patience``
    seconds; None if it is still held then."""

    deadline = time.monotonic() + patience
    attempt = 0
    while True:
        try:
            return sync.sync_folder(run_dir, wait=False)
        except sync.Busy:
            attempt += 1
            if time.monotonic() >= deadline:
                return None
            time.sleep(delay(attempt, 0.1, 1.0))


@runs.command("sync")
@click.argument("run_id", required=False)
@click.option("--root", type=click.Path(file_okay=False), help="Runs folder.")
def sync_cmd(run_id, root):
    """Log to MLflow what RUN_ID (default: every run in the runs folder, and the exports beside
    it) is missing there; what is logged already is not logged again."""

    root = Path(root) if root else runs_root()
    folders = [find_run(run_id, root).path] if run_id else sync.stale_runs(root, limit=10_000)
    failed = False
    for d in folders:
        if not sync.pending(d):
            state = sync.logged(d)
            what = f"MLflow run {state['run_id']}" if state.get("run_id") else "not tracked (--no-track)"
            click.echo(f"{d.name}: {what}, nothing to log")
            continue
        state = _sync_unless_busy(d, patience=BUSY_PATIENCE_S if run_id else 0)
        if state is None:
            click.echo(f"{d.name}: being logged now by another process (its follower); try again later")
            continue
        if state.get("error"):
            failed = True
            click.echo(f"{d.name}: not logged: {state['error']}", err=True)
        elif state.get("finished"):
            click.echo(f"{d.name}: MLflow run {state['run_id']} ({len(state.get('steps') or {})} step runs)")
        else:
            click.echo(f"{d.name}: MLflow run {state.get('run_id')} so far; the run has not ended")
    if not run_id:
        for eid, rid in exports.sync_exports(root.parent / exports.EXPORTS).items():
            click.echo(f"export {eid}: MLflow run {rid}")
    if failed:
        raise click.exceptions.Exit(1)


def _stats_source(target, root):
    """(pipeline name or None, its settings, runs folder) for ``runs stats TARGET``."""

    if target is None or not Path(target).exists():
        if target is not None and str(target).endswith(SOURCE_SUFFIXES):
            raise NotebookReadError(
                "no such file", path=target, hint="give a notebook, a bundle or a pipeline name"
            )
        return target, {}, Path(root) if root else runs_root()
    if target_kind(target) == "bundle":
        manifest = open_bundle(target).manifest
        return manifest["name"], manifest, Path(root) if root else runs_root()

    pipeline = load_pipeline(target)
    return pipeline.name, pipeline.settings or {}, Path(root) if root else runs_root(target)


@runs.command("stats")
@click.argument("target", required=False, metavar="[NOTEBOOK|BUNDLE|PIPELINE]")
@click.option(
    "--root", type=click.Path(file_okay=False), help="Runs folder (default: beside NOTEBOOK, else ./)."
)
@click.option(
    "--cost-per-cpu-hour",
    "rate",
    type=click.FloatRange(min=0),
    help="What a CPU hour costs (default: the pipeline's setting cost_per_cpu_hour).",
)
@click.option(
    "--plot", type=click.Path(dir_okay=False), help="Also draw the stats to this .png or .svg file."
)
@click.option("--json", "as_json", is_flag=True)
def stats_cmd(target, root, rate, plot, as_json):
    """Per bundle version: runs, success rate, wall and CPU time per run, cost per run and the
    trend of each metric with a target."""

    if plot:
        check_plot_path(plot)
    name, settings, folder = _stats_source(target, root)
    records = list_runs(folder)
    if name is None:
        names = sorted({str(r["pipeline"]) for r in records if r.get("pipeline")})
        if len(names) > 1:
            raise ParameterError(
                f"the runs in {folder} are of several pipelines ({', '.join(names)})",
                hint="name one: notebook-ops runs stats PIPELINE",
            )
        name = names[0] if names else None
    if rate is None and isinstance(settings.get("cost_per_cpu_hour"), (int, float)):
        rate = float(settings["cost_per_cpu_hour"])
    stats = run_stats(
        records,
        pipeline=name,
        cost_per_cpu_hour=rate,
        target_metrics=list(settings.get("metric_targets") or []),
    )
    if plot:
        plot_stats(stats, plot)
    if as_json:
        click.echo(json.dumps(stats.to_dict(), indent=1))
        return
    if not stats.versions:
        click.echo(f"no finished runs of {name or 'any pipeline'} in {folder}")
        return
    _print_stats(stats)
    if plot:
        click.echo(f"plot: {plot}")


def _print_stats(stats) -> None:
    from rich.console import Console  # noqa: PLC0415 - rich.console costs 49 ms CPU to import, loaded on first use
    from rich.table import Table  # noqa: PLC0415 - rich.table costs 45 ms CPU to import, loaded on first use

    def num(v, fmt="{:.1f}") -> str:
        return fmt.format(v) if isinstance(v, (int, float)) else "-"

    title = f"runs of {stats.pipeline}"
    if stats.cost_per_cpu_hour is not None:
        title += f", cost at {stats.cost_per_cpu_hour:g} per CPU hour"
    caption = "metrics: mean (first run → last run)" if stats.metrics else None
    t = Table(title=title, caption=caption, show_edge=False, pad_edge=False)
    cols = ["version", "runs", "success", "wall/run", "CPU/run", "peak MiB"]
    if stats.cost_per_cpu_hour is not None:
        cols.append("cost/run")
    cols += list(stats.metrics)
    for col in cols:
        t.add_column(col)
    for v in stats.versions:
        row = [
            v.version,
            str(v.runs),
            f"{v.success_rate:.0%}",
            num(v.mean_wall_s, "{:.1f}s"),
            num(v.mean_cpu_s, "{:.2f}s"),
            num(v.max_peak_mem_mb, "{:.0f}"),
        ]
        if stats.cost_per_cpu_hour is not None:
            row.append(num(v.cost_per_run, "{:.6g}"))
        for m in stats.metrics:
            tr = v.metrics.get(m)
            row.append(f"{tr.mean:.4g} ({tr.first:.4g}→{tr.last:.4g})" if tr else "-")
        t.add_row(*row)
    Console().print(t)
