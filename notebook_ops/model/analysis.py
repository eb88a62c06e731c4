"""Static data flow of Python cells (``ast``): what a cell reads, defines and deletes, in order.

A cell becomes a list of events ``("read"|"def"|"del"|"mut", name)`` in execution order, plus *late*
reads: free names inside function and lambda bodies, which resolve when called rather than when
defined. ``step_flow`` folds a step's cells into its external reads (read before bound) and the
names it leaves bound. Nested scopes follow Python's rules: comprehensions, lambdas, functions
and class bodies have their own scope; ``global`` in a function binds at module level; a walrus in
a comprehension binds in the enclosing scope.

``mut`` marks an object changed in place without rebinding its name (``model.fit(X, y)``,
``df["b"] = ...``, ``history.append(acc)``; the vocabulary is in ``mutation``), followed through
simple aliases: ``a = b``, ``data = [train, test]`` then ``for d in data: d["x"] = ...``. Calls
of functions the notebook defines are recorded (``CellFlow.calls``) and resolved once every
cell's functions are known (``resolve_calls``).
"""

from __future__ import annotations

import ast
import builtins
from dataclasses import dataclass, field

from notebook_ops.model.imports import cell_tree, python_source
from notebook_ops.model.mutation import (
    ARGUMENT_MUTATING_BUILTINS,
    ARGUMENT_MUTATING_METHODS,
    FunctionMutations,
    function_mutations,
    has_inplace_true,
    is_mutating_method,
    root_name,
)
from notebook_ops.model.scopes import CachedVisitor, class_free, comprehension_free, visit_outside

BUILTINS = frozenset(dir(builtins)) | {
    "get_ipython",
    "display",
    "__name__",
    "__doc__",
    "In",
    "Out",
    "exit",
    "quit",
}


def strip_magics(source: str) -> str:
    """Make IPython syntax parse, line for line (IPython's own transformer, in ``imports``)."""

    return python_source(source)


@dataclass
class CellFlow:
    events: list[tuple[str, str]] = field(default_factory=list)
    late_reads: set[str] = field(default_factory=set)
    star_import: bool = False
    syntax_error: tuple[str, int] | None = None  # (message, line)
    imports: set[str] = field(default_factory=set)  # names bound by import statements
    # functions defined here -> what calling them changes
    functions: dict[str, FunctionMutations] = field(default_factory=dict)
    # calls of plain-named functions: (event index, function, names per positional argument,
    # names per keyword argument); the names are each argument's root and its aliases
    calls: list[tuple[int, str, tuple[frozenset, ...], dict[str, frozenset]]] = field(default_factory=list)

    @property
    def changes(self) -> set[str]:
        return {n for k, n in self.events if k == "mut"}

    @property
    def defines(self) -> set[str]:
        return {n for k, n in self.events if k == "def"}

    @property
    def reads(self) -> set[str]:
        return {n for k, n in self.events if k == "read"}


@dataclass
class Aliases:
    """Which names share objects, carried from cell to cell in notebook order."""

    same: dict[str, set[str]] = field(default_factory=dict)  # name -> names of the same object
    members: dict[str, set[str]] = field(default_factory=dict)  # name -> names whose objects it holds
    holders: dict[str, set[str]] = field(default_factory=dict)  # name -> containers holding its object


