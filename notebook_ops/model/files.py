"""What each step needs from the project besides its cells: local code, data files, files
handed from step to step (called once by ``build``, after the data flow).

Per step: the local modules it imports (``localcode``), the data files it reads by literal
path (``paths``) that exist in the project (assets), the files an upstream step writes for it
(``files_in``) and the files it writes that a later step reads (``files_out``); a SQLite file
a step opens is read (if it exists) and written by it (``update``), so it travels like any
other. The project's folders the code writes into (``Project.dirs``) are created in a bundle's
workspace; ``%run`` targets (``runmagic``) are the step's code and ship with it. Setup cells
count for every step. Settings in ``metadata.notebook_ops.assets`` override detection:
``include`` (more paths), ``exclude`` (globs), ``external`` (path -> URL, or
``{"url", "parameter"}``): an external file becomes a ``str`` parameter whose default is the
URL; the step fetches it to the path before it runs. Problems: ``file-hidden-state`` (read a
file only a non-upstream step writes), ``missing-file`` (a relative path that exists nowhere).
Nothing here runs or imports the user's code.
"""

from __future__ import annotations

import dataclasses
import fnmatch
import posixpath
import re
import sys
from functools import lru_cache
from pathlib import Path

from notebook_ops.model import localcode, paths
from notebook_ops.model.ancestry import transitive_upstream
from notebook_ops.model.imports import PARSE_ERRORS, cell_tree, imports, pip_installs
from notebook_ops.model.pipeline import Parameter, Problem, Project
from notebook_ops.cellref import cell_label

_ROLES = ("code", "setup", "metrics", "parameters")
_STDLIB = frozenset(sys.stdlib_module_names) | {"__future__"}


@lru_cache(maxsize=4096)
def _parse(source: str):
    """The cell's tree (cached: the lab re-reads the notebook as the user types), or None."""
    try:
        return cell_tree(source)
    except PARSE_ERRORS:
        return None


def _external(settings: dict) -> dict[str, tuple[str, str]]:
    """{path as named: (parameter, url)} from ``assets.external``."""
    out: dict[str, tuple[str, str]] = {}
    raw = _assets(settings).get("external")
    for path, spec in raw.items() if isinstance(raw, dict) else ():
        url, name = (
            (spec, None)
            if isinstance(spec, str)
            else (spec.get("url"), spec.get("parameter"))
            if isinstance(spec, dict)
            else (None, None)
        )
        if not isinstance(url, str):
            continue
        if not name:
            stem = re.sub(r"[^a-z0-9_]", "_", Path(path).stem.lower()).strip("_") or "file"
            name = f"asset_{stem}"
            while name in [n for n, _ in out.values()]:
                name += "_"
        out[paths.normalise(path)] = (name, url)
    return out


def _assets(settings) -> dict:
    a = settings.get("assets") if isinstance(settings, dict) else None
    return a if isinstance(a, dict) else {}


def _strings(value) -> list[str]:
    return [v for v in value if isinstance(v, str) and v] if isinstance(value, list) else []


def _inside(p: Path, root: Path) -> bool:
    try:
        p.relative_to(root)
        return True
    except ValueError:
        return False


