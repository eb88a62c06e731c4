"""Outputs no serialiser can save, seen before the run (lint ``unsaveable-output``).

A step hands its outputs to the steps after it through the data store; a value bound to an
open connection, lock, thread, pool or generator cannot be written there, and the run would
fail when the step ends. Where the code names the type for sure (a known constructor call
assigned directly: ``conn = sqlite3.connect(...)``, ``lock = threading.Lock()``, a generator
expression) and a later step reads the name, that is a
warning naming the step, the variable and the fix. Anything less certain (a call of the
notebook's own function, a value built inside an ``if``, a name rebound later) says nothing.

The table is the model's own (the model imports no runtime code); the runtime's tests check
that each entry really is refused by every built-in serialiser.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable

from notebook_ops.model.imports import PARSE_ERRORS, cell_tree
from notebook_ops.model.pipeline import Cell, Problem, Step

# constructor (as imported) -> the type of what it returns, as the runtime names it. Not open():
# cloudpickle saves a file opened for reading (as its content).
UNSAVEABLE: dict[str, str] = {
    "tempfile.TemporaryFile": "_io.BufferedRandom",
    "sqlite3.connect": "sqlite3.Connection",
    "threading.Lock": "_thread.lock",
    "threading.RLock": "_thread.RLock",
    "threading.Condition": "threading.Condition",
    "threading.Semaphore": "threading.Semaphore",
    "threading.Event": "threading.Event",
    "threading.Thread": "threading.Thread",
    "queue.Queue": "queue.Queue",
    "socket.socket": "socket.socket",
    "subprocess.Popen": "subprocess.Popen",
    "multiprocessing.Pool": "multiprocessing.pool.Pool",
    "concurrent.futures.ThreadPoolExecutor": "concurrent.futures.thread.ThreadPoolExecutor",
    "concurrent.futures.ProcessPoolExecutor": "concurrent.futures.process.ProcessPoolExecutor",
}
GENERATOR = "generator"
ENTRY_POINT_GROUP = "notebook_ops.serializers"


def _trees(sources: Iterable[str]) -> list[ast.Module]:
    out = []
    for source in sources:
        try:
            out.append(cell_tree(source))
        except PARSE_ERRORS:
            continue  # reported as syntax-error elsewhere
    return out


def imported_names(sources: Iterable[str]) -> dict[str, str]:
    """Module-level imports of the notebook: local name -> dotted origin
    (``import sqlite3 as sq`` -> ``sq: sqlite3``; ``from threading import Lock`` -> ``Lock:
    threading.Lock``)."""
    names: dict[str, str] = {}
    for tree in _trees(sources):
        for stmt in tree.body:
            if isinstance(stmt, ast.Import):
                for alias in stmt.names:
                    if alias.asname:
                        names[alias.asname] = alias.name
                    else:
                        top = alias.name.split(".")[0]
                        names[top] = top
            elif isinstance(stmt, ast.ImportFrom) and stmt.module and not stmt.level:
                for alias in stmt.names:
                    if alias.name != "*":
                        names[alias.asname or alias.name] = f"{stmt.module}.{alias.name}"
    return names


def _dotted(node: ast.AST, imported: dict[str, str]) -> str | None:
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    root = imported.get(node.id)
    if root is None:
        return node.id if not parts else None  # a builtin such as open(), never module.attr
    return ".".join([root, *reversed(parts)])


def constructed_type(value: ast.AST, imported: dict[str, str]) -> str | None:
    """The type a right-hand side certainly makes, if it is one no serialiser can save."""
    if isinstance(value, ast.GeneratorExp):
        return GENERATOR
    if isinstance(value, ast.Call):
        name = _dotted(value.func, imported)
        return UNSAVEABLE.get(name) if name else None
    return None


class _Bound(ast.NodeVisitor):
    """Names a statement binds at module level (not inside functions, classes, comprehensions)."""

    def __init__(self):
        self.names: set[str] = set()

    def visit_Name(self, node):
        if not isinstance(node.ctx, ast.Load):
            self.names.add(node.id)

    def _scope(self, node):
        if hasattr(node, "name"):
            self.names.add(node.name)

    visit_FunctionDef = visit_AsyncFunctionDef = visit_ClassDef = _scope

    def visit_Lambda(self, node):
        pass

    visit_ListComp = visit_SetComp = visit_DictComp = visit_GeneratorExp = visit_Lambda

    def visit_NamedExpr(self, node):
        self.names.add(node.target.id)
        self.generic_visit(node)

    def visit_Import(self, node):
        for alias in node.names:
            self.names.add(alias.asname or alias.name.split(".")[0])

    def visit_ImportFrom(self, node):
        for alias in node.names:
            self.names.add(alias.asname or alias.name)


def step_values(sources: list[tuple[int, str]], imported: dict[str, str]) -> dict[str, tuple[str, int]]:
    """name -> (unsaveable type, cell index) for names a step's cells leave bound to such a
    value: the last module-level binding of the name is a direct assignment of it."""
    found: dict[str, tuple[str, int]] = {}
    for index, source in sources:
        for tree in _trees([source]):
            for stmt in tree.body:
                kind = None
                targets: list[str] = []
                if isinstance(stmt, ast.Assign) and all(isinstance(t, ast.Name) for t in stmt.targets):
                    kind = constructed_type(stmt.value, imported)
                    targets = [t.id for t in stmt.targets if isinstance(t, ast.Name)]
                bound = _Bound()
                bound.visit(stmt)
                for name in bound.names:
                    found.pop(name, None)
                if kind is not None:
                    for name in targets:
                        found[name] = (kind, index)
    return found


def problems(cells: tuple[Cell, ...] | list[Cell], steps: Iterable[Step]) -> list[Problem]:
    """An ``unsaveable-output`` warning per output a later step reads whose value the code
    certainly makes unsaveable."""
    steps = list(steps)
    code = [c for c in cells if c.cell_type == "code" and c.role in ("code", "setup", "metrics")]
    imported = imported_names(c.source for c in code)
    readers: dict[tuple[str, str], list[str]] = {}
    for s in steps:
        for name, producer in s.input_sources:
            readers.setdefault((producer, name), []).append(s.name)
    by_index = {c.index: c for c in code}
    out = []
    for s in steps:
        if not s.outputs:
            continue
        values = step_values([(i, by_index[i].source) for i in s.cells if i in by_index], imported)
        for name in s.outputs:
            if name not in values:
                continue
            kind, cell = values[name]
            users = readers.get((s.name, name)) or []
            to = ", ".join(repr(u) for u in users) or "the steps after it"
            out.append(
                Problem(
                    "warning",
                    "unsaveable-output",
                    f"output '{name}' is a {kind}, which no serialiser can save to hand to step {to}",
                    step=s.name,
                    cell=cell,
                    hint=(
                        f"compute it in the step that uses it ({to}), "
                        f"or register a serialiser for {kind} (entry point group {ENTRY_POINT_GROUP})"
                    ),
                )
            )
    return out
