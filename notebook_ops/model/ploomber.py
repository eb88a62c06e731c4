"""Ploomber's ``pipeline.yaml`` as it is: its ``tasks`` read as a pipeline across notebooks.

A task's ``source`` is a notebook (``.ipynb``), a script (``.py``, percent or light format, read through
jupytext) or a dotted path to a function (``tasks.get``: a step that calls it). ``product`` is a
path or a dict of paths: ``nb`` (the task's ``nb_product_key``), or a notebook task's single
``.ipynb`` product, is where the executed notebook is written after the step, as Ploomber writes
it (``Step.notebook_product``), the rest are outputs; relative paths are relative to the
``pipeline.yaml`` folder, where every kernel runs, as with Ploomber.
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
import hashlib
import json
import os
import re
from dataclasses import replace
from pathlib import Path

from notebook_ops.errors import NotebookReadError
from notebook_ops.model.build import build_pipeline
from notebook_ops.model.multi import Composer
from notebook_ops.model.notebook import parse_notebook, read_bytes
from notebook_ops.model.pipeline import Pipeline
from notebook_ops.model.ploomberspec import Task, is_dotted, read_tasks
from notebook_ops.model.tags import slug
from notebook_ops.util import confine


# -- the task's code -----------------------------------------------------------------------------
def _source_notebook(file: Path, where: str, path) -> dict:
    confine.check(file, f"{where}'s source", source=path)
    if file.suffix.lower() == ".ipynb":
        return copy.deepcopy(parse_notebook(read_bytes(file), path=file))
    try:
        import jupytext  # noqa: PLC0415 - jupytext costs 1816 ms CPU to import, loaded on first use
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


def _files(task: Task) -> list[str]:
    """The task's output files: a function's product; a notebook's products but ``nb`` (the
    executed notebook, written by the runner: ``notebook_product``; a notebook's single product
    is that)."""
    if isinstance(task.product, dict):
        return [v for k, v in task.product.items() if k != task.nb_key or is_dotted(task.source)]
    return [task.product] if is_dotted(task.source) else []


def notebook_product(task: Task, path) -> str | None:
    """Where Ploomber writes a notebook task's executed notebook: its ``nb`` product (or its
    single product), when that is a ``.ipynb`` inside the pipeline's folder; None otherwise."""
    if is_dotted(task.source):
        return None
    nb = task.product.get(task.nb_key) if isinstance(task.product, dict) else task.product
    if not isinstance(nb, str) or Path(nb).suffix.lower() != ".ipynb":
        return None  # an .html nb product (Ploomber converts it) is not written
    if Path(nb).is_absolute() or ".." in Path(nb).parts:
        raise NotebookReadError(
            f"Ploomber task '{task.name}': its notebook product {nb} is outside the pipeline's folder",
            path=path,
            hint="write products under the folder of pipeline.yaml",
        )
    return nb


def _code_cell(cell_id: str, source: str) -> dict:
    return {
        "cell_type": "code",
        "id": cell_id,
        "metadata": {},
        "execution_count": None,
        "outputs": [],
        "source": source,
    }


def _injected(task: Task, upstream: dict, notebook: bool) -> str:
    lines = ["# Ploomber's injected parameters (as `ploomber build` injects them)"]
    if upstream or notebook:
        lines.append(f"upstream = {upstream!r}")
    lines.append(f"product = {task.product!r}")
    lines += [f"{k} = {v!r}" for k, v in task.params.items()]
    outs = [p for p in _files(task) if Path(p).parent != Path(".")]
    if outs:
        folders = sorted({Path(p).parent.as_posix() for p in outs})
        lines.append(f"for _nbo_dir in {folders!r}:\n    __import__('os').makedirs(_nbo_dir, exist_ok=True)")
    return "\n".join(lines) + "\n"


def _task_notebook(task: Task, root: Path, upstream: dict, path) -> dict:
    where = f"task '{task.name}'"
    if is_dotted(task.source):
        module, _, fn = task.source.rpartition(".")
        args = ["product=product"] + (["upstream=upstream"] if upstream else [])
        args += [f"{k}={k}" for k in task.params]
        call = f"from {module} import {fn}\n\n{fn}({', '.join(args)})\n"
        fn_nb: dict = {
            "nbformat": 4,
            "nbformat_minor": 5,
            "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
            "cells": [
                _code_cell("ploomber-injected", _injected(task, upstream, False)),
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
    cells.insert(at + 1, _code_cell("ploomber-injected", _injected(task, upstream, True)))
    meta = nb.setdefault("metadata", {})
    meta.setdefault("kernelspec", {"name": "python3", "display_name": "Python 3", "language": "python"})
    return nb


def load_ploomber(path) -> Pipeline:

    path = Path(path).resolve()
    root = path.parent
    tasks, meta = read_tasks(path)
    names = [t.name for t in tasks]
    by_name = {t.name: t for t in tasks}
    for t in tasks:
        where = f"task '{t.name}'"
        if t.declared_upstream is not None:
            t.upstream = [
                str(u)
                for u in (
                    t.declared_upstream if isinstance(t.declared_upstream, list) else [t.declared_upstream]
                )
            ]
        elif is_dotted(t.source):
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
        nb = _task_notebook(t, root, injected, path)
        file = root / f"{t.name}.ipynb"  # where its kernel runs: pipeline.yaml's folder
        # without cell ids: jupytext gives a script's cells new random ones at every read
        stable = {**nb, "cells": [{k: v for k, v in c.items() if k != "id"} for c in nb["cells"]]}
        digest = hashlib.sha256(json.dumps(stable, sort_keys=True).encode()).hexdigest()
        built[file] = build_pipeline(nb, path=file, notebook_hash=digest)
        extra[file] = [f"@{f}" for found in ups[t.name].values() for f in found]
        targets[f"@{t.name}"] = (file, None)
        virtual[t.name] = file
    composer = Composer(
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
    return _with_products(pipeline, tasks, ups, virtual, composer, path)


def _with_products(pipeline: Pipeline, tasks, ups, virtual, composer, path) -> Pipeline:
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
                for out in _files(next(x for x in tasks if x.name == f)):
                    if out not in [x for x, _ in files_in]:
                        files_in.append((out, step_of[f]))
        s = pipeline.step(step_of[t.name])
        changes[s.name] = {
            "files_in": tuple(dict.fromkeys(tuple(files_in) + s.files_in)),
            "files_out": tuple(sorted(set(s.files_out) | set(_files(t)))),
            "notebook_product": notebook_product(t, path),
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
