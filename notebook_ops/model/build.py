"""Build a Pipeline from a notebook: tags -> steps -> graph -> parameters -> data flow -> problems."""

from __future__ import annotations

import hashlib
import heapq
import json
from pathlib import Path

from notebook_ops.model import files, kale, logged_models, runmagic, unsaveable
from notebook_ops.model.imports import one_parse
from notebook_ops.model.notebook import cell_source, cell_tags, read_bytes, parse_notebook, sha256_bytes
from notebook_ops.model import secrets
from notebook_ops.model.pipeline import Cell, Pipeline, Problem
from notebook_ops.model.settings import resource_problem, validate_settings
from notebook_ops.model.tags import NAME_RULE, parse_cell_tags, slug, valid_name
from notebook_ops.cellref import cell_label
from notebook_ops.model.dataflow import analyse_dataflow

DEFAULT_STEP = "main"


def load_pipeline(path) -> Pipeline:
    """Read the notebook at ``path`` (never modifying it) and build its pipeline."""
    data = read_bytes(path)
    notices: list[str] = []
    nb = parse_notebook(data, path=path, notices=notices)
    return build_pipeline(nb, path=path, notebook_hash=sha256_bytes(data), notices=notices)


class PipelineBuilder:
    """A notebook being built into a pipeline: its cells, its steps' cells, its problems."""

    def __init__(self, nb: dict, path):
        self.nb = nb
        self.path = str(path) if path is not None else None
        self.problems: list[Problem] = []
        self.cells: list[Cell] = []
        self.step_cells: dict[str, list[int]] = {}
        self.step_first: dict[str, int] = {}
        self.step_start: dict[str, int] = {}  # the cell with the step: tag (step_first may be earlier)
        self.step_after: dict[str, list[str]] = {}
        self.step_tag_options: dict[str, dict] = {}
        self.setup_cells: list[int] = []
        self.metrics_cells: list[int] = []
        self.parameters_cell: int | None = None
        # a Kale notebook: its tags as Kale groups them (model/kale.py), repeated step names
        # merge, and a step's dependencies are its prev: tags only
        self.kale = kale.is_kale_notebook(nb)
        self.kale_tags: list[list[str]] | None = None
        if self.kale:
            self.kale_tags, notes = kale.kale_tags(nb)
            self.problems.extend(notes)

    def problem(self, severity, code, message, step=None, cell=None, hint=None):
        self.problems.append(Problem(severity, code, message, step=step, cell=cell, hint=hint))

    # -- 1. tags -> cells and steps -------------------------------------------------------------
    def read_cells(self) -> None:
        current: str | None = None
        pending: list[int] = []  # cells before the first step:
        for index, raw in enumerate(self.nb.get("cells", [])):
            ctype = raw.get("cell_type", "code")
            tags = cell_tags(raw)
            parsed = parse_cell_tags(self.kale_tags[index] if self.kale_tags is not None else tags)

            def add(role: str | None, step: str | None, index=index, ctype=ctype, raw=raw, tags=tags) -> None:
                """This cell, as ``role`` (None: its step's code or markdown) in ``step``."""
                role = role or ("markdown" if ctype == "markdown" else "code")
                self.cells.append(Cell(index, ctype, cell_source(raw), role, step, tuple(tags)))

            role = self.cell_role(index, ctype, tags, parsed, current)
            if parsed.step is not None and role not in ("skip", "raw"):
                name = parsed.step
                self.start_step(index, parsed)
                current = name
                self.step_cells[name].append(index)
                add(None, name)
                continue
            if parsed.after and role not in ("skip", "raw"):
                self.problem(
                    "warning",
                    "after-without-step",
                    f"tags {', '.join('after:' + a for a in parsed.after)} are on a cell that starts no step",
                    step=current,
                    cell=index,
                    hint="put after: tags on the step's first cell (the one with step:)",
                )
            if role == "parameters":
                if self.parameters_cell is None:
                    self.parameters_cell = index
                else:
                    self.problem(
                        "error",
                        "multiple-parameters-cells",
                        f"second parameters cell (the first is {cell_label(self.parameters_cell)})",
                        cell=index,
                        hint="merge them into one cell tagged parameters",
                    )
                add("parameters", None)
                continue
            if role in ("setup", "skip", "metrics", "raw"):
                if role == "setup":
                    self.setup_cells.append(index)
                elif role == "metrics":
                    self.metrics_cells.append(index)
                add(role, None)
                continue
            if current is None:
                pending.append(index)
            else:
                self.step_cells[current].append(index)
            add(None, current)
        self.place_pending(pending)

    def cell_role(self, index, ctype, tags, parsed, current):
        """The cell's role from its tags and type (None: its step's code or markdown); conflicting
        tags and a stale injected-parameters cell are problems."""
        for severity, code, message, hint in parsed.issues:
            self.problem(severity, code, message, step=parsed.step or current, cell=index, hint=hint)
        role = parsed.role
        if len(parsed.roles) > 1 or (role and parsed.step):
            found = parsed.roles + ([f"step:{parsed.step}"] if parsed.step else [])
            self.problem(
                "error",
                "conflicting-tags",
                f"cell has conflicting tags {', '.join(found)}",
                step=current,
                cell=index,
                hint="keep one of them",
            )
        if "injected-parameters" in tags and ctype == "code":
            # a stale injected cell saved in the notebook (papermill's, Ploomber's): never run
            self.problem(
                "info",
                "stale-injected-parameters",
                "an old injected-parameters cell is saved here; it is not run",
                cell=index,
                hint="delete the cell (papermill injects a new one at each run)",
            )
            role = "skip"
        if ctype == "raw":
            role = "raw"
        elif ctype == "markdown" and role != "skip":
            role = None
        return role

    def start_step(self, index, parsed) -> None:
        """A ``step:`` tag on cell ``index``: a new step, or (Kale) more of a repeated one; a bad
        or duplicate name is a problem."""
        name = parsed.step
        if not valid_name(name):
            self.problem(
                "error",
                "bad-step-name",
                f"step name '{name}' is not valid: {NAME_RULE}",
                step=name,
                cell=index,
                hint=f"rename it, e.g. step:{slug(name)}",
            )
        if name in self.step_cells and self.kale:
            pass  # Kale merges a repeated step name into the step (its prev: tags unread)
        elif name in self.step_cells:
            self.problem(
                "error",
                "duplicate-step",
                f"step '{name}' is already started at {cell_label(self.step_first[name])}",
                step=name,
                cell=index,
                hint="give each step a unique name",
            )
        else:
            self.step_cells[name] = []
            self.step_first[name] = index
            self.step_start[name] = index
            self.step_after[name] = list(parsed.after)
            self.step_tag_options[name] = {}
        if self.step_start[name] == index or not self.kale:
            self.step_tag_options[name].update(parsed.options)

    def place_pending(self, pending) -> None:
        """Cells before the first step: belong to it (or form the one-step pipeline "main")."""
        first = next(iter(self.step_cells), None)
        if first is None:
            first = DEFAULT_STEP
            self.step_cells[first] = []
            self.step_first[first] = pending[0] if pending else 0
            self.step_after[first] = []
            self.step_tag_options[first] = {}
        if pending:
            self.step_cells[first] = pending + self.step_cells[first]
            self.step_first[first] = min(self.step_first[first], pending[0])
            for i in pending:
                c = self.cells[i]
                self.cells[i] = Cell(c.index, c.cell_type, c.source, c.role, first, c.tags)

    # -- 2. graph -------------------------------------------------------------------------------
    def resolve_dependencies(self) -> tuple[dict[str, tuple[str, ...]], list[str]]:
        names = list(self.step_cells)
        deps: dict[str, tuple[str, ...]] = {}
        for i, name in enumerate(names):
            cell = self.step_first[name]
            explicit = self.step_after[name]
            if not explicit:
                deps[name] = (names[i - 1],) if i and not self.kale else ()
                continue
            good = []
            for dep in explicit:
                if dep == name:
                    self.problem(
                        "error",
                        "cyclic-after",
                        f"step '{name}' cannot run after itself",
                        step=name,
                        cell=cell,
                        hint=f"remove the tag after:{dep} from {cell_label(cell)}",
                    )
                elif dep not in self.step_cells:
                    close = [n for n in names if n != name]
                    self.problem(
                        "error",
                        "unknown-after",
                        f"after:{dep} names no step",
                        step=name,
                        cell=cell,
                        hint=(f"steps are: {', '.join(close)}" if close else "tag a cell step:NAME first"),
                    )
                else:
                    good.append(dep)
            deps[name] = tuple(good)
        position = {n: i for i, n in enumerate(names)}
        order = _graph_order(deps, names, position)
        while len(order) < len(names):  # a cycle: report the tag that closes it, then drop it
            self.break_cycle(deps, order, names, position)
            order = _graph_order(deps, names, position)
        return deps, order

    def break_cycle(self, deps, order, names, position) -> None:
        """One ``cyclic-after`` error for a cycle among the steps left out of ``order``, naming
        the ``after:`` tag that closes it; ``deps`` then lose that tag's edge (the step follows
        the step above it again when it was its only ``after:``), so the rest of the analysis
        sees the pipeline as it is once the tag is removed, not a cascade of ``hidden-state``
        errors asking for more ``after:`` tags. A cycle always has a tag pointing down the
        notebook (the implicit edges point up): of those, the one on the lowest step."""
        done = set(order)
        walk = [next(n for n in names if n not in done)]
        while walk.count(walk[-1]) < 2:  # follow unmet dependencies until one repeats
            walk.append(next(d for d in deps[walk[-1]] if d not in done))
        cycle = walk[walk.index(walk[-1]) :]  # cycle[i] runs after cycle[i + 1]
        edges = list(zip(cycle, cycle[1:], strict=False))
        tagged = [(u, d) for u, d in edges if d in self.step_after[u] and position[d] > position[u]]
        user, dep = max(tagged or edges, key=lambda e: position[e[0]])
        k = edges.index((user, dep))
        ring = cycle[k:-1] + cycle[:k]  # user, dep, ...: each runs after the next
        cell = self.step_first[user]
        spelled = next(
            (t for t in self.cells[cell].tags if t in (f"after:{dep}", f"prev:{dep}")), f"after:{dep}"
        )
        self.problem(
            "error",
            "cyclic-after",
            f"{spelled} makes a cycle: '{dep}' already runs after '{user}' "
            f"({' -> '.join([user] + ring[:0:-1])})",
            step=user,
            cell=cell,
            hint=f"remove the tag {spelled} from {cell_label(cell)}",
        )
        rest = tuple(d for d in deps[user] if d != dep)
        i = position[user]
        deps[user] = rest or ((names[i - 1],) if i and not self.kale else ())