class _ModuleFlow(CachedVisitor):
    """Walks module-level code in execution order, emitting read/def/del/mut events."""

    def __init__(self, flow: CellFlow, aliases: Aliases | None = None):
        self.flow = flow
        aliases = aliases if aliases is not None else Aliases()
        self.same = aliases.same
        self.members = aliases.members
        self.holders = aliases.holders

    def read(self, name):
        self.flow.events.append(("read", name))

    def define(self, name):
        self.flow.events.append(("def", name))
        for other in self.same.pop(name, ()):
            self.same.get(other, set()).discard(name)
        self.members.pop(name, None)
        self.holders.pop(name, None)

    # -- in-place changes and aliases -------------------------------------------------------------
    def aliases(self, name: str, deep: bool = False) -> set[str]:
        """The names whose objects change when ``name``'s object changes (``deep``: also the
        objects it holds, as in ``data[0]["x"] = 1``)."""
        names = {name} | self.same.get(name, set()) | self.holders.get(name, set())
        if deep:
            for m in list(self.members.get(name, ())):
                names |= {m} | self.same.get(m, set())
        return names

    def mutate(self, name: str | None, deep: bool = False) -> None:
        if name is None:
            return
        for n in sorted(self.aliases(name, deep)):
            self.flow.events.append(("mut", n))

    def mutate_target(self, target) -> None:
        if isinstance(target, (ast.Tuple, ast.List)):
            for e in target.elts:
                self.mutate_target(e)
        elif isinstance(target, ast.Starred):
            self.mutate_target(target.value)
        elif isinstance(target, (ast.Attribute, ast.Subscript)):
            name, depth = root_name(target)
            self.mutate(name, deep=depth >= 2)

    def _contents(self, node) -> set[str] | None:
        """Names a list/tuple/set/dict display holds (with their aliases), else None."""
        if isinstance(node, (ast.List, ast.Tuple, ast.Set)):
            elts = node.elts
        elif isinstance(node, ast.Dict):
            elts = node.values
        else:
            return None
        held: set[str] = set()
        for e in elts:
            if isinstance(e, ast.Starred):
                e = e.value
            if isinstance(e, ast.Name):
                held |= {e.id} | self.same.get(e.id, set())
        return held

    def bind_alias(self, name: str, value) -> None:
        """After ``name = value``: remember what ``name``'s object is or holds."""
        if isinstance(value, ast.Name) and value.id != name:
            same = ({value.id} | self.same.get(value.id, set())) - {name}
            self.same[name] = set(same)
            for other in same:
                self.same.setdefault(other, set()).add(name)
            if value.id in self.members:
                self.members[name] = set(self.members[value.id])
            if value.id in self.holders:
                self.holders[name] = set(self.holders[value.id])
            return
        held = self._contents(value)
        if held:
            self.members[name] = held - {name}

    def bind_loop(self, target, iterable) -> None:
        """``for d in data``: ``d`` is, in turn, each object ``data`` holds."""
        pairs: list[tuple[ast.AST, ast.AST]] = [(target, iterable)]
        if (
            isinstance(iterable, ast.Call)
            and isinstance(iterable.func, ast.Name)
            and isinstance(target, ast.Tuple)
        ):
            if iterable.func.id == "enumerate" and iterable.args and len(target.elts) == 2:
                pairs = [(target.elts[1], iterable.args[0])]
            elif iterable.func.id == "zip" and len(iterable.args) == len(target.elts):
                pairs = list(zip(target.elts, iterable.args, strict=True))
        for t, it in pairs:
            if not isinstance(t, ast.Name):
                continue
            held = self._contents(it)
            holders: set[str] = set()
            if held is None and isinstance(it, ast.Name):
                held = set(self.members.get(it.id, ()))
                holders = {it.id} | self.same.get(it.id, set())
            if held:
                self.same[t.id] = set(held)
            if holders:
                self.holders[t.id] = holders

    def visit_Name(self, node):
        if isinstance(node.ctx, ast.Load):
            self.read(node.id)
        elif isinstance(node.ctx, ast.Store):
            self.define(node.id)
        else:  # Del
            self.read(node.id)
            self.flow.events.append(("del", node.id))

    def visit_Assign(self, node):
        self.visit(node.value)
        for t in node.targets:
            self.visit(t)
            self.mutate_target(t)
        if len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            self.bind_alias(node.targets[0].id, node.value)

    def visit_AugAssign(self, node):  # Python reads the target before it evaluates the value
        if isinstance(node.target, ast.Name):
            self.read(node.target.id)
            self.visit(node.value)
            self.define(node.target.id)
        else:
            self.visit(node.target)
            self.visit(node.value)
            self.mutate_target(node.target)

    def visit_AnnAssign(self, node):
        if node.value is not None:
            self.visit(node.value)
            self.visit(node.target)
            self.mutate_target(node.target)
        elif not isinstance(node.target, ast.Name):
            self.visit(node.target)

    def visit_Delete(self, node):
        for t in node.targets:
            self.visit(t)
            if not isinstance(t, ast.Name):
                self.mutate_target(t)

    def visit_Call(self, node):
        self.generic_visit(node)
        func = node.func
        if isinstance(func, ast.Attribute):
            if is_mutating_method(func.attr) or has_inplace_true(node):
                name, depth = root_name(func.value)
                self.mutate(name, deep=depth >= 1)
            elif func.attr in ARGUMENT_MUTATING_METHODS and node.args:
                self.mutate(root_name(node.args[0])[0])
        elif isinstance(func, ast.Name):
            if func.id in ARGUMENT_MUTATING_BUILTINS and node.args:
                self.mutate(root_name(node.args[0])[0])
                return

            def names(arg) -> frozenset:
                name, _ = root_name(arg)
                return frozenset(self.aliases(name, deep=True)) if name else frozenset()

            self.flow.calls.append(
                (
                    len(self.flow.events),
                    func.id,
                    tuple(names(a) for a in node.args),
                    {k.arg: names(k.value) for k in node.keywords if k.arg},
                )
            )

    def visit_NamedExpr(self, node):
        self.visit(node.value)
        self.define(node.target.id)

    def visit_For(self, node):
        self.visit(node.iter)
        self.visit(node.target)
        self.bind_loop(node.target, node.iter)
        for stmt in node.body + node.orelse:
            self.visit(stmt)

    visit_AsyncFor = visit_For

    def visit_With(self, node):
        for item in node.items:
            self.visit(item.context_expr)
            if item.optional_vars is not None:
                self.visit(item.optional_vars)
        for stmt in node.body:
            self.visit(stmt)

    visit_AsyncWith = visit_With

    def visit_ExceptHandler(self, node):
        if node.type is not None:
            self.visit(node.type)
        if node.name:
            self.define(node.name)
        for stmt in node.body:
            self.visit(stmt)
        if node.name:
            self.flow.events.append(("del", node.name))

    def visit_Import(self, node):
        for alias in node.names:
            name = alias.asname or alias.name.split(".")[0]
            self.define(name)
            self.flow.imports.add(name)

    def visit_ImportFrom(self, node):
        for alias in node.names:
            if alias.name == "*":
                self.flow.star_import = True
            else:
                self.define(alias.asname or alias.name)
                self.flow.imports.add(alias.asname or alias.name)

    def _function(self, node):
        free, gdefs = visit_outside(self, node)
        self.flow.late_reads |= free
        for n in sorted(gdefs):
            self.define(n)

    def visit_FunctionDef(self, node):
        self._function(node)
        self.define(node.name)
        changes = function_mutations(node)
        if changes:
            self.flow.functions[node.name] = changes
        else:
            self.flow.functions.pop(node.name, None)

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_Lambda(self, node):
        self._function(node)

    def visit_ClassDef(self, node):
        for e in node.decorator_list + node.bases + [k.value for k in node.keywords]:
            self.visit(e)
        now, late, gdefs = class_free(node)
        for n in sorted(now):
            self.read(n)
        self.flow.late_reads |= late
        for n in sorted(gdefs):
            self.define(n)
        self.define(node.name)

    def _comprehension(self, node):
        self.visit(node.generators[0].iter)
        free, walrus, gdefs = comprehension_free(node)
        for n in sorted(free):
            self.read(n)
        for n in sorted(walrus | gdefs):
            self.define(n)

    visit_ListComp = visit_SetComp = visit_GeneratorExp = visit_DictComp = _comprehension

    def visit_MatchAs(self, node):
        if node.pattern is not None:
            self.visit(node.pattern)
        if node.name:
            self.define(node.name)

    def visit_MatchStar(self, node):
        if node.name:
            self.define(node.name)

    def visit_MatchMapping(self, node):
        self.generic_visit(node)
        if node.rest:
            self.define(node.rest)

    def visit_Global(self, node):  # meaningless at module level
        pass

    visit_Nonlocal = visit_Global


