"""Kale 2.3's composition: a root notebook's ``notebook:NAME`` cells pull other notebooks into
its pipeline, as Kale's ``NotebookProcessor.link_composition_units`` links them.

The units are the root's own steps and the referenced notebooks, in reading order. Edges:
- data flow: a unit that reads a name another unit defines (and it does not) runs after it;
- reading order: a root step runs after every unit above it and before every unit below it; two
  references with nothing between them get no edge, so they run in parallel.
The referenced notebooks are read as they are (their own Kale tags); ``multi.Composer`` then
builds the graph across notebooks, its steps named ``NOTEBOOK-STEP``, the root's parameters
first. Nested references, a missing file and a name two units define are errors, as in Kale.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from notebook_ops.model import analysis, build, crossflow, kale
from notebook_ops.model.notebook import parse_notebook, read_bytes
from notebook_ops.model.pipeline import Pipeline, Problem


@dataclass
class Plan:
    """What ``multi.Composer`` needs: the notebooks, and the edges as its ``after`` refs."""

    listed: list[Path]
    built: dict[Path, Pipeline]
    first_refs: dict[Path, list[str]] = field(default_factory=dict)  # a referenced notebook's first steps
    step_refs: dict[str, list[str]] = field(default_factory=dict)  # a root step -> other notebooks
    local_after: dict[str, list[str]] = field(default_factory=dict)  # a root step -> root steps
    problems: list[Problem] = field(default_factory=list)


def _rel(target: Path, here: Path) -> str:
    return Path(os.path.relpath(target, here)).with_suffix("").as_posix()


def _names(p: Pipeline) -> tuple[set[str], set[str]]:
    """(names the notebook's steps read and do not define, names they define)."""
    flows, setup = crossflow.step_flows(p)
    params = {x.name for x in p.parameters}
    defined: set[str] = set()
    read: set[str] = set()
    for f in flows.values():
        defined |= f.defines
        read |= set(f.external_reads) | set(f.late_reads)
    missing = read - defined - setup - params - analysis.BUILTINS
    return missing, defined


def plan(nb: dict | None, path, entry: Pipeline) -> Plan | None:
    """The composition of the root notebook ``nb`` (read from ``path`` when None) at ``path``;
    None when it references no notebook."""
    if path is None:
        return None
    refs = [r for r in kale.references(nb if nb is not None else _read(Path(path))) if r[2] is not None]
    if not refs:
        return None
    root = Path(path).resolve()
    here = root.parent
    out = Plan(listed=[], built={root: entry})
    units: list[tuple[int, str, object]] = []  # (cell, "ref" | "step", Path | step name)
    for cell, name, rel in refs:
        target = (here / str(rel)).resolve()
        if target == root:
            out.problems.append(
                Problem(
                    "error",
                    "kale-composition",
                    f"notebook:{name} references this notebook itself",
                    cell=cell,
                    hint="reference another notebook",
                )
            )
            continue
        if not target.is_file():
            out.problems.append(
                Problem(
                    "error",
                    "missing-notebook",
                    f"notebook:{name} composes {rel}, which does not exist",
                    cell=cell,
                    hint="fix the cell's metadata.notebook_path (relative to this notebook)",
                )
            )
            continue
        p = build.load_pipeline(target)
        if kale.references(_read(target)):
            out.problems.append(
                Problem(
                    "error",
                    "kale-composition",
                    f"notebook:{name} composes {rel}, which references notebooks itself: nested "
                    "references are not supported (nor by Kale)",
                    cell=cell,
                    hint="reference every notebook from this one",
                )
            )
            continue
        out.built[target] = p
        out.listed.append(target)
        units.append((cell, "ref", target))
    for s in entry.steps:
        start = s.start_cell if s.start_cell is not None else (s.cells[0] if s.cells else 0)
        units.append((start, "step", s.name))
    units.sort(key=lambda u: u[0])
    if not out.listed:
        return out

    root_flows, root_setup = crossflow.step_flows(entry)
    root_params = {x.name for x in entry.parameters}
    missing: dict[int, set[str]] = {}
    provided: dict[int, set[str]] = {}
    for i, (_, kind, what) in enumerate(units):
        if kind == "ref":
            assert isinstance(what, Path)
            missing[i], provided[i] = _names(out.built[what])
        else:
            f = root_flows[str(what)]
            provided[i] = set(f.defines)
            read = set(f.external_reads) | set(f.late_reads)
            missing[i] = read - provided[i] - root_setup - root_params - analysis.BUILTINS

    edges: set[tuple[int, int]] = set()
    for i in range(len(units)):
        for var in sorted(missing[i]):
            sources = [j for j in range(len(units)) if j != i and var in provided[j]]
            if len(sources) > 1:
                out.problems.append(
                    Problem(
                        "error",
                        "kale-composition",
                        f"'{var}' is defined by several notebooks or steps of the composition: "
                        + ", ".join(_label(units[j], here) for j in sources),
                        cell=units[i][0],
                        hint="rename it so that one of them produces the value",
                    )
                )
            elif sources:
                edges.add((sources[0], i))
    for i in range(len(units)):
        for j in range(i + 1, len(units)):
            if units[i][1] == "ref" and units[j][1] == "ref":
                continue
            edges.add((i, j))

    for src, dst in sorted(edges):
        _, skind, swhat = units[src]
        _, dkind, dwhat = units[dst]
        if dkind == "ref":
            assert isinstance(dwhat, Path)
            ref = (
                _rel(swhat, dwhat.parent)
                if isinstance(swhat, Path)
                else f"{_rel(root, dwhat.parent)}:{swhat}"
            )
            out.first_refs.setdefault(dwhat, []).append(ref)
        elif skind == "ref":
            assert isinstance(swhat, Path)
            out.step_refs.setdefault(str(dwhat), []).append(_rel(swhat, here))
        else:
            out.local_after.setdefault(str(dwhat), []).append(str(swhat))
    return out


def _label(unit, here: Path) -> str:
    _, kind, what = unit
    return f"notebook {_rel(what, here)}" if kind == "ref" else f"step {what}"


def _read(path: Path) -> dict:

    return parse_notebook(read_bytes(path), path=path)
