"""The pipeline model: plain frozen data classes every service and face shares.

Built by ``notebook_ops.model.build.build_pipeline`` from a notebook's cells and tags; holds no
kernel, MLflow or UI code.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, cast

ERROR, WARNING, INFO = "error", "warning", "info"


@dataclass(frozen=True)
class Problem:
    """One finding about the notebook. ``cell`` is the 0-based cell index in the notebook; its
    ``message`` and ``hint`` name cells as JupyterLab numbers them, from 1 (notebook_ops/cellref.py)."""

    severity: str  # "error" | "warning" | "info"
    code: str  # stable kebab-case id, e.g. "hidden-state"
    message: str
    step: str | None = None
    cell: int | None = None
    hint: str | None = None

    def to_dict(self) -> dict:
        return {
            "severity": self.severity,
            "code": self.code,
            "message": self.message,
            "step": self.step,
            "cell": self.cell,
            "hint": self.hint,
        }


@dataclass(frozen=True)
class Cell:
    """A notebook cell as the pipeline sees it.

    ``role``: "code" (belongs to ``step``), "markdown" (documentation inside ``step``),
    "setup", "parameters", "skip", "metrics" (Kale's pipeline-metrics), "raw".
    """

    index: int
    cell_type: str
    source: str
    role: str
    step: str | None
    tags: tuple[str, ...] = ()
    # the source with each ``%run`` target's code in its place (model/runmagic.py); None: as
    # written. What every analysis reads; the step notebooks run ``source``.
    expanded: str | None = None
    runs: tuple[str, ...] = ()  # the %run targets, relative to the notebook's folder

    @property
    def analysed(self) -> str:
        """The code as the analysis reads it: ``%run`` targets in their place."""
        return self.source if self.expanded is None else self.expanded


@dataclass(frozen=True)
class Parameter:
    name: str
    type: str  # "int" | "float" | "str" | "bool" | "list" | "dict" | "tuple" | "NoneType"
    default: Any
    help: str = ""
    cell: int | None = None
    source: str = ""  # the literal as written, e.g. "0.25"
    # never written anywhere; reaches the kernel through its environment (model/secrets.py)
    secret: bool = False


@dataclass(frozen=True)
class LoggedModel:
    """A ``nbo.log_model`` call in a step's code (model/logged_models.py): the registered model
    it makes a version of, or None when the name is computed at run time (``expression``)."""

    name: str | None
    cell: int | None = None
    expression: str | None = None  # the name as written, when it is not a literal

    @property
    def dynamic(self) -> bool:
        return self.name is None


@dataclass(frozen=True)
class Step:
    name: str
    cells: tuple[int, ...]  # code and markdown cells of this step, in notebook order
    after: tuple[str, ...]  # direct dependencies (explicit after:, or the previous step)
    inputs: tuple[str, ...] = ()  # names read that an upstream step defines
    outputs: tuple[str, ...] = ()  # names defined here that a downstream step reads
    input_sources: tuple[tuple[str, str], ...] = ()  # (name, producing step) per input
    parameters_read: tuple[str, ...] = ()  # pipeline parameters this step's code reads
    # retries, timeout, cache, resources, image
    options: dict = field(default_factory=dict, hash=False, compare=False)
    metrics: tuple[str, ...] = ()  # Kale pipeline-metrics names this step defines (logged after it)
    changed: tuple[str, ...] = ()  # outputs that are received objects changed in place
    # inputs a step upstream may change in ways the analysis cannot see: (name, steps to try,
    # latest first, ending with the input's source); see kernel_side.step.load_inputs
    input_candidates: tuple[tuple[str, tuple[str, ...]], ...] = ()
    watch: tuple[str, ...] = ()  # received names checked for changes after the step runs
    # files (see model/files.py): project-relative local modules and data files it needs, and
    # files (paths as the code names them) an upstream step writes for it / it writes for later
    modules: tuple[str, ...] = ()
    assets: tuple[str, ...] = ()
    files_in: tuple[tuple[str, str], ...] = ()  # (path, producing step)
    files_out: tuple[str, ...] = ()
    notebook: str | None = None  # source notebook of a multi-notebook pipeline (model/multi.py)
    start_cell: int | None = None  # the cell with its step: tag (None for the implicit "main")
    # where the executed step notebook is also written, relative to the kernel's working folder
    # (Ploomber's ``nb`` product); None: only in the run folder
    notebook_product: str | None = None
    models: tuple[LoggedModel, ...] = ()  # the models it registers (nbo.log_model calls), in order


@dataclass(frozen=True)
class Project:
    """Where the notebook lives and what of the project it needs (model/files.py)."""

    root: str  # absolute: the git work tree, else the notebook's folder
    notebook_dir: str  # the notebook's folder relative to root ("." if the same)
    code_roots: tuple[str, ...] = ()  # project-relative folders local modules are found in
    modules: tuple[tuple[str, str], ...] = ()  # (project-relative path, sha256) of local code
    assets: tuple[str, ...] = ()  # project-relative data files and folders read
    external: tuple[tuple[str, str, str], ...] = ()  # (path as named, parameter, default URL)
    imports: tuple[tuple[str, int], ...] = ()  # (top-level module, cell) not found locally
    outside: tuple[tuple[str, int, str], ...] = ()  # (path, cell, why) read but unshippable
    pip: tuple[tuple[str, int], ...] = ()  # (requirement, cell) from %pip install lines
    asset_digests: tuple[tuple[str, str], ...] = ()  # (path, sha256) per file: bundles only
    code_imports: tuple[tuple[str, str], ...] = ()  # (top-level module, local module importing it)
    dirs: tuple[str, ...] = ()  # project-relative folders the code writes files into


@dataclass(frozen=True)
class Pipeline:
    """A notebook read as a pipeline. ``steps`` are in graph (topological) order."""

    name: str
    path: str | None
    cells: tuple[Cell, ...]
    steps: tuple[Step, ...]
    parameters: tuple[Parameter, ...]
    setup_cells: tuple[int, ...]
    parameters_cell: int | None
    settings: dict = field(hash=False, compare=False)  # metadata.notebook_ops, validated
    problems: tuple[Problem, ...] = ()
    kernel_name: str = "python3"
    language: str = "python"
    notebook_hash: str = ""  # sha256 of the notebook's bytes as read
    project: Project | None = field(default=None, hash=False, compare=False)
    # a pipeline across notebooks: one part per source notebook, whose steps are this
    # pipeline's steps (qualified names) and whose cells build their step notebooks
    parts: tuple[Pipeline, ...] = field(default=(), hash=False, compare=False)

    def part(self, step: str) -> Pipeline:
        """The pipeline whose cells hold ``step`` (this one, unless it spans notebooks)."""
        for part in self.parts:
            if step in part.step_names:
                return part
        return self

    @property
    def notebooks(self) -> list[str]:
        return [cast(str, p.path) for p in self.parts]  # parts are read from files (multi.py)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == ERROR]

    @property
    def ok(self) -> bool:
        return not self.errors

    @cached_property
    def _by_name(self) -> dict[str, Step]:
        """Each step by name, built once: ``step()`` is called per step and per dependency,
        and a scan there made writing a 2,000-step chain's notebooks quadratic (issue 27)."""
        return {s.name: s for s in self.steps}

    @cached_property
    def _children(self) -> dict[str, list[str]]:
        """Each step's direct dependents, built once (``downstream`` walks them)."""
        out: dict[str, list[str]] = {s.name: [] for s in self.steps}
        for s in self.steps:
            for d in s.after:
                if d in out:
                    out[d].append(s.name)
        return out

    def step(self, name: str) -> Step:
        return self._by_name[name]

    @property
    def step_names(self) -> list[str]:
        return [s.name for s in self.steps]

    def upstream(self, name: str) -> set[str]:
        """All steps that must finish before ``name`` (transitive)."""
        by_name = self._by_name
        seen: set[str] = set()
        todo = list(by_name[name].after)
        while todo:
            n = todo.pop()
            if n in seen or n not in by_name:
                continue
            seen.add(n)
            todo.extend(by_name[n].after)
        return seen

    def downstream(self, name: str) -> set[str]:
        """All steps that depend on ``name`` (transitive)."""
        seen: set[str] = set()
        todo = list(self._children.get(name, ()))
        while todo:
            n = todo.pop()
            if n not in seen:
                seen.add(n)
                todo.extend(self._children.get(n, ()))
        return seen

    def cell(self, index: int) -> Cell:
        return self.cells[index]