def analyze_cell(source: str, aliases: Aliases | None = None) -> CellFlow:
    """The cell's events. ``aliases`` carries which names share objects from the cells before."""
    flow = CellFlow()
    try:
        tree = cell_tree(source)
    except SyntaxError as exc:
        flow.syntax_error = (exc.msg or "invalid syntax", exc.lineno or 0)
        return flow
    except (ValueError, RecursionError, MemoryError) as exc:  # e.g. null bytes, absurd nesting
        flow.syntax_error = (str(exc), 0)
        return flow
    visitor = _ModuleFlow(flow, aliases)
    try:
        for stmt in tree.body:
            visitor.visit(stmt)
    except RecursionError:  # nesting Python compiles but the analysis cannot follow
        flow.syntax_error = ("nested too deeply for the analysis to follow", 0)
    return flow


def resolve_calls(flow: CellFlow, functions: dict[str, FunctionMutations]) -> None:
    """Add ``mut`` events for calls of notebook functions that change their arguments or
    module-level names (``functions``: every cell's ``CellFlow.functions``, merged)."""
    inserts = []
    for at, fname, args, kwargs in flow.calls:
        fm = functions.get(fname)
        if not fm:
            continue
        names = set(fm.free)
        for i, arg_names in enumerate(args):
            if i in fm.positions:
                names |= arg_names
        for k, arg_names in kwargs.items():
            if k in fm.names:
                names |= arg_names
        if names:
            inserts.append((at, sorted(names)))
    for at, sorted_names in reversed(inserts):
        flow.events[at:at] = [("mut", n) for n in sorted_names]


