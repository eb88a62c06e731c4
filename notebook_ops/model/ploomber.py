"""Ploomber's ``pipeline.yaml`` as it is: its ``tasks`` read as a pipeline across notebooks.

A task's ``source`` is a notebook (``.ipynb``), a script (``.py``, percent or light format, read through
jupytext) or a dotted path to a function (``tasks.get``: a step that calls it). ``product`` is a
path or a dict of paths (``nb`` is the executed notebook, the rest are outputs); relative paths
are relative to the ``pipeline.yaml`` folder, where every kernel runs, as with Ploomber.
``upstream`` comes from the source's ``parameters`` cell (``upstream = ['a', 'b']``, a dict, or
``None``; names may be globs such as ``'fit-*'``), or, for a function, from the ``upstream['x']``
its body reads; ``meta.extract_upstream: false`` takes the task's own ``upstream:`` instead.
``params`` and ``grid`` (one task per combination, named as Ploomber's ``TaskGroup`` names them:
``name`` + index, or ``name`` with ``[[key]]`` placeholders; products get ``-INDEX`` before
their suffix) are fixed per task. At run time each task's code gets what Ploomber injects after
its parameters cell: ``upstream = {"get": {"nb": ..., "data": ...}}``, ``product = {...}`` and
the params, so code reading ``upstream["get"]["data"]`` works; a product's folder is created.
Placeholders ``{{here}}``, ``{{root}}``, ``{{cwd}}``, ``{{user}}``, ``{{env.NAME}}`` (the
environment) and the keys of ``env.yaml`` (``{{key}}``, ``{{key.sub}}``) are rendered first.
Products are the steps' files handed on through the data store. Anything else Ploomber has
(``on_finish``, ``clients``, SQL and shell tasks, ...) is one NotebookReadError naming the task
and the key. The graph is composed by ``multi``, as for Elyra's pipelines.
"""

from __future__ import annotations

import ast
import copy
import fnmatch
import getpass
import hashlib
import itertools
import json
import os
import re
from dataclasses import replace
from pathlib import Path
from typing import Any

from notebook_ops.errors import NotebookReadError
from notebook_ops.model.build import build_pipeline
from notebook_ops.model.notebook import parse_notebook, read_bytes
from notebook_ops.model.pipeline import Pipeline
from notebook_ops.model.tags import slug
from notebook_ops.util import confine

# keys we read; every other key Ploomber knows is named in the error as unsupported
TASK_KEYS = {"source", "product", "name", "params", "grid", "upstream", "static_analysis", "nb_product_key"}
TOP_KEYS = {"tasks", "meta", "executor", "config"}
META_KEYS = {"extract_upstream", "extract_product", "product_default_class", "source_loader"}
INJECTED_TAG = "injected-parameters"


def is_ploomber(doc) -> bool:
    """A Ploomber spec: ``tasks:`` (a list, or Ploomber's shorthand of a bare list) and no
    ``notebooks:`` (ours)."""
    return isinstance(doc, list) or (isinstance(doc, dict) and "tasks" in doc and "notebooks" not in doc)


class _Task:
    """One task of the spec (one combination of a grid)."""

    def __init__(self, name: str, source: str, product, params: dict, upstream, raw_index: int):
        self.name, self.source, self.product, self.params = name, source, product, params
        self.declared_upstream = upstream  # from the yaml (extract_upstream: false) or None
        self.index = raw_index
        self.upstream: list[str] = []  # as written (names or globs)


# -- placeholders --------------------------------------------------------------------------------
_PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_.]*)\s*\}\}")


def _render(value, values: dict, where: str, path):
    if isinstance(value, str):

        def sub(m):
            key = m.group(1)
            if key.startswith("env.") and key[4:] in os.environ:
                return os.environ[key[4:]]
            cur: Any = values
            for part in key.split("."):
                if not isinstance(cur, dict) or part not in cur:
                    raise NotebookReadError(
                        f"Ploomber {where}: placeholder {{{{{key}}}}} has no value",
                        path=path,
                        hint="define it in env.yaml beside pipeline.yaml",
                    )
                cur = cur[part]
            return str(cur)

        return _PLACEHOLDER.sub(sub, value)
    if isinstance(value, list):
        return [_render(v, values, where, path) for v in value]
    if isinstance(value, dict):
        return {k: _render(v, values, where, path) for k, v in value.items()}
    return value


