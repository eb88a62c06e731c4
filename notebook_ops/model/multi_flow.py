"""What notebooks hand each other in a pipeline across notebooks (``multi``): the names a step
reads that its notebook does not define, and the files it reads that its notebook does not write,
each from the latest upstream step of another notebook that provides it."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from notebook_ops.cellref import cell_label
from notebook_ops.model import analysis, crossflow

if TYPE_CHECKING:
    from notebook_ops.model.multi import Composer


def data_flow(composer: Composer, order, names, owner, upstream, rank, pnames):
    """Data flow between notebooks: names a step reads that its notebook does not provide come
    from the latest upstream step of another notebook that defines them."""
    flows, setup_defs = {}, {}
    for path in order:
        flows[path], setup_defs[path] = crossflow.step_flows(composer.built[path])
    extra_in: dict[str, list[tuple[str, str]]] = {n: [] for n in rank}
    extra_out: dict[str, set[str]] = {n: set() for n in rank}
    resolved: set = set()  # (notebook, its step, name) found in another notebook
    for path in order:
        p = composer.built[path]
        available = analysis.BUILTINS | pnames | setup_defs[path]
        for s in p.steps:
            q = names[(path, s.name)]
            sf = flows[path][s.name]
            for var in sf.external_reads + sorted(sf.late_reads):
                if var in available or var in s.inputs:
                    continue
                if any(var in flows[path][t.name].defines for t in p.steps if t.name != s.name):
                    continue  # the notebook's own story (build.py reported it)
                providers = [
                    names[(o, t.name)]
                    for o in order
                    if o != path
                    for t in composer.built[o].steps
                    if var in flows[o][t.name].defines
                ]
                ups = [x for x in providers if x in upstream[q]]
                cell = sf.first_read_cell.get(var)
                if ups:
                    src = max(ups, key=rank.__getitem__)
                    extra_in[q].append((var, src))
                    extra_out[src].add(var)
                    resolved.add((path, s.name, var))
                elif providers:
                    op, ostep = owner[providers[0]]
                    resolved.add((path, s.name, var))
                    composer.problem(
                        "hidden-state",
                        f"{composer.at(path)}reads '{var}', which only step "
                        f"'{providers[0]}' of {composer.file(op)} defines, and it is not "
                        "upstream of it",
                        step=q,
                        cell=cell,
                        hint=f"add the tag after:{composer.rel_from(path, op)}:{ostep} "
                        f"to {cell_label(s.cells[0] if s.cells else 0)}",
                    )

    return extra_in, extra_out, resolved


def file_flow(composer: Composer, order, names, upstream, rank, resolved):
    """Files between notebooks, as ``files.py`` finds them inside one: a file a step reads
    that its notebook does not write comes from the latest upstream step of another notebook
    that writes it (every kernel works in the same folder, so paths compare as written)."""
    uses = {path: crossflow.file_uses(composer.built[path]) for path in order}
    files_in: dict[str, list[tuple[str, str]]] = {q: [] for q in rank}
    files_out: dict[str, set[str]] = {q: set() for q in rank}
    composer.handed = set()
    first = composer.built[order[0]].project
    root = Path(first.root) if first else composer.root
    for path in order:
        for step, (_, reads) in uses[path].items():
            q = names[(path, step)]
            # written by another step of this notebook: build.py hands it on; a file this
            # step updates (a SQLite database) comes from upstream as it was left there
            own = set().union(*(w for t, (w, _) in uses[path].items() if t != step))
            for f in dict.fromkeys(reads):
                if f in own:
                    continue
                ups = [
                    names[(o, t)]
                    for o in order
                    if o != path
                    for t, (w, _) in uses[o].items()
                    if f in w and names[(o, t)] in upstream[q]
                ]
                if ups:
                    src = max(ups, key=rank.__getitem__)
                    files_in[q].append((f, src))
                    files_out[src].add(f)
                    resolved.add((path, step, "file:" + f))
                    composer.handed.add(Path(os.path.relpath(composer.root / f, root)).as_posix())
    return files_in, files_out
