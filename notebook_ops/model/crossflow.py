"""What the analysis says about each notebook of a pipeline across notebooks (``multi``): the
names each step reads and defines, the files it reads and writes, the project files of all."""

from __future__ import annotations

import os
from dataclasses import replace
from typing import Any

from notebook_ops.model import analysis, files, paths
from notebook_ops.model.pipeline import Pipeline


def step_flows(p: Pipeline):
    """Per step: the analysis' StepFlow; and the names the setup cells define."""
    flows, aliases = {}, analysis.Aliases()
    for c in p.cells:
        if c.cell_type == "code" and c.role in ("code", "setup", "metrics"):
            flows[c.index] = analysis.analyze_cell(c.analysed, aliases)
    functions, imported = {}, set()
    for f in flows.values():
        functions.update(f.functions)
        imported |= f.imports
    for f in flows.values():
        analysis.resolve_calls(f, functions)
    unchanged = analysis.BUILTINS | imported
    steps = {
        s.name: analysis.step_flow([(i, flows[i]) for i in s.cells if i in flows], unchanged=unchanged)
        for s in p.steps
    }
    setup = analysis.step_flow([(i, flows[i]) for i in p.setup_cells if i in flows])
    return steps, setup.defines


def file_uses(p: Pipeline) -> dict[str, tuple[set[str], list[str]]]:
    """Per step: the relative paths its code writes, and those it reads (``model/paths.py``)."""

    env: dict = {}
    per_cell = {}
    for c in p.cells:  # notebook order: names bound to paths earlier are known later
        if c.cell_type == "code" and c.role in ("code", "setup", "metrics", "parameters"):
            tree = files._parse(c.analysed)
            if tree is not None:
                per_cell[c.index] = [
                    u for u in paths.scan(tree, env) if not os.path.isabs(u.path) and u.mode != "syspath"
                ]
    out = {}
    for s in p.steps:
        cell_uses = [u for i in s.cells for u in per_cell.get(i, [])]
        out[s.name] = (
            {u.path for u in cell_uses if u.mode in ("write", "update")},
            [u.path for u in cell_uses if u.mode in ("read", "maybe", "update")],
        )
    return out


def merged_project(pipelines, entry: Pipeline):
    """The project files of every notebook (same project root as the entry), so a bundle ships
    what each notebook's steps need."""
    base = entry.project
    if base is None:
        return None
    merged: dict[str, Any] = {}
    for f in (
        "code_roots",
        "modules",
        "assets",
        "external",
        "imports",
        "outside",
        "pip",
        "code_imports",
        "dirs",
    ):
        items = list(getattr(base, f))
        for p in pipelines:
            if p.project is not None and p.project.root == base.root:
                items += [x for x in getattr(p.project, f) if x not in items]
        merged[f] = tuple(items)
    return replace(base, **merged)