def _env_values(here: Path, path) -> dict:
    import yaml

    values: dict = {}
    env_file = here / "env.yaml"
    if env_file.is_file():
        try:
            loaded = yaml.safe_load(env_file.read_text(encoding="utf-8")) or {}
        except yaml.YAMLError:
            raise NotebookReadError("env.yaml is not valid YAML", path=env_file) from None
        if not isinstance(loaded, dict):
            raise NotebookReadError("env.yaml must be a mapping of names to values", path=env_file)
        values.update(loaded)
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = "user"
    base = {"here": str(here), "root": str(here), "cwd": os.getcwd(), "user": user}
    values = {**base, **values}
    return _render(
        values, {**base, **{k: v for k, v in values.items() if not isinstance(v, str)}}, "env.yaml", path
    )


# -- reading the spec ----------------------------------------------------------------------------
def _unsupported(where: str, key: str, path, hint: str = "") -> NotebookReadError:
    return NotebookReadError(
        f"this is a Ploomber pipeline: {where} uses '{key}', which notebook-ops does not support",
        path=path,
        hint=hint or "remove it: notebook-ops runs notebook, script and function tasks with file products",
    )


def _grid(grid, where: str, path) -> list[dict]:
    """Ploomber's ``ParamGrid.product``: every combination, keys in order; a list of grids in turn."""
    grids = grid if isinstance(grid, list) else [grid]
    out = []
    for g in grids:
        if not isinstance(g, dict) or not g:
            raise NotebookReadError(f"Ploomber {where}: grid must be a mapping of names to lists", path=path)
        keys = list(g)
        lists = [v if isinstance(v, list) else [v] for v in g.values()]
        out += [dict(zip(keys, combo, strict=True)) for combo in itertools.product(*lists)]
    return out


def _indexed(product, index: int):
    """Ploomber's ``_init_product_with_str``: ``out/model.pkl`` -> ``out/model-3.pkl``."""
    if isinstance(product, dict):
        return {k: _indexed(v, index) for k, v in product.items()}
    p = Path(product)
    suffix = "".join(p.suffixes)
    stem = p.name.replace(suffix, "") if suffix else p.name
    return (p.parent / f"{stem}-{index}{suffix}").as_posix()


def _default_name(source: str) -> str:
    return source.rsplit(".", 1)[-1] if _is_dotted(source) else Path(source).stem


def _is_dotted(source: str) -> bool:
    return Path(source).suffix.lower() not in (".ipynb", ".py", ".sql", ".sh", ".r", ".rmd") and bool(
        re.fullmatch(r"[A-Za-z_][\w]*(\.[A-Za-z_]\w*)+", source)
    )


def read_tasks(path) -> tuple[list[_Task], dict]:
    """The spec's tasks (grids expanded, placeholders rendered) and its meta."""
    import yaml

    path = Path(path)
    try:
        doc = yaml.safe_load(read_bytes(path))
    except yaml.YAMLError:
        raise NotebookReadError("not valid YAML", path=path, hint="fix the file's syntax") from None
    if isinstance(doc, list):
        doc = {"tasks": doc}
    for key in doc:
        if key not in TOP_KEYS:
            raise _unsupported("the file", key, path)
    meta = doc.get("meta") or {}
    for key in meta:
        if key not in META_KEYS:
            raise _unsupported("meta", key, path)
    if meta.get("source_loader"):
        raise _unsupported("meta", "source_loader", path)
    if meta.get("extract_product"):
        raise _unsupported("meta", "extract_product", path, "write each task's product in pipeline.yaml")
    values = _env_values(path.resolve().parent, path)
    raw_tasks = doc.get("tasks")
    if not isinstance(raw_tasks, list) or not raw_tasks:
        raise NotebookReadError(
            "this is a Ploomber pipeline with no tasks (tasks: must be a list)", path=path
        )
    tasks: list[_Task] = []
    for i, raw in enumerate(raw_tasks):
        if not isinstance(raw, dict) or not isinstance(raw.get("source"), str):
            raise NotebookReadError(f"Ploomber tasks[{i}]: needs a source", path=path)
        where = f"task '{raw.get('name') or _default_name(raw['source'])}'"
        for key in raw:
            if key not in TASK_KEYS:
                raise _unsupported(where, key, path)
        raw = _render(raw, values, where, path)
        source = raw["source"]
        suffix = Path(source).suffix.lower()
        if suffix not in (".ipynb", ".py") and not _is_dotted(source):
            raise _unsupported(
                where, f"source: {source}", path, "notebook-ops runs .ipynb, .py and functions"
            )
        product = raw.get("product")
        if product is None:
            raise NotebookReadError(f"Ploomber {where}: needs a product", path=path)
        if isinstance(product, list) or (
            isinstance(product, dict) and not all(isinstance(v, str) for v in product.values())
        ):
            raise _unsupported(where, "product (SQL relations)", path, "products must be file paths")
        params = raw.get("params") or {}
        if not isinstance(params, dict):
            raise NotebookReadError(f"Ploomber {where}: params must be a mapping", path=path)
        upstream = raw.get("upstream") if meta.get("extract_upstream") is False else None
        if "grid" in raw:
            if not raw.get("name"):
                raise NotebookReadError(
                    f"Ploomber tasks[{i}]: a task with 'grid' must have a 'name'", path=path
                )
            for n, combo in enumerate(_grid(raw["grid"], where, path)):
                task_params = {**params, **combo}
                name = raw["name"]
                if "[[" in name:
                    name = _render_brackets(name, task_params)
                    task_product = _render_brackets(product, task_params)
                else:
                    name, task_product = f"{name}{n}", _indexed(product, n)
                tasks.append(_Task(name, source, task_product, task_params, upstream, i))
        else:
            tasks.append(
                _Task(raw.get("name") or _default_name(source), source, product, params, upstream, i)
            )
    seen: set[str] = set()
    for t in tasks:
        if t.name in seen:
            raise NotebookReadError(
                f"Ploomber: two tasks are named '{t.name}'", path=path, hint="give each a name"
            )
        seen.add(t.name)
    return tasks, meta


