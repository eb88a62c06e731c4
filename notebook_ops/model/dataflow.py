"""The data flow of a built notebook: each step's parameters, inputs and outputs, the metrics
Kale's ``pipeline-metrics`` cell reports, and the in-place changes a later step would not see.

Third stage of ``build`` (after the cells are read and the step graph is resolved); it reads
and records through the builder (``build.PipelineBuilder``): its cells and its problems.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from notebook_ops.cellref import cell_label
from notebook_ops.model import analysis, kale
from notebook_ops.model.parameters import parse_parameters
from notebook_ops.model.pipeline import Parameter, Step
from notebook_ops.model.settings import step_options

if TYPE_CHECKING:
    from notebook_ops.model.build import PipelineBuilder


def assign_metrics(builder: PipelineBuilder, order, step_flows, param_names) -> dict[str, list[str]]:
    """Kale's pipeline-metrics: each printed name is reported by the last step in graph
    order that defines it (or, for a parameter, reads it), as Kale assigns them."""
    metrics_of: dict[str, list[str]] = {n: [] for n in order}
    for i in builder.metrics_cells:
        names, bad = kale.metric_lines(builder.cells[i].source)
        if bad:
            builder.problem(
                "error",
                "bad-metrics-cell",
                f"line {bad[0]} of the pipeline-metrics cell is not print(NAME): Kale reads "
                "only print(NAME) lines there, NAME in lowercase letters, digits and '_'",
                cell=i,
                hint="compute the value in the step that makes it and print its name here",
            )
        for var in names:
            owners = [
                n
                for n in order
                if var in step_flows[n].defines
                or (var in param_names and var in step_flows[n].external_reads)
            ]
            if owners:
                if var not in metrics_of[owners[-1]]:
                    metrics_of[owners[-1]].append(var)
            else:
                builder.problem(
                    "warning",
                    "undefined-metric",
                    f"metric '{var}' is defined by no step",
                    cell=i,
                    hint="print a name a step assigns (or a parameter a step reads)",
                )
    return metrics_of


# -- 3. parameters, data flow -----------------------------------------------------------------
def check_changes(
    builder: PipelineBuilder, reader, var, cell, source, ups, providers, flows, upstream, position
):
    """Problems of objects changed in place that ``reader`` reads from ``source``.

    ``conflicting-change``: two upstream steps that do not follow each other both give a
    version of ``var`` and one changed it in place: the reader sees only one of the changes.
    ``hidden-state``: a step that is not upstream changed the object the reader gets, before
    it in the notebook: top to bottom the reader sees that change, as a pipeline it does not.
    """
    latest = [u for u in ups if not any(u in upstream[o] for o in ups if o != u)]
    if len(latest) > 1 and any(var in flows[u].changed for u in latest):
        a, b = sorted(latest, key=position.get)[:2]
        builder.problem(
            "error",
            "conflicting-change",
            f"reads '{var}', which steps '{a}' and '{b}' both change and neither runs "
            f"after the other: the step would see only one of the changes",
            step=reader,
            cell=cell,
            hint=f"choose an order: add the tag after:{a} to {cell_label(builder.step_first[b])}",
        )
        return
    if var in flows[reader].changed:
        return  # it changes the object itself; a join after it gets a conflicting-change
    for p in providers:
        pf = flows[p]
        if (
            var in pf.changed
            and p not in upstream[reader]
            and reader not in upstream[p]
            and position[p] < position[reader]
            and (source == p or source in upstream[p])
        ):
            builder.problem(
                "error",
                "hidden-state",
                f"reads '{var}', which step '{p}' changes in place, and '{p}' is not "
                "upstream of it: it works top to bottom in the notebook but not as a "
                "pipeline",
                step=reader,
                cell=cell,
                hint=f"add the tag after:{p} to {cell_label(builder.step_first[reader])}",
            )
            return


def cell_flows(builder: PipelineBuilder) -> dict[int, analysis.CellFlow]:
    """Each code cell's names read and defined (objects shared by names followed in notebook
    order); a cell that does not parse or star-imports is a problem."""
    flows: dict[int, analysis.CellFlow] = {}
    aliases = analysis.Aliases()  # objects shared by names, followed in notebook order
    for cell in builder.cells:
        if cell.cell_type == "code" and cell.role in ("code", "setup", "metrics"):
            flow = analysis.analyze_cell(cell.analysed, aliases)
            flows[cell.index] = flow
            if flow.syntax_error:
                msg, line = flow.syntax_error
                builder.problem(
                    "error",
                    "syntax-error",
                    f"syntax error: {msg} (line {line})",
                    step=cell.step,
                    cell=cell.index,
                    hint="fix the code so the cell parses",
                )
            if flow.star_import:
                builder.problem(
                    "warning",
                    "star-import",
                    "'from ... import *' hides which names the cell defines",
                    step=cell.step,
                    cell=cell.index,
                    hint="import the names you use explicitly",
                )

    return flows


def setup_names(builder: PipelineBuilder, flows, param_names):
    """The parameters the setup cells read, and the names every step may read (built-ins,
    parameters, setup definitions); a setup cell reading an undefined name is a problem."""
    available = analysis.BUILTINS | param_names
    setup = analysis.step_flow([(i, flows[i]) for i in builder.setup_cells if i in flows])
    setup_params = {n for n in setup.external_reads if n in param_names}
    for name in setup.external_reads + sorted(setup.late_reads):
        if name not in available and name not in setup.defines:
            read_at = setup.first_read_cell.get(name)
            builder.problem(
                "warning",
                "undefined-name",
                f"setup cell reads '{name}', which nothing defines before it",
                cell=read_at,
                hint="define it in the setup cell or the parameters",
            )
    return setup_params, available | setup.defines


def find_sources(builder: PipelineBuilder, order, step_flows, upstream, rank, available):
    """Each step's inputs as (name, the upstream step it comes from): the latest upstream step
    defining it; a name only a non-upstream step defines, or none, is a problem."""
    position = {n: i for i, n in enumerate(builder.step_cells)}  # notebook order
    sources: dict[str, list[tuple[str, str]]] = {n: [] for n in order}
    for name in order:
        sf = step_flows[name]
        for var in sf.external_reads + sorted(sf.late_reads):
            read_at = sf.first_read_cell.get(var)
            if var in available:
                # a setup name or parameter changed in place upstream travels like an output
                changers = [u for u in upstream[name] if var in step_flows[u].changed]
                if changers:
                    sources[name].append((var, max(changers, key=rank.__getitem__)))
                continue
            providers = [n for n in order if n != name and var in step_flows[n].defines]
            ups = [p for p in providers if p in upstream[name]]
            if ups:
                source = max(ups, key=rank.__getitem__)
                sources[name].append((var, source))
                check_changes(
                    builder, name, var, read_at, source, ups, providers, step_flows, upstream, position
                )
            elif providers:
                p = providers[0]
                later = name in upstream.get(p, set())
                why = f"'{p}' runs after it" if later else f"'{p}' is not upstream of it"
                builder.problem(
                    "error",
                    "hidden-state",
                    f"reads '{var}', which only step '{p}' defines, and {why}: it works top to "
                    "bottom in the notebook but not as a pipeline",
                    step=name,
                    cell=read_at,
                    hint=(
                        f"add the tag after:{p} to {cell_label(builder.step_first[name])}"
                        if not later
                        else f"move the code that defines '{var}' into an earlier step"
                    ),
                )
            elif var not in step_flows[name].defines or var in sf.external_reads:
                builder.problem(
                    "warning",
                    "undefined-name",
                    f"reads '{var}', which no step, setup cell or parameter defines",
                    step=name,
                    cell=read_at,
                    hint="define it in an upstream step, a setup cell or the parameters",
                )

    return sources


def runtime_candidates(order, sources, step_flows, upstream, rank, received):
    """The runtime check: a step that received an object and may change it in a way the
    analysis cannot see (a library call, a helper module) is a candidate source for the
    readers after it; the reader takes the latest candidate that saved a version."""
    candidates: dict[str, list[tuple[str, tuple[str, ...]]]] = {n: [] for n in order}
    watch: dict[str, set[str]] = {n: set() for n in order}
    for name in order:
        for var, producer in sources[name]:
            cands = [
                u
                for u in order
                if u in upstream[name]
                and u != producer
                and (producer in upstream[u])
                and var in received[u]
                and var not in step_flows[u].defines
            ]
            if cands:
                cands.sort(key=rank.__getitem__, reverse=True)
                candidates[name].append((var, tuple(cands) + (producer,)))
                for u in cands:
                    watch[u].add(var)
    return candidates, watch


def check_step_settings(builder: PipelineBuilder, order, settings) -> None:
    """Settings in the notebook's metadata for a step that does not exist are a problem."""
    known = set(order)
    for sname in settings.get("steps") or {}:
        if sname not in known:
            builder.problem(
                "warning",
                "unknown-step-settings",
                f"metadata.notebook_ops.steps has settings for '{sname}', which is not a step",
                hint=f"steps are: {', '.join(order)}",
            )


