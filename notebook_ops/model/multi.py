"""Pipelines across notebooks: steps of several notebooks in one graph.

A step's ``after:`` may name another notebook (a path relative to this notebook, without
``.ipynb``): ``after:NOTEBOOK:STEP`` runs after that step, ``after:NOTEBOOK`` after the whole
notebook (its last steps). A notebook without ``step:`` tags is one step; its ``after:`` tags
may sit on any cell. Each notebook is built by ``build.load_pipeline`` as it is; this module
only composes them: steps get qualified names (``NOTEBOOK-STEP``; the entry notebook's keep
theirs; an untagged notebook's one step is named after the notebook), the data flow between
notebooks is found by the same analysis (names an upstream notebook's steps define), and the
parameters of all notebooks form one typed set. A notebook with no cross-notebook ``after:``
is returned exactly as ``build.load_pipeline`` builds it.
"""

from __future__ import annotations

import hashlib
import heapq
import os
import re
from dataclasses import replace
from pathlib import Path

from notebook_ops.cellref import cell_label
from notebook_ops.model import build, crossflow, files, kalecompose
from notebook_ops.model.multi_flow import data_flow, file_flow
from notebook_ops.model.multi_parameters import merge_parameters
from notebook_ops.model.notebook_refs import cross_refs, is_untagged, notebook_ref, short_name
from notebook_ops.model.pipeline import Pipeline, Problem
from notebook_ops.model.tags import slug, valid_name
from notebook_ops.util import confine

# what ``load_pipeline`` reads: a notebook, a pipeline file, an Elyra pipeline
SOURCE_SUFFIXES = (".ipynb", ".yaml", ".yml", ".pipeline")


def load_pipeline(path) -> Pipeline:
    """The pipeline of the notebook at ``path``, across notebooks when its ``after:`` say so;
    or of a pipeline file (``pipelinefile``; Ploomber's: ``ploomber``), of an Elyra
    ``.pipeline`` (``elyra``), of a folder of notebooks (``folder``)."""
    from notebook_ops.model import folder, pipelinefile  # noqa: PLC0415 - cycle: these readers build on multi.Composer

    if folder.is_folder_source(path):  # a folder of notebooks (or FOLDER/GLOB)
        return folder.load_folder(path)
    if path is not None and str(path).endswith(pipelinefile.SUFFIXES):
        return pipelinefile.load_pipeline_file(path)
    if path is not None and str(path).endswith(".pipeline"):
        from notebook_ops.model.elyra import load_elyra  # noqa: PLC0415 - cycle: these readers build on multi.Composer

        return load_elyra(path)
    entry = build.load_pipeline(path)
    composed = _kale_composition(None, path, entry)
    if composed is not None:
        return composed
    if path is None or not any(cross_refs(entry, Path(path).resolve().parent).values()):
        return entry
    return Composer(Path(path).resolve(), entry).build()


def build_pipeline(nb: dict, path=None, **kw) -> Pipeline:
    """``build.build_pipeline`` of an in-memory notebook (the lab's unsaved content), composed
    with the notebooks on disk its ``after:`` name."""
    entry = build.build_pipeline(nb, path, **kw)
    composed = _kale_composition(nb, path, entry)
    if composed is not None:
        return composed
    if path is None or not any(cross_refs(entry, Path(path).resolve().parent).values()):
        return entry
    return Composer(Path(path).resolve(), entry).build()


def _kale_composition(nb: dict | None, path, entry: Pipeline) -> Pipeline | None:
    """A Kale root notebook's ``notebook:`` cells composed (model/kalecompose.py), or None."""
    if path is None or not any(pr.code == "kale-reference" for pr in entry.problems):
        return None

    plan = kalecompose.plan(nb, path, entry)
    if plan is None:
        return None
    if not plan.listed:
        return replace(entry, problems=entry.problems + tuple(plan.problems))
    return Composer(Path(path).resolve(), entry, kale_plan=plan).build()