def _render_brackets(product, params):
    """Ploomber's ``[[key]]`` placeholders of a grid task's name and products."""
    if isinstance(product, dict):
        return {k: _render_brackets(v, params) for k, v in product.items()}
    return re.sub(r"\[\[\s*(\w+)\s*\]\]", lambda m: str(params.get(m.group(1))), product)


# -- the task's code -----------------------------------------------------------------------------
def _source_notebook(file: Path, where: str, path) -> dict:
    confine.check(file, f"{where}'s source", source=path)
    if file.suffix.lower() == ".ipynb":
        return copy.deepcopy(parse_notebook(read_bytes(file), path=file))
    try:
        import jupytext
    except ImportError:  # pragma: no cover - a dependency
        raise NotebookReadError(
            "reading .py tasks needs jupytext", path=path, hint="pip install jupytext"
        ) from None
    nb = jupytext.reads(read_bytes(file).decode("utf-8"), fmt="py")  # percent or light, as found
    return json.loads(json.dumps(nb))  # plain dicts, as parse_notebook gives


def _src(cell) -> str:
    s = cell.get("source") or ""
    return "".join(s) if isinstance(s, list) else s


def _declared_upstream(nb: dict, where: str, path) -> tuple[int | None, list[str] | None]:
    """(the parameters cell's index, the names its ``upstream = ...`` lists; None if none)."""
    for i, c in enumerate(nb.get("cells") or []):
        tags = (c.get("metadata") or {}).get("tags") or []
        if c.get("cell_type") != "code" or "parameters" not in tags:
            continue
        try:
            tree = ast.parse(_src(c))
        except SyntaxError:
            raise NotebookReadError(
                f"Ploomber {where}: the parameters cell does not parse", path=path
            ) from None
        for node in tree.body:
            if isinstance(node, ast.Assign) and any(
                isinstance(t, ast.Name) and t.id == "upstream" for t in node.targets
            ):
                try:
                    value = ast.literal_eval(node.value)
                except ValueError:
                    raise NotebookReadError(
                        f"Ploomber {where}: upstream must be a list, a dict or None", path=path
                    ) from None
                if value is None:
                    return i, []
                return i, [str(v) for v in (value if isinstance(value, (list, tuple, dict)) else [value])]
        return i, None
    raise NotebookReadError(
        f"this is a Ploomber pipeline: {where}'s source has no cell tagged 'parameters'",
        path=path,
        hint="Ploomber needs one (with upstream = None at least)",
    )