class _Scan:
    def __init__(self, cells, setup_cells, steps, nb_dir: Path, settings: dict):
        self.cells, self.steps = cells, steps
        self.setup = set(setup_cells)
        # every step's cells include these: found once, not once per step (issue 27: linear cost)
        self.parameter_cells = {c.index for c in cells if c.role == "parameters"}
        self.nb_dir = nb_dir
        assets = _assets(settings)
        self.include = [paths.normalise(p) for p in _strings(assets.get("include"))]
        self.exclude = _strings(assets.get("exclude"))
        self.external = _external(settings)
        self.problems: list[Problem] = []
        self.outside: dict[str, tuple[int, str]] = {}
        self.parsed: dict[int, list[paths.PathUse]] = {}
        self.sys_paths: list[str] = []
        env: dict = {}
        for c in cells:  # notebook order: names bound to paths earlier are known later
            if c.cell_type != "code" or c.role not in _ROLES:
                continue
            tree = _parse(c.analysed)
            if tree is None:
                continue
            if "'" not in c.analysed and '"' not in c.analysed and not any(env.values()):
                self.parsed[c.index] = []  # no string and no name for a path: no path in it
                continue
            uses = paths.scan(tree, env)
            self.sys_paths += [u.path for u in uses if u.mode == "syspath"]
            self.parsed[c.index] = [u for u in uses if u.mode != "syspath"]
        # outside git, the project reaches as far as the code's relative paths do (localcode)
        reaches = [u.path for uses in self.parsed.values() for u in uses] + self.sys_paths
        reaches += self.include + [t for c in cells if c.cell_type == "code" for t in c.runs]
        self.root = localcode.project_root(nb_dir, reaches)

    # -- paths -----------------------------------------------------------------------------
    def excluded(self, p: str) -> bool:
        return any(fnmatch.fnmatch(p, g) for g in self.exclude)

    def locate(self, p: str, cell: int, files_only: bool = False) -> str | None:
        """The project-relative path of an existing file the code names, else None (recording
        why it cannot be shipped when it exists outside the project)."""
        if p.startswith("~") or posixpath.isabs(p):
            full = Path(p).expanduser()
            if full.exists():
                self.outside.setdefault(p, (cell, "an absolute path"))
            return None
        lexical = Path(posixpath.normpath((self.nb_dir / p).as_posix()))
        if not (lexical.exists() or lexical.is_symlink()) or files_only and not lexical.is_file():
            return None
        if not _inside(lexical, self.root):
            self.outside.setdefault(p, (cell, "outside the project"))
            return None
        if not _inside(lexical.resolve(), self.root.resolve()):
            self.outside.setdefault(p, (cell, "a symlink to outside the project"))
            return None
        return lexical.relative_to(self.root).as_posix()

    # -- per step ----------------------------------------------------------------------------
    def step_cells(self, step) -> list[int]:
        wanted = self.setup | set(step.cells) | self.parameter_cells
        return sorted(i for i in wanted if i in self.parsed)

    def run(self, params: list[Parameter]):
        order = [s.name for s in self.steps]
        rank = {n: i for i, n in enumerate(order)}
        upstream = transitive_upstream(order, {s.name: s.after for s in self.steps})
        writes: dict[str, dict[str, int]] = {}  # step -> {path: first cell writing it}
        reads: dict[str, list[tuple[str, int, bool]]] = {}  # step -> [(path, cell, maybe)]
        updated: dict[str, set[str]] = {}  # step -> paths it reads, then writes
        for s in self.steps:
            mine: dict[str, int] = {}
            rd: list[tuple[str, int, bool]] = []
            kept: set[str] = set()  # read before the step writes them (a database it updates)
            for i in self.step_cells(s):
                for u in self.parsed.get(i, []):
                    if u.mode in ("write", "update"):
                        if u.mode == "update" and u.path not in mine:
                            kept.add(u.path)
                            rd.append((u.path, i, True))
                        mine.setdefault(u.path, i)
                    else:
                        rd.append((u.path, i, u.mode == "maybe"))
            writes[s.name], reads[s.name], updated[s.name] = mine, rd, kept

        ext_params = {p: name for p, (name, _) in self.external.items()}
        new_steps, all_assets = [], set()
        files_out: dict[str, set[str]] = {n: set() for n in order}
        files_in: dict[str, list[tuple[str, str]]] = {n: [] for n in order}
        assets_of: dict[str, set[str]] = {n: set() for n in order}
        ext_read: dict[str, set[str]] = {n: set() for n in order}
        for s in self.steps:
            seen = set()
            for p, cell, maybe in reads[s.name]:
                if p in seen or self.excluded(p):
                    continue
                seen.add(p)
                if p in self.external:
                    ext_read[s.name].add(ext_params[p])
                    continue
                writers = [w for w in order if p in writes[w] and w != s.name]
                ups = [w for w in writers if w in upstream[s.name]]
                if ups:
                    producer = max(ups, key=rank.__getitem__)
                    files_in[s.name].append((p, producer))
                    files_out[producer].add(p)
                    continue
                if p in writes[s.name] and p not in updated[s.name]:
                    continue  # the step's own file (read back, or state it keeps)
                if p in updated[s.name]:  # a database no upstream step wrote: the project's
                    rel = self.locate(p, cell, files_only=True)  # copy, else a new one
                    if rel is not None:
                        assets_of[s.name].add(rel)
                    continue
                # a step neither upstream nor downstream writes it: which version is read
                # depends on timing (and on another disk it is not there at all)
                unrelated = [w for w in writers if s.name not in upstream[w]]
                rel = None if unrelated else self.locate(p, cell, files_only=maybe)
                if rel is not None:
                    assets_of[s.name].add(rel)
                    continue
                if maybe and not unrelated:
                    continue
                if writers:
                    w = (unrelated or writers)[0]
                    later = s.name in upstream[w]
                    self.problems.append(
                        Problem(
                            "error",
                            "file-hidden-state",
                            f"reads the file '{p}', which only step '{w}' writes, and "
                            f"{'it runs after it' if later else 'it is not upstream of it'}: it works "
                            "top to bottom in the notebook but not as a pipeline",
                            step=s.name,
                            cell=cell,
                            hint=(
                                f"add the tag after:{w} to {cell_label(s.cells[0] if s.cells else cell)}"
                                if not later
                                else f"write '{p}' in an earlier step"
                            ),
                        )
                    )
                elif p not in self.outside and not posixpath.isabs(p) and not p.startswith("~"):
                    self.problems.append(
                        Problem(
                            "warning",
                            "missing-file",
                            f"reads '{p}', which exists neither in the project nor as a file an "
                            "upstream step writes",
                            step=s.name,
                            cell=cell,
                            hint="create it, or declare it in metadata.notebook_ops.assets.external",
                        )
                    )
        for p in self.include:
            rel = self.locate(p, -1)
            if rel is not None:
                for n in order:
                    assets_of[n].add(rel)
        for n in order:
            all_assets |= assets_of[n]

        code, imports_left, pip = self.code(params)
        dirs = sorted({d for n in order for d in self.folders(writes[n])})
        for s in self.steps:
            extra = tuple(sorted(set(s.parameters_read) | ext_read[s.name]))
            new_steps.append(
                dataclasses.replace(
                    s,
                    modules=tuple(sorted(code[s.name])),
                    assets=tuple(sorted(assets_of[s.name])),
                    files_in=tuple(sorted(files_in[s.name])),
                    files_out=tuple(sorted(files_out[s.name])),
                    parameters_read=extra,
                )
            )
        known = {p.name for p in params}
        params = list(params) + [
            Parameter(name, "str", url, f"where {path} is read from (any fsspec URL)")
            for path, (name, url) in self.external.items()
            if name not in known
        ]
        self.problems += [
            outside_problem(p, cell, why, self.root) for p, (cell, why) in sorted(self.outside.items())
        ]
        mods = sorted({m for ms in code.values() for m in ms})
        project = Project(
            root=str(self.root),
            notebook_dir=self.nb_dir.relative_to(self.root).as_posix() or ".",
            code_roots=tuple(sorted(self.used_roots)),
            modules=tuple((m, localcode.digest(self.root / m)) for m in mods),
            assets=tuple(sorted(all_assets)),
            external=tuple((p, n, u) for p, (n, u) in sorted(self.external.items())),
            imports=tuple(imports_left),
            outside=tuple((p, c, why) for p, (c, why) in sorted(self.outside.items())),
            pip=tuple(pip),
            code_imports=tuple(sorted(self.code_imports.items())),
            dirs=tuple(dirs),
        )
        return new_steps, params, project

    def folders(self, written) -> list[str]:
        """Project-relative folders the code writes files into (``../processed/x.csv`` ->
        ``processed``), besides the notebook's own: a bundle's workspace creates them."""
        out = []
        for p in written:
            if p.startswith("~") or posixpath.isabs(p):
                continue
            parent = Path(posixpath.normpath((self.nb_dir / p).as_posix())).parent
            if parent != self.nb_dir and parent != self.root and _inside(parent, self.root):
                out.append(parent.relative_to(self.root).as_posix())
        return out

    def code(self, params):
        """({step: local module paths}, [(module, cell)] found nowhere locally, [(req, cell)])."""
        roots = localcode.search_roots(self.root, self.nb_dir, self.sys_paths)
        fallback = self.root.resolve() if self.root.resolve() not in roots else None
        by_cell = {c.index: c for c in self.cells}
        self.used_roots: set[str] = set()
        self.code_imports: dict[str, str] = {}
        out, left, pip, seen_left = {}, [], [], set()
        for c in self.cells:
            if c.cell_type == "code" and c.role in _ROLES:
                pip += [(r, c.index) for r in pip_installs(c.analysed, self.nb_dir)]
        for s in self.steps:
            scan = localcode.CodeScan(self.root.resolve(), roots, fallback)
            for i in self.step_cells(s):
                for ref in imports(by_cell[i].analysed):
                    if (
                        not scan.add(ref)
                        and not ref.level
                        and not ref.optional
                        and ref.top not in seen_left
                        and ref.top not in _STDLIB
                    ):
                        seen_left.add(ref.top)
                        left.append((ref.top, i))
            for i in self.step_cells(s):  # %run targets: shipped with the code, found as IPython does
                for target in by_cell[i].runs:
                    rel = self.locate(target, i, files_only=True)
                    if rel is not None:
                        scan.files.setdefault(rel, self.root / rel)
            out[s.name] = set(scan.files)
            self.used_roots |= scan.used_roots
            for top, module in scan.others.items():
                if top not in _STDLIB:
                    self.code_imports.setdefault(top, module)
        return out, left, pip


