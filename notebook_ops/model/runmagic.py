"""``%run NB.ipynb`` / ``%run script.py``: the cell read as running its target, as IPython does.

IPython runs the target in the kernel's folder (the notebook's) and leaves the names it binds in
the notebook's namespace. So for the analysis a ``%run`` line *is* the target's code: each cell
that holds one gets an expanded source (``Cell.expanded``) where the line is replaced by the
target's Python (a notebook's code cells in order, a script's text, ``%run`` inside followed),
and every pass (data flow, files, imports, pip lines) reads that: names it defines are defined
by the cell, names it reads flow in, its imports are requirements, its data files are assets.
The target itself is listed (``Cell.runs``) so a bundle ships it under ``code/``. Arguments are
parsed as IPython's ``%run`` parses them (``-i``, ``-e``, ``-t``, ``-N 3``, quoted paths, a name
without ``.py``); a target that cannot be read, or does not parse, is one lint error naming the
cell. The step notebooks keep the ``%run`` line as written.
"""

from __future__ import annotations

import ast
import json
import os
import shlex
import textwrap
from dataclasses import replace
from pathlib import Path

from notebook_ops.model.imports import PARSE_ERRORS, cell_tree, python_source
from notebook_ops.model.pipeline import Cell, Problem

ROLES = ("code", "setup", "metrics", "parameters")
# IPython's %run options (magics/execution.py): flags, and those taking a value
_FLAGS = frozenset("nidtepqrG")
_WITH_VALUE = frozenset("NblTmsD")
_MAX_DEPTH = 10


class RunTargetError(Exception):
    """A target that cannot be followed: (message, hint)."""

    def __init__(self, message: str, hint: str):
        super().__init__(message)
        self.message, self.hint = message, hint


def target_of(arg: str) -> str | None:
    """The file ``%run ARG`` runs, as written (None: ``-m module``, or expanded at run time)."""
    if "$" in arg or "{" in arg:
        return None
    try:
        words = shlex.split(arg, posix=True)
    except ValueError:
        words = arg.split()
    i = 0
    while i < len(words):
        w = words[i]
        if w == "--":
            i += 1
            break
        if not w.startswith("-") or len(w) < 2:
            break
        letters = w[1:]
        for j, ch in enumerate(letters):
            if ch == "m":
                return None  # a module, run from sys.path: an import, not a file
            if ch in _WITH_VALUE:
                if j == len(letters) - 1:
                    i += 1  # the value is the next word
                break
        i += 1
    return words[i] if i < len(words) else None


def _resolve(name: str, here: Path) -> Path:
    """The file IPython opens for ``name`` (``get_py_filename``: tried with ``.py`` too)."""
    p = Path(name).expanduser()
    p = p if p.is_absolute() else here / p
    if not p.is_file() and not name.endswith(".py") and p.with_name(p.name + ".py").is_file():
        p = p.with_name(p.name + ".py")
    return p


def _target_code(path: Path) -> str:
    """The target's code as Python: a notebook's code cells, or the script (IPython syntax made
    Python, cell by cell)."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise RunTargetError(f"cannot read it ({exc.strerror})", "fix the path") from None
    if path.suffix == ".ipynb":
        try:
            nb = json.loads(data)
            cells = [
                "".join(c.get("source") or "") if isinstance(c.get("source"), list) else c.get("source") or ""
                for c in nb.get("cells") or []
                if isinstance(c, dict) and c.get("cell_type") == "code"
            ]
        except (ValueError, AttributeError):
            raise RunTargetError("it is not a notebook (not JSON)", "fix or replace the notebook") from None
    else:
        try:
            cells = [data.decode("utf-8")]
        except UnicodeDecodeError:
            raise RunTargetError("it is not UTF-8 text", "%run runs Python scripts and notebooks") from None
    return "\n".join(python_source(c) for c in cells)


def _run_lines(tree: ast.Module) -> list[tuple[int, int, int, str]]:
    """(first line, last line, indent, argument) of each ``%run`` statement, last first."""
    out = []
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Expr)
            and isinstance(node.value, ast.Call)
            and isinstance(node.value.func, ast.Attribute)
            and node.value.func.attr == "run_line_magic"
            and len(node.value.args) == 2
            and all(isinstance(a, ast.Constant) and isinstance(a.value, str) for a in node.value.args)
            and getattr(node.value.args[0], "value", None) == "run"
        ):
            arg = str(getattr(node.value.args[1], "value", ""))
            out.append((node.lineno, node.end_lineno or node.lineno, node.col_offset, arg))
    return sorted(out, reverse=True)


def expand(source: str, here: Path, stack: tuple[Path, ...] = ()) -> tuple[str, list[Path]] | None:
    """``source`` with each ``%run`` replaced by its target's code, and the targets (nested ones
    too); None when the cell runs nothing. Raises RunTargetError for a target it cannot follow."""
    if "run" not in source:
        return None
    try:
        py = python_source(source) if not stack else source  # a target's code is Python already
        tree = cell_tree(source) if not stack else ast.parse(py)
    except PARSE_ERRORS:
        return None
    found = _run_lines(tree)
    if not found:
        return None
    lines = py.split("\n")
    targets: list[Path] = []
    for first, last, indent, arg in found:
        name = target_of(arg)
        if name is None:
            continue
        path = _resolve(name, here)
        if not path.is_file():
            raise RunTargetError(
                f"%run {arg}: {name} does not exist",
                "fix the path: it is relative to the notebook's folder, as in the kernel",
            )
        if path.resolve() in stack or len(stack) >= _MAX_DEPTH:
            raise RunTargetError(f"%run {arg}: {name} runs itself in a cycle", "remove one of the %run lines")
        code = _target_code(path)
        try:
            inner = expand(code, here, stack + (path.resolve(),))
        except RunTargetError as exc:
            raise RunTargetError(f"in {name}: {exc.message}", exc.hint) from None
        if inner is not None:
            code, nested = inner
            targets += [t for t in nested if t not in targets]
        try:
            ast.parse(code)
        except PARSE_ERRORS as exc:
            line = getattr(exc, "lineno", None)
            raise RunTargetError(
                f"%run {arg}: {name} does not parse ({getattr(exc, 'msg', exc)}"
                + (f", line {line})" if line else ")"),
                f"fix {name}",
            ) from None
        body = textwrap.indent(code, " " * indent) if indent else code
        lines[first - 1 : last] = (body or " " * indent + "pass").split("\n")
        if path not in targets:
            targets.append(path)
    if not targets:
        return None
    return "\n".join(lines), targets


def expand_cells(cells: list[Cell], path, problems: list[Problem]) -> list[Cell]:
    """The cells with their ``%run`` targets read in (``Cell.expanded``, ``Cell.runs``: paths
    relative to the notebook's folder); a target it cannot follow is an error on its cell."""
    if path is None:
        return cells
    here = Path(path).resolve().parent
    out = []
    for c in cells:
        if c.cell_type != "code" or c.role not in ROLES or "%run" not in c.source:
            out.append(c)
            continue
        try:
            got = expand(c.source, here)
        except RunTargetError as exc:
            problems.append(
                Problem("error", "run-target", exc.message, step=c.step, cell=c.index, hint=exc.hint)
            )
            got = None
        if got is None:
            out.append(c)
            continue
        code, targets = got
        runs = tuple(Path(os.path.relpath(t, here)).as_posix() for t in targets)
        out.append(replace(c, expanded=code, runs=runs))
    return out