def _function_upstream(root: Path, source: str, where: str, path) -> list[str]:
    """The ``upstream['name']`` a function's body reads (Ploomber's extraction for functions)."""
    module, _, fn = source.rpartition(".")
    file = root / (module.replace(".", "/") + ".py")
    if not file.is_file():
        file = root / module.replace(".", "/") / "__init__.py"
    if not file.is_file():
        raise NotebookReadError(
            f"Ploomber {where}: module {module} not found beside pipeline.yaml", path=path
        )
    confine.check(file, f"{where}'s source", source=path)
    tree = ast.parse(read_bytes(file).decode("utf-8"))
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and node.name == fn:
            return list(
                dict.fromkeys(
                    n.slice.value
                    for n in ast.walk(node)
                    if isinstance(n, ast.Subscript)
                    and isinstance(n.value, ast.Name)
                    and n.value.id == "upstream"
                    and isinstance(n.slice, ast.Constant)
                    and isinstance(n.slice.value, str)
                )
            )
    raise NotebookReadError(f"Ploomber {where}: {module}.py has no function {fn}", path=path)


def _rel(product, root: Path):
    """Products relative to the folder of pipeline.yaml (the kernels' folder), as written if so."""
    if isinstance(product, dict):
        return {k: _rel(v, root) for k, v in product.items()}
    p = Path(product)
    if p.is_absolute():
        try:
            return Path(os.path.relpath(p, root)).as_posix()
        except ValueError:
            return p.as_posix()
    return p.as_posix()


def _files(task: _Task, nb_key: str) -> list[str]:
    """The task's output files: a function's product; a notebook's products but ``nb`` (the
    executed notebook, which our run folder keeps: a notebook's single product is that)."""
    if isinstance(task.product, dict):
        return [v for k, v in task.product.items() if k != nb_key or _is_dotted(task.source)]
    return [task.product] if _is_dotted(task.source) else []


def _code_cell(cell_id: str, source: str) -> dict:
    return {
        "cell_type": "code",
        "id": cell_id,
        "metadata": {},
        "execution_count": None,
        "outputs": [],
        "source": source,
    }


def _injected(task: _Task, upstream: dict, notebook: bool, nb_key: str) -> str:
    lines = ["# Ploomber's injected parameters (as `ploomber build` injects them)"]
    if upstream or notebook:
        lines.append(f"upstream = {upstream!r}")
    lines.append(f"product = {task.product!r}")
    lines += [f"{k} = {v!r}" for k, v in task.params.items()]
    outs = [p for p in _files(task, nb_key) if Path(p).parent != Path(".")]
    if outs:
        folders = sorted({Path(p).parent.as_posix() for p in outs})
        lines.append(f"for _nbo_dir in {folders!r}:\n    __import__('os').makedirs(_nbo_dir, exist_ok=True)")
    return "\n".join(lines) + "\n"


def _task_notebook(task: _Task, root: Path, upstream: dict, nb_key: str, path) -> dict:
    where = f"task '{task.name}'"
    if _is_dotted(task.source):
        module, _, fn = task.source.rpartition(".")
        args = ["product=product"] + (["upstream=upstream"] if upstream else [])
        args += [f"{k}={k}" for k in task.params]
        call = f"from {module} import {fn}\n\n{fn}({', '.join(args)})\n"
        fn_nb: dict = {
            "nbformat": 4,
            "nbformat_minor": 5,
            "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
            "cells": [
                _code_cell("ploomber-injected", _injected(task, upstream, False, nb_key)),
                _code_cell("call", call),
            ],
        }
        return fn_nb
    nb: dict = _source_notebook(root / task.source, where, path)
    cells: list = nb.setdefault("cells", [])
    at, _ = _declared_upstream(nb, where, path)
    assert at is not None
    params_cell = cells[at]
    tags = [t for t in (params_cell.get("metadata") or {}).get("tags") or [] if t != "parameters"]
    params_cell.setdefault("metadata", {})["tags"] = tags  # runs as the task's code, as papermill's
    cells.insert(at + 1, _code_cell("ploomber-injected", _injected(task, upstream, True, nb_key)))
    meta = nb.setdefault("metadata", {})
    meta.setdefault("kernelspec", {"name": "python3", "display_name": "Python 3", "language": "python"})
    return nb


