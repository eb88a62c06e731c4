"""The pipeline as the faces show it: ``notebook-ops inspect --json``, the REST ``pipelines``
body, the lab's panel and cell decorations. One definition, built from the model's
``Pipeline``; ``schema/pipeline-view.schema.json`` is generated from it.

``cell_roles`` gives every cell's role as the tag grammar reads it (by cell index; a step's
cells are in ``steps[].cells``, the one with its ``step:`` tag is ``steps[].start_cell``), so a
front end needs no grammar of its own. One string per
cell, not an object: the lab posts the notebook on every edit, and a 10,000-cell notebook's view
stays about the size it was.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from notebook_ops.model.contracts.base import Contract

CellRole = Literal["code", "markdown", "setup", "parameters", "skip", "metrics", "raw"]


@dataclass
class ParameterView(Contract):
    name: str
    type: str  # "int" | "float" | "str" | "bool" | "list" | "dict" | ...
    default: Any = None
    help: str = ""
    secret: bool = False  # given at run time, never shown or stored (a password field in forms)


@dataclass
class ModelView(Contract):
    """A model the step registers (``nbo.log_model``); ``name`` None: computed at run time."""

    name: str | None
    cell: int | None = None  # 0-based index of the cell with the call
    expression: str | None = None  # the name as written, when it is not a literal


@dataclass
class StepView(Contract):
    name: str
    after: list[str] = field(default_factory=list)
    cells: list[int] = field(default_factory=list)
    inputs: list[str] = field(default_factory=list)
    outputs: list[str] = field(default_factory=list)
    input_sources: dict[str, str] = field(default_factory=dict)  # input -> producing step
    parameters_read: list[str] = field(default_factory=list)
    options: dict[str, Any] = field(default_factory=dict)
    metrics: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)  # outputs that are objects changed in place
    # input -> steps that may hold a newer version of it, latest first, ending with its source
    input_candidates: dict[str, list[str]] = field(default_factory=dict)
    watch: list[str] = field(default_factory=list)  # received names checked for changes at run time
    modules: list[str] = field(default_factory=list)  # project-relative local modules it imports
    assets: list[str] = field(default_factory=list)  # project data files it reads
    files_in: dict[str, str] = field(default_factory=dict)  # file path -> step that writes it
    files_out: list[str] = field(default_factory=list)  # files it writes for later steps
    notebook: str | None = None  # its source notebook, in a pipeline across notebooks
    start_cell: int | None = None  # the cell with its step: tag (None for the implicit "main")
    models: list[ModelView] = field(default_factory=list)  # the models it registers


@dataclass
class ProblemView(Contract):
    severity: Literal["error", "warning", "info"]
    code: str
    message: str
    step: str | None = None
    cell: int | None = None  # 0-based index; messages show JupyterLab's number, from 1
    hint: str | None = None


@dataclass
class PipelineView(Contract):
    name: str
    path: str | None = None
    parameters: list[ParameterView] = field(default_factory=list)
    steps: list[StepView] = field(default_factory=list)
    problems: list[ProblemView] = field(default_factory=list)
    setup_cells: list[int] = field(default_factory=list)
    parameters_cell: int | None = None
    settings: dict[str, Any] = field(default_factory=dict)
    notebook_hash: str = ""
    cell_roles: list[CellRole] = field(default_factory=list)
    notebooks: list[str] = field(default_factory=list)  # source notebooks, entry first

    @classmethod
    def of(cls, pipeline, path: str | None = None) -> PipelineView:
        """The view of a ``notebook_ops.model.Pipeline`` (``path``: as the face names it)."""
        p = pipeline
        return cls(
            name=p.name,
            path=p.path if path is None else path,
            parameters=[ParameterView(x.name, x.type, x.default, x.help, x.secret) for x in p.parameters],
            steps=[
                StepView(
                    name=s.name,
                    after=list(s.after),
                    cells=list(s.cells),
                    inputs=list(s.inputs),
                    outputs=list(s.outputs),
                    input_sources=dict(s.input_sources),
                    parameters_read=list(s.parameters_read),
                    options=dict(s.options),
                    metrics=list(s.metrics),
                    changed=list(s.changed),
                    input_candidates={n: list(c) for n, c in s.input_candidates},
                    watch=list(s.watch),
                    modules=list(s.modules),
                    assets=list(s.assets),
                    files_in=dict(s.files_in),
                    files_out=list(s.files_out),
                    notebook=s.notebook,
                    start_cell=s.start_cell,
                    models=[ModelView(m.name, m.cell, m.expression) for m in s.models],
                )
                for s in p.steps
            ],
            problems=[ProblemView(x.severity, x.code, x.message, x.step, x.cell, x.hint) for x in p.problems],
            setup_cells=list(p.setup_cells),
            parameters_cell=p.parameters_cell,
            settings=dict(p.settings or {}),
            notebook_hash=p.notebook_hash,
            cell_roles=[c.role for c in p.cells],
            notebooks=list(p.notebooks),
        )
