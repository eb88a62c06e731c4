"""``inspect`` and ``lint``: the pipeline a notebook defines, and what is wrong with it."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import click

from notebook_ops.cellref import cell_label, cell_ranges
from notebook_ops.cli.folder_glob import glob_option
from notebook_ops.cli.observation_lines import observed_line
from notebook_ops.errors import NotebookOpsError
from notebook_ops.events.publish import with_settings_problems
from notebook_ops.execution.observations import (
    latest_observation,
    observation_note,
    observed_problems,
    with_observed_problems,
)
from notebook_ops.execution.staleness import staleness
from notebook_ops.model import folder, load_pipeline
from notebook_ops.model.contracts.pipeline_view import PipelineView
from notebook_ops.model.contracts.stale_view import StalenessView
from notebook_ops.model.parameters import parse_pairs
from notebook_ops.model.pipeline import Pipeline

_COLOURS = {"error": "red", "warning": "yellow", "info": "cyan"}


def _cells(indices) -> str:
    """``[2, 4, 5, 6]`` -> ``3, 5-7``: JupyterLab's numbers (notebook_ops/cellref.py)."""
    return cell_ranges(indices) or "-"


def problem_line(pipeline_path: str | None, p) -> str:
    where = [pipeline_path or "<notebook>"]
    if p.cell is not None:
        where.append(cell_label(p.cell))
    if p.step:
        where.append(f"step {p.step}")
    text = ": ".join(where) + f": {p.severity}: {p.message} [{p.code}]"
    return text + (f" ({p.hint})" if p.hint else "")


def _notebooks(p: Pipeline) -> list[str]:
    """A pipeline across notebooks: each notebook's steps, then the edges between notebooks."""
    entry = " (the first is the entry)" if str(p.path).endswith(".ipynb") else ""
    lines = [click.style("Notebooks", bold=True) + entry]
    of = {s.name: s.notebook for s in p.steps}
    for part in p.parts:
        nb = part.steps[0].notebook if part.steps else part.path
        lines.append(f"  {nb}: {', '.join(s.name for s in part.steps)}")
    edges = [(d, s.name) for s in p.steps for d in s.after if of.get(d) != s.notebook]
    lines.append(click.style("Edges between notebooks", bold=True))
    for d, u in edges:
        names = [v for v, src in p.step(u).input_sources if src == d] + [
            f"file {f}" for f, src in p.step(u).files_in if src == d
        ]
        lines.append(f"  {d} ({of[d]}) -> {u} ({of[u]})" + (f": {', '.join(names)}" if names else ""))
    return lines


def _models(models) -> str:
    """``churn-clf, dynamic f'clf-{region}' (cell 7)``: the models a step registers."""

    def one(m) -> str:
        where = f" ({cell_label(m.cell)})" if m.cell is not None else ""
        return m.name if m.name else f"dynamic {m.expression}{where}"

    return ", ".join(one(m) for m in models)


