"""Build the notebooks that actually run: one per step, or one for the whole pipeline.

A step notebook is self-contained: ``papermill steps/x.ipynb out.ipynb -p _nbo_data_url DIR``
runs step ``x`` alone, given its inputs in ``DIR``. Its cells, in order:

1. ``parameters`` (tagged for papermill): the pipeline parameters' defaults, then the run
   plumbing (``_nbo_data_url``, ``_nbo_run_id``, ``_nbo_step``, ``_nbo_mode``, ``_nbo_run_dir``).
   The ``_nbo_`` prefix cannot clash with a user's parameter (the model's parameter names are
   plain identifiers; a leading ``_nbo_`` is reserved).
2. a hidden plumbing cell: checks the parameter values' types (papermill may have injected
   anything), starts the kernel-side context (``nbo.context()``), points the data store.
3. the notebook's setup cells;
4. a cell loading the step's inputs from the data store, by producing step;
5. the step's own cells (markdown kept);
6. the step's lines of Kale's ``pipeline-metrics`` cell (``print(NAME)`` of the metrics it
   reports), so that code runs where its values are;
7. a cell saving the step's outputs (and logging those metrics).

Everything written into code here is either the user's own cell source or a literal made with
``repr`` of a validated identifier, step name, or plain value: no value ever becomes code.
Cell ids are deterministic so the same pipeline always gives the same bytes (bundles are
reproducible). The kernel-side functions the generated cells call live in
``notebook_ops.kernel_side.step``.
"""

from __future__ import annotations

import keyword
import re
from typing import Any

from notebook_ops.errors import ParameterError
from notebook_ops.execution import stepfiles
from notebook_ops.execution.observations import step_code_sha256
from notebook_ops.model.pipeline import Pipeline, Step

PLUMBING_PARAMS = ("_nbo_data_url", "_nbo_run_id", "_nbo_step", "_nbo_mode", "_nbo_run_dir")
PLUMBING_TAG = "nbo-plumbing"
STEP_NAME_RE = re.compile(r"^[a-z_][a-z0-9_-]{0,62}$")
PLAIN_TYPES = (type(None), bool, int, float, str)


def is_identifier(name) -> bool:
    return isinstance(name, str) and name.isidentifier() and not keyword.iskeyword(name)


def _check_step_name(name: str) -> str:
    if not isinstance(name, str) or not STEP_NAME_RE.match(name):
        raise ValueError(f"invalid step name {name!r}")
    return name


def _check_ident(name: str) -> str:
    if not is_identifier(name):
        raise ValueError(f"invalid variable name {name!r}")
    return name


def literal(value) -> str:
    """Python source for a plain value (None, bool, int, float, str, and lists/tuples/dicts of
    them). Refuses anything else, so a value can never turn into code."""
    if isinstance(value, float) and value != value:
        return "float('nan')"
    if isinstance(value, float) and value in (float("inf"), float("-inf")):
        return "float('inf')" if value > 0 else "float('-inf')"
    if isinstance(value, PLAIN_TYPES):
        return repr(value)
    if isinstance(value, list):
        return "[" + ", ".join(literal(v) for v in value) + "]"
    if isinstance(value, tuple):
        inner = ", ".join(literal(v) for v in value)
        return "(" + inner + ("," if len(value) == 1 else "") + ")"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{literal(k)}: {literal(v)}" for k, v in value.items()) + "}"
    raise ValueError(f"not a plain literal value: {type(value).__name__}")


def _source_lines(text: str) -> list[str]:
    lines = text.splitlines(keepends=True)
    return lines


def _cell(cell_type: str, source: str, cell_id: str, *, tags=(), extra_meta=None) -> dict:
    meta: dict = {}
    if tags:
        meta["tags"] = list(tags)
    if extra_meta:
        meta.update(extra_meta)
    cell: dict[str, Any] = {
        "cell_type": cell_type,
        "id": cell_id,
        "metadata": meta,
        "source": _source_lines(source),
    }
    if cell_type == "code":
        cell["execution_count"] = None
        cell["outputs"] = []
    return cell


def _param_types(pipeline: Pipeline) -> dict:
    return {_check_ident(p.name): p.type for p in pipeline.parameters}


def _parameters_cell(pipeline: Pipeline, step: str, mode: str, prefix: str) -> dict:
    lines = []
    for p in pipeline.parameters:
        help_ = f"  # {p.help}" if p.help and "\n" not in p.help else ""
        if p.secret:  # the value comes from NOTEBOOK_OPS_SECRET_<NAME> (kernel_side/secret_params.py)
            default = p.default if p.default is None else ""
            help_ = "  # secret" + (f": {p.help}" if help_ else "")
        else:
            default = p.default
        lines.append(f"{_check_ident(p.name)} = {literal(default)}{help_}\n")
    if lines:
        lines.append("\n")
    lines += [
        "# run plumbing (set by notebook-ops; papermill -p works too)\n",
        '_nbo_data_url = ""  # data store: a folder or an fsspec URL (empty: ./data)\n',
        '_nbo_run_id = ""  # run id, for tracking and nbo.context()\n',
        f"_nbo_step = {literal(step)}  # which step this notebook runs\n",
        f"_nbo_mode = {literal(mode)}  # pipeline | bundle\n",
        '_nbo_run_dir = ""  # run folder, shown by nbo.context()\n',
    ]
    return _cell("code", "".join(lines), f"{prefix}-parameters", tags=["parameters"])