class Composer:
    """Builds each notebook of a pipeline across notebooks and joins them into one graph."""

    def __init__(
        self,
        entry_path: Path,
        entry: Pipeline | None = None,
        *,
        listed=(),
        extra_refs=None,
        name=None,
        settings=None,
        file_hash="",
        built=None,
        ref_targets=None,
        kale_plan=None,
    ):
        """``entry``: the notebook run; or, for a pipeline file at ``entry_path``, the notebooks
        it ``listed`` and the ``after`` it gives each (``extra_refs``: path -> refs relative
        to that notebook, for its first steps)."""
        self.root = entry_path.parent
        self.entry_path = entry_path
        self.entry = entry
        self.built: dict[Path, Pipeline] = {entry_path: entry} if entry else {}
        self.built.update(built or {})  # pipelines made elsewhere (Elyra's nodes)
        self.ref_targets = ref_targets or {}  # ref -> (file, step): refs that are no path
        self.listed = list(listed) or [entry_path]
        self.extra = extra_refs or {}
        self.name, self.settings, self.file_hash = name, settings, file_hash
        self.refs: dict[Path, dict] = {}
        self.order: list[Path] = []  # notebooks, upstream first
        self.problems: list[Problem] = []
        self.handed: set[str] = set()  # files handed between notebooks (multi_flow.file_flow)
        # Kale's composition: its notebooks, edges and problems (model/kalecompose.py)
        self.kale_plan = kale_plan
        if kale_plan is not None:
            self.built.update(kale_plan.built)
            self.listed = [entry_path] + list(kale_plan.listed)
            self.extra = {**self.extra, **kale_plan.first_refs}
            self.problems.extend(kale_plan.problems)

    def resolve(self, ref: str, here: Path) -> tuple[Path, str | None]:
        return self.ref_targets.get(ref) or notebook_ref(ref, here)

    def file(self, path: Path) -> str:
        return Path(os.path.relpath(path, self.root)).as_posix()

    def rel(self, path: Path) -> str:
        return Path(os.path.relpath(path, self.root)).with_suffix("").as_posix()

    def at(self, path: Path) -> str:
        """Where a problem is, in its message: nothing for the entry (its path is the file's)."""
        return "" if path == self.entry_path else f"{self.file(path)}: "

    def problem(self, code, message, step=None, cell=None, hint=None, severity="error"):
        self.problems.append(Problem(severity, code, message, step=step, cell=cell, hint=hint))

    # -- notebooks: read each once, upstream first; cycles and missing files are problems ------
    def visit(self, path: Path, stack: list[Path]) -> None:
        if path in self.order:
            return
        p = self.built.get(path) or build.load_pipeline(path)
        self.built[path] = p
        here = path.parent
        self.refs[path] = cross_refs(p, here)
        if self.kale_plan is not None and path == self.entry_path:
            for step, refs in self.kale_plan.step_refs.items():
                self.refs[path][step] += [(r, None) for r in refs]
        for ref in self.extra.get(path, []):  # a pipeline file's after: the notebook's first steps
            for s in p.steps:
                if not s.after and (ref, None) not in self.refs[path][s.name]:
                    self.refs[path][s.name].append((ref, None))
        stack.append(path)
        for step, refs in self.refs[path].items():
            for ref, cell in refs:
                target, _ = self.resolve(ref, here)
                confine.check(target, f"after:{ref}", source=self.file(path), cell=cell)
                if target not in self.built and not target.is_file():  # built: made in memory
                    self.problem(
                        "missing-notebook",
                        f"{self.at(path)}after:{ref} names {self.file(target)}, which does not exist",
                        step=step,
                        cell=cell,
                        hint="fix the path (relative to this notebook, without .ipynb)",
                    )
                elif target in stack and self.kale_plan is not None:
                    continue  # a composition runs the way it reads: cycles are found step by step
                elif target in stack:
                    loop = stack[stack.index(target) :] + [target]
                    self.problem(
                        "cyclic-notebooks",
                        "notebooks "
                        + " -> ".join(self.rel(x) for x in loop)
                        + " depend on each other in a cycle",
                        step=step,
                        cell=cell,
                        hint=self.cycle_fix(path, ref, cell),
                    )
                else:
                    self.visit(target, stack)
        stack.pop()
        self.order.append(path)

    def cycle_fix(self, path: Path, ref: str, cell: int | None) -> str:
        """How to break a cycle at ``ref``: a notebook's tag, or a pipeline file's entry (the
        notebook has no such tag: its ``after`` is the file's)."""
        if cell is None and ref in self.extra.get(path, []):
            return f"remove {ref} from the after: list of {self.file(path)} in {self.entry_path.name}"
        at = f"{cell_label(cell)} of " if cell is not None else ""
        return f"remove the tag after:{ref} from {at}{self.file(path)}"

    # -- names --------------------------------------------------------------------------------
    def qualify(self, path: Path, step: str) -> str:
        p = self.built[path]
        if is_untagged(p):
            return short_name(self.rel(path))
        if path == self.entry_path:
            return step
        return f"{short_name(self.rel(path))}-{step}"

    def build(self) -> Pipeline:
        for path in self.listed:
            self.visit(path, [])
        root = files.shared_root(self.built.values())
        if root is not None:  # one project for every notebook: the paths of each relative to it
            self.built = {path: files.rebased(p, root) for path, p in self.built.items()}
            if self.entry is not None:
                self.entry = files.rebased(self.entry, root)
        order = (
            [self.entry_path] + [p for p in self.order if p != self.entry_path]
            if self.entry
            else list(self.order)
        )
        names, owner = self.qualified_names(order)
        deps = self.dependencies(order, names)
        graph_order = self.topological(deps, order, names)
        rank = {n: i for i, n in enumerate(graph_order)}
        upstream: dict[str, set[str]] = {n: set() for n in graph_order}
        for n in graph_order:
            for d in deps[n]:
                upstream[n] |= {d} | upstream.get(d, set())

        params = merge_parameters(self, order)
        extra_in, extra_out, resolved = data_flow(
            self, order, names, owner, upstream, rank, {x.name for x in params}
        )
        files_in, files_out = file_flow(self, order, names, upstream, rank, resolved)
        name = self.name or (self.entry.name if self.entry else slug(self.entry_path.stem))
        parts, steps = self.qualified_parts(
            order, names, deps, (extra_in, extra_out), (files_in, files_out), params, name, resolved
        )
        entry = self.entry_pipeline(order, name)
        rank_sev = {"error": 0, "warning": 1, "info": 2}
        return replace(
            entry,
            steps=tuple(steps[n] for n in graph_order),
            parameters=tuple(params),
            problems=tuple(sorted(self.problems, key=lambda x: rank_sev[x.severity])),
            parts=tuple(parts),
        )

    def qualified_names(self, order):
        """Each (notebook, step) -> its name in the whole pipeline, and back; bad or duplicate
        names are problems."""
        names: dict[tuple[Path, str], str] = {}
        owner: dict[str, tuple[Path, str]] = {}
        for path in order:
            for s in self.built[path].steps:
                q = self.qualify(path, s.name)
                if not valid_name(q):
                    self.problem(
                        "bad-step-name",
                        f"{self.at(path)}step name '{q}' is too long or not valid",
                        step=s.name,
                        hint="shorten the notebook or step name",
                    )
                if q in owner:
                    other = owner[q]
                    self.problem(
                        "duplicate-step",
                        f"steps '{other[1]}' of {self.file(other[0])} "
                        f"and '{s.name}' of {self.file(path)} are both named '{q}'",
                        step=q,
                        hint="rename one of the steps or notebooks",
                    )
                names[(path, s.name)] = q
                owner[q] = (path, s.name)

        return names, owner

    def dependencies(self, order, names) -> dict[str, list[str]]:
        """The graph: in-notebook dependencies, qualified, and the cross-notebook ones."""
        deps: dict[str, list[str]] = {}
        for path in order:
            p = self.built[path]
            for s in p.steps:
                q = names[(path, s.name)]
                deps[q] = [names[(path, d)] for d in s.after]
                if self.kale_plan is not None and path == self.entry_path:
                    local = self.kale_plan.local_after.get(s.name, [])
                    deps[q] += [names[(path, d)] for d in local if names[(path, d)] not in deps[q]]
                for ref, cell in self.refs[path].get(s.name, []):
                    target, step = self.resolve(ref, path.parent)
                    if target not in self.built or target == path:
                        continue
                    tp = self.built[target]
                    if step is None:
                        ups = [names[(target, t)] for t in sinks_of(tp)]
                    elif step in tp.step_names:
                        ups = [names[(target, step)]]
                    else:
                        self.problem(
                            "unknown-after",
                            f"{self.at(path)}after:{ref} names no step of {self.file(target)}",
                            step=q,
                            cell=cell,
                            hint=f"its steps are: {', '.join(tp.step_names)}",
                        )
                        continue
                    deps[q] += [u for u in ups if u not in deps[q]]
        return deps

    def qualified_parts(self, order, names, deps, extra, files, params, name, resolved):
        """Each notebook's steps renamed and rewired for the whole pipeline (its part), and its
        problems carried over."""
        extra_in, extra_out = extra
        files_in, files_out = files
        parts, steps = [], {}
        name = self.name or (self.entry.name if self.entry else slug(self.entry_path.stem))
        for path in order:
            p = self.built[path]
            mine = []
            for s in p.steps:
                q = names[(path, s.name)]

                def qn(n, path=path):
                    return names.get((path, n), n)

                ins = list(s.input_sources) + extra_in[q]
                st = replace(
                    s,
                    name=q,
                    after=tuple(deps[q]),
                    notebook=self.file(path),
                    inputs=tuple(v for v, _ in ins),
                    input_sources=tuple((v, qn(src)) for v, src in s.input_sources) + tuple(extra_in[q]),
                    outputs=tuple(sorted(set(s.outputs) | extra_out[q])),
                    input_candidates=tuple((v, tuple(qn(c) for c in cs)) for v, cs in s.input_candidates),
                    files_in=tuple((f, qn(src)) for f, src in s.files_in) + tuple(files_in[q]),
                    files_out=tuple(sorted(set(s.files_out) | files_out[q])),
                    assets=tuple(a for a in s.assets if a not in self.handed),
                )
                steps[q] = st
                mine.append(st)
            parts.append(
                replace(
                    p, name=name, steps=tuple(mine), parameters=tuple(params), problems=(), path=str(path)
                )
            )
            for pr in p.problems:
                if self.drop(path, pr, resolved):
                    continue
                msg = self.at(path) + pr.message
                step = names.get((path, pr.step), pr.step) if pr.step is not None else None
                self.problems.append(replace(pr, message=msg, step=step))
        return parts, steps

    def entry_pipeline(self, order, name) -> Pipeline:
        """The pipeline the whole is built on: the entry notebook, or a pipeline file's (no cells
        of its own), with the merged project and its hash."""
        entry = self.entry or replace(  # a pipeline file: no cells of its own
            self.built[order[0]],
            name=name,
            path=str(self.entry_path),
            cells=(),
            setup_cells=(),
            parameters_cell=None,
            settings=self.settings or {},
        )
        project = crossflow.merged_project([self.built[x] for x in order], entry)
        if project is not None:
            project = replace(project, assets=tuple(a for a in project.assets if a not in self.handed))
        entry = replace(entry, project=project)
        # the entry notebook's own hash (faces compare it with the file on disk); a pipeline
        # file's: of the file and every notebook (steps are cached by their step notebooks)
        digest = (
            entry.notebook_hash
            if self.entry
            else hashlib.sha256(
                (self.file_hash + "".join(self.built[x].notebook_hash for x in order)).encode()
            ).hexdigest()
        )
        return replace(entry, notebook_hash=digest)

    def rel_from(self, path: Path, other: Path) -> str:
        return Path(os.path.relpath(other, path.parent)).with_suffix("").as_posix()

    def drop(self, path: Path, pr: Problem, resolved) -> bool:
        """build.py's problems about what this module resolves: cross-notebook after: tags and
        names that come from another notebook."""
        refs = [r for rs in self.refs[path].values() for r, _ in rs]
        if pr.code == "unknown-after" and any(pr.message == f"after:{r} names no step" for r in refs):
            return True
        if pr.code == "after-without-step" and is_untagged(self.built[path]):
            return True
        if pr.code == "missing-file":
            m = re.match(r"reads '([^']+)', which exists neither", pr.message)
            return bool(m and (path, pr.step, "file:" + m.group(1)) in resolved)
        if pr.code == "undefined-name":
            m = re.match(r"reads '([^']+)'", pr.message)
            return bool(m and (path, pr.step, m.group(1)) in resolved)
        return False

    def topological(self, deps, order, names) -> list[str]:
        position = {
            q: (order.index(path), i)
            for (path, _), q in names.items()
            for i in [list(self.built[path].step_names).index(_)]
        }
        users: dict[str, list[str]] = {n: [] for n in deps}
        waiting = {n: set(d) for n, d in deps.items()}
        for n, d in deps.items():
            for x in d:
                users[x].append(n)
        # upstream notebooks first: ties go to the notebook read earlier in ``self.order``
        nb_rank = {q: self.order.index(path) for (path, _), q in names.items()}
        ready = [((nb_rank[n], position[n]), n) for n, w in waiting.items() if not w]
        heapq.heapify(ready)
        out = []
        while ready:
            _, n = heapq.heappop(ready)
            out.append(n)
            for u in users[n]:
                waiting[u].discard(n)
                if not waiting[u]:
                    heapq.heappush(ready, ((nb_rank[u], position[u]), u))
        left = [n for n in deps if n not in out]
        if left and not any(p.code == "cyclic-notebooks" for p in self.problems):
            self.problem(
                "cyclic-after",
                f"steps {', '.join(left)} depend on each other in a cycle across notebooks",
                step=left[0],
                hint="remove one of their after: tags",
            )
        return out + left


def sinks_of(p: Pipeline) -> list[str]:
    """The steps of ``p`` no other step runs after: the end of the notebook."""
    return [s.name for s in p.steps if not any(s.name in t.after for t in p.steps)]