def build_pipeline(
    nb: dict, path=None, *, notebook_hash: str | None = None, notices: list[str] | None = None
) -> Pipeline:
    """Build the pipeline of an nbformat-4 notebook dict. Problems are collected, never raised."""
    with one_parse():  # each cell parsed once, for every pass
        return _build(nb, path, notebook_hash, notices)


def _build(nb: dict, path, notebook_hash: str | None, notices: list[str] | None) -> Pipeline:
    b = PipelineBuilder(nb, path)
    for notice in notices or []:
        b.problem("info", "nbformat-upgraded", notice)
    metadata = nb.get("metadata") or {}
    settings = metadata.get("notebook_ops") or {}
    if not isinstance(settings, dict):
        b.problem("error", "invalid-settings", "metadata.notebook_ops must be an object")
        settings = {}
    b.problems.extend(validate_settings(settings))
    settings = kale.pipeline_settings(settings, metadata.get("kubeflow_notebook"), b.problems)
    language = (
        (metadata.get("kernelspec") or {}).get("language")
        or (metadata.get("language_info") or {}).get("name")
        or "python"
    )
    if language.lower() != "python":
        b.problem(
            "error",
            "unsupported-language",
            f"the notebook's kernel language is {language}; notebook-ops runs Python notebooks",
            hint="use a Python kernel",
        )
    b.read_cells()
    b.cells = runmagic.expand_cells(b.cells, path, b.problems)  # %run targets read in
    deps, order = b.resolve_dependencies()
    params, steps = analyse_dataflow(b, deps, order, settings)
    params = secrets.mark(params, settings, b.problems)  # "# secret" and settings "secrets"
    for s in steps:
        wrong = resource_problem(s.options.get("resources"))
        if wrong:
            b.problem(
                "error",
                "invalid-resources",
                wrong,
                step=s.name,
                cell=s.cells[0] if s.cells else None,
                hint=f"fix metadata.notebook_ops.steps.{s.name}.resources or the step's limit: tag",
            )
    steps, params, project = files.attach(
        b.cells, b.setup_cells, steps, params, path, settings, b.problems
    )  # local code, data files, files between steps
    b.problems.extend(unsaveable.problems(b.cells, steps))  # outputs no serialiser can save
    steps = logged_models.attach(b.cells, steps, b.problems)  # the models each step registers
    name = settings.get("name") if isinstance(settings.get("name"), str) else None
    if not name or not valid_name(name):
        name = slug(Path(path).stem) if path else "pipeline"
    if notebook_hash is None:
        notebook_hash = hashlib.sha256(json.dumps(nb, sort_keys=True).encode()).hexdigest()
    severity_rank = {"error": 0, "warning": 1, "info": 2}
    problems = sorted(
        b.problems, key=lambda p: (p.cell if p.cell is not None else -1, severity_rank[p.severity])
    )
    return Pipeline(
        name=name,
        path=b.path,
        cells=tuple(b.cells),
        steps=tuple(steps),
        parameters=tuple(params),
        setup_cells=tuple(b.setup_cells),
        parameters_cell=b.parameters_cell,
        settings=settings,
        problems=tuple(problems),
        kernel_name=(metadata.get("kernelspec") or {}).get("name") or "python3",
        language=language.lower(),
        notebook_hash=notebook_hash,
        project=project,
    )


def _graph_order(deps: dict, names: list[str], position: dict[str, int]) -> list[str]:
    """Kahn's algorithm, ties broken by notebook order so the order reads like the notebook;
    steps in (or behind) a cycle are left out."""
    waiting = {n: set(d) for n, d in deps.items()}
    users: dict[str, list[str]] = {n: [] for n in names}
    for n, d in deps.items():
        for dep in d:
            users[dep].append(n)
    ready = [(position[n], n) for n, d in waiting.items() if not d]
    heapq.heapify(ready)
    order: list[str] = []
    while ready:
        _, n = heapq.heappop(ready)
        order.append(n)
        for u in users[n]:
            waiting[u].discard(n)
            if not waiting[u]:
                heapq.heappush(ready, (position[u], u))
    return order
