"""The models a pipeline registers, read from its code before it runs.

Each ``nbo.log_model(obj, "NAME")`` call (``name="NAME"`` too, through whichever import of
``notebook_ops`` the notebook uses) in a step's cells makes a new version of the registered
model NAME when the step runs. ``inspect`` shows them per step and the bundle's manifest lists
them, so DevOps know which models a bundle will register (and can build a serving image for
one) without running it. A name the code computes (``f"clf-{region}"``, a variable) is listed
as dynamic, with the expression as written. Calls inside functions count (the cell defines
and, nearly always, calls them); a helper defined in a setup cell is not followed.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable
from dataclasses import replace

from notebook_ops.model.imports import PARSE_ERRORS, cell_tree
from notebook_ops.model.pipeline import Cell, LoggedModel, Problem, Step
from notebook_ops.model.unsaveable import imported_names

LOG_MODEL = "notebook_ops.log_model"
# MLflow's registered-model names are free text; these also make safe folder names and tags
NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$")
NAME_RULE = "start with a letter or digit, then letters, digits, '_', '.' or '-' (at most 100)"


def _callee(func: ast.AST, imported: dict[str, str]) -> str | None:
    """The dotted origin of a call's function (``nbo.log_model`` -> ``notebook_ops.log_model``)."""
    parts: list[str] = []
    while isinstance(func, ast.Attribute):
        parts.append(func.attr)
        func = func.value
    if not isinstance(func, ast.Name):
        return None
    root = imported.get(func.id)
    return ".".join([root, *reversed(parts)]) if root else None


def _literal(node: ast.AST) -> str | None:
    """The string a name argument certainly is: a literal, or an f-string with no fields."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr) and all(
        isinstance(v, ast.Constant) and isinstance(v.value, str) for v in node.values
    ):
        return "".join(str(v.value) for v in node.values if isinstance(v, ast.Constant))
    return None


def _name_argument(call: ast.Call) -> ast.AST | None:
    for kw in call.keywords:
        if kw.arg == "name":
            return kw.value
    return call.args[1] if len(call.args) > 1 and not isinstance(call.args[1], ast.Starred) else None


def calls(source: str, cell: int | None, imported: dict[str, str]) -> list[LoggedModel]:
    """The ``log_model`` calls of one cell, in source order (none if it does not parse: that
    is reported as a syntax error elsewhere)."""
    try:
        tree = cell_tree(source)
    except PARSE_ERRORS:
        return []
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call) or _callee(node.func, imported) != LOG_MODEL:
            continue
        arg = _name_argument(node)
        if arg is None:  # log_model(obj) alone fails at run time; nothing to list
            continue
        name = _literal(arg)
        expression = None if name is not None else ast.unparse(arg)
        found.append((node.lineno, node.col_offset, LoggedModel(name, cell, expression)))
    return [m for *_, m in sorted(found, key=lambda t: (t[0], t[1]))]


def step_models(cells: Iterable[Cell], step: Step, imported: dict[str, str]) -> tuple[LoggedModel, ...]:
    """The models ``step`` registers, each name once (a dynamic one once per call)."""
    by_index = {c.index: c for c in cells}
    out: list[LoggedModel] = []
    for index in step.cells:
        c = by_index.get(index)
        if c is None or c.cell_type != "code" or c.role not in ("code", "metrics"):
            continue
        if "log_model" not in c.analysed:
            continue
        for m in calls(c.analysed, index, imported):
            if m.dynamic or all(m.name != o.name for o in out):
                out.append(m)
    return tuple(out)


def attach(
    cells: tuple[Cell, ...] | list[Cell], steps: list[Step], problems: list[Problem] | None = None
) -> list[Step]:
    """``steps`` with the models each registers; a literal name ``log_model`` would refuse is
    an ``invalid-model-name`` error in ``problems``."""
    code = [c for c in cells if c.cell_type == "code" and c.role in ("code", "setup", "metrics")]
    if not any("log_model" in c.analysed for c in code):  # most notebooks: no parse at all
        return steps
    imported = imported_names(c.analysed for c in code)
    out = []
    for s in steps:
        models = step_models(cells, s, imported)
        for m in models:
            if m.name is not None and not NAME_RE.match(m.name) and problems is not None:
                problems.append(
                    Problem(
                        "error",
                        "invalid-model-name",
                        f"nbo.log_model: model name {m.name!r} is not a registered-model name",
                        step=s.name,
                        cell=m.cell,
                        hint=f"the name must {NAME_RULE}",
                    )
                )
        out.append(replace(s, models=tuple(m for m in models if m.dynamic or NAME_RE.match(m.name or ""))))
    return out


def registered(steps: Iterable[Step]) -> list[str]:
    """The names of the models a pipeline registers (literal names, first use first)."""
    return list(dict.fromkeys(m.name for s in steps for m in s.models if m.name))