def analyse_dataflow(builder: PipelineBuilder, deps, order, settings):
    """The parameters and the steps with what each reads, from which step, and writes."""
    params: list[Parameter] = []
    if builder.parameters_cell is not None:
        params, probs = parse_parameters(
            builder.cells[builder.parameters_cell].source, builder.parameters_cell
        )
        builder.problems.extend(probs)
    param_names = {p.name for p in params}

    flows = cell_flows(builder)

    functions: dict = {}
    imported: set[str] = set()
    for flow in flows.values():
        functions.update(flow.functions)
        imported |= flow.imports
    for flow in flows.values():
        analysis.resolve_calls(flow, functions)
    unchanged = analysis.BUILTINS | imported  # modules changed in place do not travel

    setup_params, available = setup_names(builder, flows, param_names)

    step_flows = {}
    for name in order:
        step_flows[name] = analysis.step_flow(
            [(i, flows[i]) for i in builder.step_cells[name] if i in flows], unchanged=unchanged
        )

    upstream: dict[str, set[str]] = {n: set() for n in order}
    for n in order:  # graph order: dependencies are complete before their users
        for d in deps[n]:
            upstream[n] |= {d} | upstream.get(d, set())
    rank = {n: i for i, n in enumerate(order)}

    sources = find_sources(builder, order, step_flows, upstream, rank, available)

    outputs: dict[str, set[str]] = {n: set() for n in order}
    for name in order:
        for var, producer in sources[name]:
            outputs[producer].add(var)
    received = {n: {v for v, _ in sources[n]} for n in order}

    candidates, watch = runtime_candidates(order, sources, step_flows, upstream, rank, received)

    metrics_of = assign_metrics(builder, order, step_flows, param_names)

    check_step_settings(builder, order, settings)

    steps = []
    for name in order:
        sf = step_flows[name]
        code_cells = [i for i in builder.step_cells[name] if builder.cells[i].cell_type == "code"]
        if not code_cells:
            builder.problem(
                "warning", "empty-step", "step has no code cells", step=name, cell=builder.step_first[name]
            )
        reads = set(sf.external_reads) | sf.late_reads
        steps.append(
            Step(
                name=name,
                cells=tuple(builder.step_cells[name]),
                after=deps[name],
                inputs=tuple(v for v, _ in sources[name]),
                outputs=tuple(sorted(outputs[name])),
                input_sources=tuple(sources[name]),
                parameters_read=tuple(sorted((reads & param_names) | setup_params)),
                options=step_options(settings, name, builder.step_tag_options[name]),
                metrics=tuple(metrics_of[name]),
                changed=tuple(sorted(outputs[name] & sf.changed)),
                input_candidates=tuple(candidates[name]),
                watch=tuple(sorted(watch[name])),
                start_cell=builder.step_start.get(name),
            )
        )
    return params, steps