def _serializer_choices(pipeline: Pipeline) -> dict:
    """``metadata.notebook_ops.serializers`` (validated by the settings schema), plain strings only."""
    chosen = (pipeline.settings or {}).get("serializers")
    if not isinstance(chosen, dict):
        return {}
    return {k: v for k, v in sorted(chosen.items()) if isinstance(k, str) and isinstance(v, str)}


def _plumbing_cell(pipeline: Pipeline, prefix: str, upstream=(), project: str = ".") -> dict:
    """``upstream``: the steps before this one (their handed-on files are put in place);
    ``project``: the project's top folder relative to the kernel's (what it observes)."""
    chosen = _serializer_choices(pipeline)
    secret = [_check_ident(p.name) for p in pipeline.parameters if p.secret]
    extra = (f", project={literal(project)}" if project != "." else "") + (
        f",\n              upstream={literal([_check_step_name(u) for u in upstream])}" if upstream else ""
    )
    src = (
        "# notebook-ops plumbing: checks parameter types, sets nbo.context(), the data store\n"
        "import notebook_ops.kernel_side.step as _nbo_rt\n"
        f"_nbo_rt.begin(globals(), params={literal(_param_types(pipeline))},\n"
        "              data_url=_nbo_data_url, run_id=_nbo_run_id, step=_nbo_step,\n"
        f"              mode=_nbo_mode, run_dir=_nbo_run_dir{extra}"
        + (f",\n              serializers={literal(chosen)}" if chosen else "")
        + (f",\n              secrets={literal(secret)}" if secret else "")
        + ")\n"
    )
    return _cell(
        "code",
        src,
        f"{prefix}-plumbing",
        tags=[PLUMBING_TAG],
        extra_meta={"jupyter": {"source_hidden": True}},
    )


def _setup_cells(pipeline: Pipeline, prefix: str) -> list[dict]:
    out = []
    for n, idx in enumerate(pipeline.setup_cells):
        c = pipeline.cell(idx)
        out.append(
            _cell(
                c.cell_type if c.cell_type in ("code", "markdown") else "code",
                c.source,
                f"{prefix}-setup-{n}",
                tags=["setup"],
                extra_meta={"notebook_ops": {"source_cell": idx}},
            )
        )
    return out


def _step_cells(pipeline: Pipeline, step: Step, prefix: str) -> list[dict]:
    out = []
    for n, idx in enumerate(step.cells):
        c = pipeline.cell(idx)
        if c.cell_type not in ("code", "markdown"):
            continue
        out.append(
            _cell(
                c.cell_type,
                c.source,
                f"{prefix}-{n}",
                extra_meta={"notebook_ops": {"source_cell": idx, "step": step.name}},
            )
        )
    return out


def _metrics_cells(pipeline: Pipeline, step: Step, prefix: str) -> list[dict]:
    """Kale's ``pipeline-metrics`` code for the metrics ``step`` reports: its ``print(NAME)``
    lines (Kale's rule admits no other line), run after the step's own cells."""
    if not step.metrics:
        return []
    cells = [c.index for c in pipeline.cells if c.role == "metrics"]
    source = "".join(f"print({_check_ident(n)})\n" for n in step.metrics)
    meta = {"notebook_ops": {"source_cell": cells[0], "step": step.name}} if cells else None
    return [_cell("code", source, f"{prefix}-metrics-code", extra_meta=meta)]


def _load_cell(step: Step, prefix: str) -> dict | None:
    if not step.input_sources:
        return None
    candidates = dict(step.input_candidates)
    sources: dict = {}
    for n, s in step.input_sources:
        sources[_check_ident(n)] = (
            [_check_step_name(c) for c in candidates[n]] if n in candidates else _check_step_name(s)
        )
    watch = [_check_ident(n) for n in step.watch]
    src = (
        "# notebook-ops: load this step's inputs (name -> producing step, or the steps that\n"
        "# may have changed it, latest first)\n"
        f"globals().update(_nbo_rt.load_inputs({literal(sources)}"
        + (f", watch={literal(watch)}" if watch else "")
        + "))\n"
    )
    return _cell(
        "code", src, f"{prefix}-load", tags=[PLUMBING_TAG], extra_meta={"jupyter": {"source_hidden": True}}
    )