@dataclass
class StepFlow:
    external_reads: list[str]  # read before the step bound them, in first-read order
    late_reads: set[str]  # free names of functions defined here that the step never binds
    defines: set[str]  # names bound when the step ends (changed objects included)
    first_read_cell: dict  # name -> cell index of the first external read
    changed: set[str] = field(default_factory=set)  # received objects changed in place, still bound
    changed_cell: dict = field(default_factory=dict)  # name -> cell index of the first change


def step_flow(cells: list[tuple[int, CellFlow]], *, unchanged: frozenset | set = frozenset()) -> StepFlow:
    """Fold a step's cells. An object the step received and changes in place (``mut`` of a name
    it has not bound) is read and left bound: a new version, which the step hands on.
    ``unchanged``: names whose changes do not travel (imported modules, builtins)."""
    bound: set[str] = set()
    ever: set[str] = set()
    ext: list[str] = []
    where: dict[str, int] = {}
    late: set[str] = set()
    changed: set[str] = set()
    changed_at: dict[str, int] = {}
    for index, flow in cells:
        for kind, name in flow.events:
            if kind == "read":
                if name not in bound and name not in where:
                    ext.append(name)
                    where[name] = index
            elif kind == "def":
                bound.add(name)
                ever.add(name)
                changed.discard(name)
            elif kind == "mut":
                if name in bound or name in unchanged:
                    continue
                if name not in where:
                    ext.append(name)
                    where[name] = index
                bound.add(name)
                ever.add(name)
                changed.add(name)
                changed_at.setdefault(name, index)
            else:
                bound.discard(name)
                changed.discard(name)
        late |= flow.late_reads
        for name in flow.late_reads:
            where.setdefault(name, index)
    late_ext = {n for n in late if n not in ever and n not in ext}
    return StepFlow(
        external_reads=ext,
        late_reads=late_ext,
        defines=bound,
        first_read_cell=where,
        changed=changed,
        changed_cell=changed_at,
    )