def shared_root(pipelines) -> str | None:
    """The one project root of several notebooks' pipelines (a pipeline across notebooks): the
    widest of their roots when each lies inside it (outside git each notebook's folder widens to
    what its own code reads, so one may reach further than another); None when they already
    agree, or when they are unrelated folders (each keeps its own)."""
    roots = {p.project.root for p in pipelines if p.project is not None}
    if len(roots) < 2:
        return None
    widest = min(roots, key=lambda r: len(Path(r).parts))
    return widest if all(_inside(Path(r), Path(widest)) for r in roots) else None


def rebased(pipeline, root: str):
    """``pipeline`` with its project-relative paths (the project's and its steps') relative to
    ``root``, a folder holding its project root."""
    project = pipeline.project
    if project is None or project.root == root:
        return pipeline
    prefix = Path(project.root).relative_to(root).as_posix()

    def move(rel: str) -> str:
        return posixpath.normpath(posixpath.join(prefix, rel))

    moved = dataclasses.replace(
        project,
        root=root,
        notebook_dir=move(project.notebook_dir),
        code_roots=tuple(move(r) for r in project.code_roots),
        modules=tuple((move(m), digest) for m, digest in project.modules),
        assets=tuple(move(a) for a in project.assets),
        asset_digests=tuple((move(a), digest) for a, digest in project.asset_digests),
        code_imports=tuple((top, move(m)) for top, m in project.code_imports),
        dirs=tuple(move(d) for d in project.dirs),
    )
    steps = tuple(
        dataclasses.replace(
            s, modules=tuple(move(m) for m in s.modules), assets=tuple(move(a) for a in s.assets)
        )
        for s in pipeline.steps
    )
    return dataclasses.replace(pipeline, project=moved, steps=steps)