def load_ploomber(path) -> Pipeline:
    from notebook_ops.model.multi import _Composer

    path = Path(path).resolve()
    root = path.parent
    tasks, meta = read_tasks(path)
    names = [t.name for t in tasks]
    by_name = {t.name: t for t in tasks}
    nb_key = "nb"
    for t in tasks:
        where = f"task '{t.name}'"
        if t.declared_upstream is not None:
            t.upstream = [
                str(u)
                for u in (
                    t.declared_upstream if isinstance(t.declared_upstream, list) else [t.declared_upstream]
                )
            ]
        elif _is_dotted(t.source):
            t.upstream = _function_upstream(root, t.source, where, path)
        else:
            file = root / t.source
            if not file.is_file():
                raise NotebookReadError(
                    f"Ploomber {where}: source {t.source} does not exist",
                    path=path,
                    hint="sources are relative to pipeline.yaml",
                )
            _, declared = _declared_upstream(_source_notebook(file, where, path), where, path)
            t.upstream = declared or []
        t.product = _rel(t.product, root)
    # each upstream name (or glob) -> the tasks it means
    ups: dict[str, dict[str, list[str]]] = {}
    for t in tasks:
        ups[t.name] = {}
        for u in t.upstream:
            found = [n for n in names if fnmatch.fnmatchcase(n, u)] if any(c in u for c in "*?[") else [u]
            if not all(f in by_name for f in found) or not found:
                raise NotebookReadError(
                    f"Ploomber task '{t.name}': upstream '{u}' names no task",
                    path=path,
                    hint=f"the tasks are: {', '.join(names)}",
                )
            ups[t.name][u] = found
    built, extra, targets, virtual = {}, {}, {}, {}
    for t in tasks:
        injected: dict = {}
        for u, found in ups[t.name].items():
            if any(c in u for c in "*?["):
                injected[u] = {f: by_name[f].product for f in found}
            else:
                injected[u] = by_name[u].product
        nb = _task_notebook(t, root, injected, nb_key, path)
        file = root / f"{t.name}.ipynb"  # where its kernel runs: pipeline.yaml's folder
        digest = hashlib.sha256(json.dumps(nb, sort_keys=True).encode()).hexdigest()
        built[file] = build_pipeline(nb, path=file, notebook_hash=digest)
        extra[file] = [f"@{f}" for found in ups[t.name].values() for f in found]
        targets[f"@{t.name}"] = (file, None)
        virtual[t.name] = file
    composer = _Composer(
        path,
        listed=list(built),
        extra_refs=extra,
        built=built,
        ref_targets=targets,
        name=slug(path.parent.name if path.stem == "pipeline" else path.stem),
        settings={},
        file_hash=hashlib.sha256(read_bytes(path)).hexdigest(),
    )
    pipeline = composer.build()
    return _with_products(pipeline, tasks, ups, virtual, composer, nb_key)


def _with_products(pipeline: Pipeline, tasks, ups, virtual, composer, nb_key) -> Pipeline:
    """Products: each task's files are its step's outputs, handed to the tasks that name it."""
    step_of, source_of = {}, {}
    for t in tasks:
        rel = composer.file(virtual[t.name])
        mine = [s.name for s in pipeline.steps if s.notebook == rel]
        source_of.update(dict.fromkeys(mine, t.source))  # shown as the task's source, as written
        step_of[t.name] = [s for s in mine if not any(s in pipeline.step(x).after for x in mine)][-1]
    changes: dict[str, dict] = {}
    for t in tasks:
        files_in: list[tuple[str, str]] = []
        for found in ups[t.name].values():
            for f in found:
                for out in _files(next(x for x in tasks if x.name == f), nb_key):
                    if out not in [x for x, _ in files_in]:
                        files_in.append((out, step_of[f]))
        s = pipeline.step(step_of[t.name])
        changes[s.name] = {
            "files_in": tuple(dict.fromkeys(tuple(files_in) + s.files_in)),
            "files_out": tuple(sorted(set(s.files_out) | set(_files(t, nb_key)))),
        }
    handed = {f for c in changes.values() for f, _ in c["files_in"]}

    for name, src in source_of.items():
        changes.setdefault(name, {})["notebook"] = src

    def fix(s):
        return (
            replace(s, **changes[s.name], assets=tuple(a for a in s.assets if a not in handed))
            if s.name in changes
            else s
        )

    def handed_on(pr) -> bool:
        m = re.search(r"reads '([^']+)', which exists neither", pr.message)
        return bool(
            pr.code == "missing-file"
            and m
            and pr.step in changes
            and m.group(1) in dict(changes[pr.step].get("files_in", ()))
        )

    return replace(
        pipeline,
        steps=tuple(fix(s) for s in pipeline.steps),
        parts=tuple(replace(p, steps=tuple(fix(s) for s in p.steps)) for p in pipeline.parts),
        problems=tuple(pr for pr in pipeline.problems if not handed_on(pr)),
    )