def render(p: Pipeline) -> str:
    bold = lambda s: click.style(s, bold=True)  # noqa: E731
    lines = [
        f"{bold(p.name)}  {p.path or ''}  ({len(p.steps)} step{'s' * (len(p.steps) != 1)}, "
        f"{len(p.parameters)} parameter{'s' * (len(p.parameters) != 1)})",
        "",
    ]
    lines.append(bold("Steps") + " (graph order)")
    width = max((len(s.name) for s in p.steps), default=4)
    for n, s in enumerate(p.steps, 1):
        after = ", ".join(s.after) or "-"
        lines.append(
            f"  {n}. {s.name:<{width}}  after: {after:<24} cells {_cells(s.cells)}"
            + (f" of {s.notebook}" if s.notebook else "")
        )
        src: dict[str, list[str]] = {}
        for var, producer in s.input_sources:
            src.setdefault(producer, []).append(var)
        ins = "; ".join(f"{', '.join(v)} (from {k})" for k, v in src.items()) or "-"
        lines.append(f"     {'':<{width}}  in:  {ins}")
        outs = [f"{o} (changed)" if o in s.changed else o for o in s.outputs]
        lines.append(f"     {'':<{width}}  out: {', '.join(outs) or '-'}")
        extra = [f"{k}={v}" for k, v in s.options.items()]
        if s.parameters_read:
            lines.append(f"     {'':<{width}}  params: {', '.join(s.parameters_read)}")
        if s.metrics:
            lines.append(f"     {'':<{width}}  metrics: {', '.join(s.metrics)}")
        if s.models:
            lines.append(f"     {'':<{width}}  models: {_models(s.models)}")
        if extra:
            lines.append(f"     {'':<{width}}  options: {', '.join(extra)}")
        for label, items in (
            ("code", s.modules),
            ("data", s.assets),
            ("files in", [f"{f} (from {w})" for f, w in s.files_in]),
            ("files out", s.files_out),
        ):
            if items:
                lines.append(f"     {'':<{width}}  {label}: {', '.join(items)}")
    if p.parts:
        lines += [""] + _notebooks(p)
    if p.setup_cells:
        lines.append(f"  setup cells {_cells(p.setup_cells)} run at the start of every step")
    lines += [
        "",
        bold("Parameters") + (f" ({cell_label(p.parameters_cell)})" if p.parameters_cell is not None else ""),
    ]
    if not p.parameters:
        lines.append("  none (tag a cell 'parameters' to add some)")
    pw = max((len(x.name) for x in p.parameters), default=4)
    for x in p.parameters:
        lines.append(f"  {x.name:<{pw}}  {x.type:<6} {x.source or repr(x.default):<10} {x.help}".rstrip())
    pr_ = p.project
    if pr_ is not None and (pr_.modules or pr_.assets or pr_.external or pr_.pip or pr_.dirs):
        lines += ["", bold("From the project") + f" ({pr_.root})"]
        if pr_.modules:
            found = f", found in {', '.join(pr_.code_roots)}" if pr_.code_roots else ""
            lines.append(f"  code: {len(pr_.modules)} local module(s){found}")
        if pr_.assets:
            lines.append(f"  data: {', '.join(pr_.assets)}")
        for path, name, url in pr_.external:
            lines.append(f"  external: {path} <- parameter {name} (default {url})")
        if pr_.dirs:
            lines.append(f"  folders written into: {', '.join(pr_.dirs)} (created in a bundle's workspace)")
        if pr_.pip:
            lines.append(f"  %pip install: {', '.join(r for r, _ in pr_.pip)} (pinned in requirements.txt)")
    targets = p.settings.get("metric_targets") or {}
    if targets:
        lines += ["", bold("Metric targets")] + [f"  {k} {v}" for k, v in targets.items()]
    lines += ["", bold("Problems")]
    if not p.problems:
        lines.append("  " + click.style("none", fg="green"))
    for pr in p.problems:
        where = cell_label(pr.cell) if pr.cell is not None else "notebook"
        if pr.step:
            where += f", step {pr.step}"
        sev = click.style(f"{pr.severity:<7}", fg=_COLOURS.get(pr.severity))
        lines.append(
            f"  {sev} {where}: {pr.message} [{pr.code}]" + (f"\n           fix: {pr.hint}" if pr.hint else "")
        )
    return "\n".join(lines)


_STATE_COLOURS = {"fresh": "green", "stale": "yellow", "never_run": "cyan"}


def render_stale(view: StalenessView) -> str:
    """One line per step: its state, and for a stale one what changed."""
    width = max((len(s.step) for s in view.steps), default=4)
    lines = [click.style(view.pipeline, bold=True) + ": " + _stale_summary(view), ""]
    for s in view.steps:
        state = click.style(f"{s.state.replace('_', ' '):<9}", fg=_STATE_COLOURS[s.state])
        if s.state == "fresh":
            why = f"reused from run {s.run_id}" if s.run_id else "reused from the cache"
        else:
            why = "; ".join(s.details) or ("not run yet" if s.state == "never_run" else "")
        lines.append(f"  {s.step:<{width}}  {state} {why}".rstrip())
    if not view.cache:
        lines += ["", "  the data store is remote: the cache serves local data stores only"]
    return "\n".join(lines)