OUTSIDE_PROJECT = "outside-project"  # the problem code: export refuses while it is listed


def outside_message(path: str, why: str, root) -> tuple[str, str]:
    """(message, hint) for a file the code reads that no bundle can carry: the panel's problem
    and export's refusal say the same thing (one check: ``Project.outside``)."""
    top = Path(root)
    message = (
        f"reads '{path}', {why}: an exported bundle carries only files inside the project "
        f"folder {top.name or top}/, so the export will be refused"
    )
    hint = (
        f"copy the file into {top.name or top}/ (e.g. a datasets/ folder beside the notebooks) and "
        "read it by a path relative to the notebook; a file that must stay where it is can be "
        "read from a URL instead (assets.external in the pipeline settings)"
    )
    return message, hint


def outside_problem(path: str, cell: int, why: str, root) -> Problem:
    message, hint = outside_message(path, why, root)
    return Problem("warning", OUTSIDE_PROJECT, message, cell=cell if cell >= 0 else None, hint=hint)


def attach(cells, setup_cells, steps, params, path, settings, problems: list):
    """``(steps, params, project)`` with each step's files filled in; problems appended.
    Without a path (an unsaved notebook) nothing is looked up."""
    if path is None:
        return steps, params, None
    scan = _Scan(cells, setup_cells, steps, Path(path).resolve().parent, settings)
    steps, params, project = scan.run(params)
    problems.extend(scan.problems)
    return steps, params, project


def _common_cells(part) -> set[int]:
    """The cells every step runs: setup and parameters."""
    return set(part.setup_cells) | ({part.parameters_cell} if part.parameters_cell is not None else set())


def step_paths(pipeline) -> dict[str, set[str]]:
    """Per step, every literal path its cells (setup, parameters and its own) name, read or
    written, project-relative (what an observation is compared with: ``observed-not-static``).
    Empty for an unsaved notebook."""
    out: dict[str, set[str]] = {}
    for part in pipeline.parts or (pipeline,):
        if part.path is None or part.project is None:
            continue
        nb_dir = Path(part.path).resolve().parent
        root = Path(part.project.root)
        env: dict = {}
        named: dict[int, list[str]] = {}
        for c in part.cells:  # notebook order, as the analysis reads it
            if c.cell_type != "code" or c.role not in _ROLES:
                continue
            tree = _parse(c.source)
            if tree is not None:
                named[c.index] = [u.path for u in paths.scan(tree, env) if u.mode != "syspath"]
        common = _common_cells(part)
        for s in part.steps:
            found: set[str] = set()
            for i in common | set(s.cells):
                for p in named.get(i, ()):
                    full = Path(posixpath.normpath((nb_dir / Path(p).expanduser()).as_posix()))
                    if _inside(full, root):
                        found.add(full.relative_to(root).as_posix())
            out[s.name] = found
    return out


def step_imports(pipeline) -> dict[str, set[str]]:
    """Per step, the top-level modules its cells import (and the project's own code imports)."""
    out: dict[str, set[str]] = {}
    for part in pipeline.parts or (pipeline,):
        cells = {c.index: c for c in part.cells}
        common = _common_cells(part)
        local = {m for m, _ in part.project.code_imports} if part.project is not None else set()
        for s in part.steps:
            tops = set(local)
            for i in common | set(s.cells):
                c = cells.get(i)
                if c is not None and c.cell_type == "code":
                    try:
                        tops |= {ref.top for ref in imports(c.source) if not ref.level}
                    except PARSE_ERRORS:
                        continue
            out[s.name] = tops
    return out
