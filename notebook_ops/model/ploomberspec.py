"""Ploomber's ``pipeline.yaml`` spec read as Ploomber reads it: its tasks (grids expanded as
Ploomber's ``TaskGroup`` expands them), its ``meta``, its placeholders rendered (``{{here}}``,
``{{root}}``, ``{{cwd}}``, ``{{user}}``, ``{{env.NAME}}``, ``env.yaml``'s keys); a key we do not
support is one NotebookReadError naming the task and the key. ``ploomber`` turns the tasks into
notebooks and the pipeline.
"""

from __future__ import annotations

import getpass
import itertools
import os
import re
from pathlib import Path
from typing import Any

from notebook_ops.errors import NotebookReadError
from notebook_ops.model.notebook import read_bytes

# keys we read; every other key is named in the error as unsupported
TASK_KEYS = {"source", "product", "name", "params", "grid", "upstream", "static_analysis", "nb_product_key"}
TOP_KEYS = {"tasks", "meta", "executor", "config"}
META_KEYS = {"extract_upstream", "extract_product", "product_default_class", "source_loader"}


def is_ploomber(doc) -> bool:
    """A Ploomber spec: ``tasks:`` (a list, or Ploomber's shorthand of a bare list) and no
    ``notebooks:`` (ours)."""
    return isinstance(doc, list) or (isinstance(doc, dict) and "tasks" in doc and "notebooks" not in doc)


class Task:
    """One task of the spec (one combination of a grid)."""

    def __init__(
        self, name: str, source: str, product, params: dict, upstream, raw_index: int, nb_key: str = "nb"
    ):
        self.name, self.source, self.product, self.params = name, source, product, params
        self.nb_key = nb_key  # the product key of the executed notebook (``nb_product_key``)
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
    import yaml  # noqa: PLC0415 - yaml costs 26 ms CPU to import, loaded on first use

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
    return source.rsplit(".", 1)[-1] if is_dotted(source) else Path(source).stem


def is_dotted(source: str) -> bool:
    return Path(source).suffix.lower() not in (".ipynb", ".py", ".sql", ".sh", ".r", ".rmd") and bool(
        re.fullmatch(r"[A-Za-z_][\w]*(\.[A-Za-z_]\w*)+", source)
    )


def read_tasks(path) -> tuple[list[Task], dict]:
    """The spec's tasks (grids expanded, placeholders rendered) and its meta."""
    import yaml  # noqa: PLC0415 - yaml costs 26 ms CPU to import, loaded on first use

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
    tasks: list[Task] = []
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
        if suffix not in (".ipynb", ".py") and not is_dotted(source):
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
        nb_key = raw.get("nb_product_key") or "nb"
        if not isinstance(nb_key, str):
            raise NotebookReadError(f"Ploomber {where}: nb_product_key must be a product's key", path=path)
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
                tasks.append(Task(name, source, task_product, task_params, upstream, i, nb_key))
        else:
            name = raw.get("name") or _default_name(source)
            tasks.append(Task(name, source, product, params, upstream, i, nb_key))
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