def _save_cell(step: Step, prefix: str, code: str = "", hand_on: bool = False) -> dict:
    outputs = [_check_ident(n) for n in step.outputs]
    metrics = [_check_ident(n) for n in step.metrics]
    watch = [_check_ident(n) for n in step.watch]
    if not re.fullmatch(r"[0-9a-f]*", code):
        raise ValueError(f"invalid code fingerprint {code!r}")
    src = (
        "# notebook-ops: what the step did (and the files it wrote, for the steps downstream),\n"
        "# then its outputs\n"
        f"_nbo_rt.end_step(globals(), code={literal(code)}, hand_on={literal(bool(hand_on))})\n"
        f"_nbo_rt.save_outputs(globals(), {literal(outputs)}, metrics={literal(metrics)}"
        + (f", watch={literal(watch)}" if watch else "")
        + ")\n"
    )
    return _cell(
        "code", src, f"{prefix}-save", tags=[PLUMBING_TAG], extra_meta={"jupyter": {"source_hidden": True}}
    )


def _notebook(pipeline: Pipeline, cells: list[dict], meta_extra: dict) -> dict:
    return {
        "nbformat": 4,
        "nbformat_minor": 5,
        "metadata": {
            "kernelspec": {
                "name": pipeline.kernel_name,
                "display_name": "Python 3",
                "language": pipeline.language,
            },
            "language_info": {"name": pipeline.language},
            "notebook_ops": meta_extra,
        },
        "cells": cells,
    }


def build_step_notebook(pipeline: Pipeline, step: str, *, mode: str = "bundle") -> dict:
    """The nbformat-4 notebook (a plain dict, outputs empty) that runs ``step`` alone.

    ``mode`` is the default of ``_nbo_mode`` ("bundle" for exported notebooks; the runner
    passes "pipeline" as a parameter). A step of a pipeline across notebooks is built from its
    own notebook's cells (``Pipeline.part``).
    """

    code = step_code_sha256(pipeline, step)
    before, hand_on = stepfiles.upstream(pipeline, step), stepfiles.has_downstream(pipeline, step)
    pipeline = pipeline.part(step)
    s = pipeline.step(step)
    name = _check_step_name(s.name)
    prefix = f"nbo-{name}"
    cells = [
        _parameters_cell(pipeline, name, mode, prefix),
        _plumbing_cell(pipeline, prefix, before, stepfiles.project_up(pipeline)),
    ]
    cells += stepfiles.prepare_cells(pipeline, s, prefix)
    cells += _setup_cells(pipeline, prefix)
    load = _load_cell(s, prefix)
    if load:
        cells.append(load)
    cells += _step_cells(pipeline, s, prefix)
    cells += _metrics_cells(pipeline, s, prefix)
    cells += stepfiles.save_cells(s, prefix)
    cells.append(_save_cell(s, prefix, code, hand_on))
    return _notebook(
        pipeline,
        cells,
        {
            "pipeline": pipeline.name,
            "step": name,
            "inputs": {n: src for n, src in s.input_sources},
            "outputs": list(s.outputs),
            **(
                {"input_candidates": {n: list(c) for n, c in s.input_candidates}}
                if s.input_candidates
                else {}
            ),
            **stepfiles.metadata(pipeline, s),
        },
    )


def build_single_kernel_notebook(pipeline: Pipeline, *, mode: str = "pipeline") -> dict:
    """One notebook running every step in graph order in one kernel (``--single-kernel``).

    Nothing goes through the data store; a marker cell before each step sets
    ``nbo.context().step`` (and lets the runner time each step), and Kale metrics are logged
    after the step that defines them.
    """
    if pipeline.parts:
        raise ParameterError(
            f"--single-kernel runs one notebook; this pipeline spans {len(pipeline.parts)} notebooks",
            hint="run it without --single-kernel",
        )

    prefix = "nbo-all"
    cells = [
        _parameters_cell(pipeline, "", mode, prefix),
        _plumbing_cell(pipeline, prefix, project=stepfiles.project_up(pipeline)),
    ]
    cells += stepfiles.prepare_cells(pipeline, None, prefix)
    cells += _setup_cells(pipeline, prefix)
    for s in pipeline.steps:
        name = _check_step_name(s.name)
        cells.append(
            _cell(
                "code",
                f"_nbo_rt.enter_step({literal(name)}, {literal(step_code_sha256(pipeline, name))})\n",
                f"nbo-{name}-enter",
                tags=[PLUMBING_TAG],
                extra_meta={"jupyter": {"source_hidden": True}, "notebook_ops": {"enter_step": name}},
            )
        )
        cells += _step_cells(pipeline, s, f"nbo-{name}")
        cells += _metrics_cells(pipeline, s, f"nbo-{name}")
        if s.metrics:
            metrics = [_check_ident(n) for n in s.metrics]
            cells.append(
                _cell(
                    "code",
                    f"_nbo_rt.log_named_metrics(globals(), {literal(metrics)})\n",
                    f"nbo-{name}-metrics",
                    tags=[PLUMBING_TAG],
                    extra_meta={"jupyter": {"source_hidden": True}},
                )
            )
    cells.append(
        _cell(
            "code",
            "_nbo_rt.enter_step(None)\n",
            f"{prefix}-end",
            tags=[PLUMBING_TAG],
            extra_meta={"jupyter": {"source_hidden": True}},
        )
    )
    return _notebook(pipeline, cells, {"pipeline": pipeline.name, "step": None, "single_kernel": True})