def _stale_summary(view: StalenessView) -> str:
    if not view.stale:
        return "every step is fresh (a run now reuses them all from the cache)"
    n = len(view.stale)
    return f"{n} of {len(view.steps)} step{'s' * (len(view.steps) != 1)} would run: {', '.join(view.stale)}"


@click.command()
@click.argument("notebook", type=click.Path())
@click.option("--json", "as_json", is_flag=True, help="Print the pipeline as JSON.")
@glob_option
@click.option(
    "--write-pipeline",
    type=click.Path(dir_okay=False),
    help="A folder: write its inferred order to this pipeline file (to edit and run).",
)
@click.option("--force", is_flag=True, help="Overwrite the --write-pipeline file.")
@click.option(
    "--stale",
    is_flag=True,
    help="Show which steps a run now would run again (code, parameters or files changed since "
    "their last successful run, or a step before them did) and which the cache would reuse.",
)
@click.option("-p", "--param", "params", multiple=True, help="With --stale: a run's parameter (name=value).")
def inspect(notebook, as_json, pattern, write_pipeline, force, stale, params):
    """Show NOTEBOOK's pipeline (or a pipeline file's, Ploomber's pipeline.yaml's, an Elyra
    .pipeline's, a folder of notebooks'): steps in graph order with inputs and outputs, the
    notebooks and the edges between them, parameters, problems. With --stale: per step, fresh
    (the cache reuses it), stale and why, or never run."""

    if pattern:
        notebook = str(Path(notebook) / pattern)
    is_folder = folder.is_folder_source(notebook)
    if (pattern or write_pipeline) and not is_folder:
        raise click.UsageError("--glob and --write-pipeline take a folder of notebooks")
    if write_pipeline:
        _write_pipeline_file(notebook, Path(write_pipeline), force)
        return
    if params and not stale:
        raise click.UsageError("-p/--param goes with --stale")
    p = with_settings_problems(load_pipeline(notebook))
    if stale:
        view = staleness(p, parse_pairs(params))
        click.echo(json.dumps(view.to_dict(), indent=2) if as_json else render_stale(view))
        return
    seen = latest_observation(p, p.path) if p.path else None
    if seen is not None:
        p = replace(p, problems=(*p.problems, *observed_problems(p, seen)))
    if as_json:
        click.echo(json.dumps(PipelineView.of(p).to_dict(), indent=2, default=repr))
        return
    if is_folder:  # the folder is the pipeline's source (its first notebook is its path)
        click.echo(render(replace(p, path=notebook)))
        click.echo("\n" + click.style("Order inferred from the folder", bold=True))
        click.echo("\n".join(folder.describe_order(notebook)))
    else:
        click.echo(render(p))
    if seen is not None:
        bold = click.style("Observed", bold=True)
        click.echo(f"\n{bold}" + (f" (latest run of the same code: {seen.run_id})" if seen.run_id else ""))
        for name, obs in seen.steps.items():
            click.echo(f"  {name}: {observed_line(obs.to_dict())}")
        note = observation_note(seen)
        if note:
            click.echo(f"  {note}")


def _write_pipeline_file(source: str, out, force: bool) -> None:

    folder.write_pipeline_file(source, out, overwrite=force, exists_hint="pass --force to overwrite it")
    click.echo(f"wrote {out}")


@click.command()
@click.argument("notebooks", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option("--quiet", "-q", is_flag=True, help="Print errors only.")
def lint(notebooks, quiet):
    """Check NOTEBOOKS for pipeline problems: one line each; exit 1 if any has errors."""

    worst = 0
    for nb in notebooks:
        try:
            p = with_observed_problems(with_settings_problems(load_pipeline(nb)))
        except NotebookOpsError as exc:
            click.echo(f"{exc}", err=True)
            worst = max(worst, exc.exit_code)
            continue
        for pr in p.problems:
            if quiet and pr.severity != "error":
                continue
            click.echo(problem_line(nb, pr))
        if p.errors:
            worst = max(worst, 1)
    raise SystemExit(worst)
