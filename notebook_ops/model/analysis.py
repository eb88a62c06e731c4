"""Static data flow of Python cells (``ast``): what a cell reads, defines and deletes, in order.

A cell becomes a list of events ``("read"|"def"|"del", name)`` in execution order, plus *late*
reads: free names inside function and lambda bodies, which resolve when called rather than when
defined. ``step_flow`` folds a step's cells into its external reads (read before bound) and the
names it leaves bound. Nested scopes follow Python's rules: comprehensions, lambdas, functions
and class bodies have their own scope; ``global`` in a function binds at module level; a walrus in
a comprehension binds in the enclosing scope.
"""
from __future__ import annotations

import ast
import builtins
import re
from dataclasses import dataclass, field

BUILTINS = frozenset(dir(builtins)) | {"get_ipython", "display", "__name__", "__doc__", "In", "Out", "exit", "quit"}

# Cell magics whose body is still Python.
_PYTHON_CELL_MAGICS = {"time", "timeit", "capture", "prun", "debug"}
_ASSIGN_MAGIC = re.compile(r"^(\s*[A-Za-z_][\w\s,.\[\]()]*?=\s*)[%!].*$")


_MAGIC_HINT = re.compile(r"^\s*[%!]|\?\s*$|=\s*[%!]", re.MULTILINE)


def strip_magics(source: str) -> str:
    """Make IPython syntax parse, line for line (IPython's own transformer, in ``imports``)."""
    from notebook_ops.model.imports import python_source

    return python_source(source)


def _arg_names(args: ast.arguments) -> set[str]:
    names = {a.arg for a in args.posonlyargs + args.args + args.kwonlyargs}
    if args.vararg:
        names.add(args.vararg.arg)
    if args.kwarg:
        names.add(args.kwarg.arg)
    return names


def _arg_outer_exprs(args: ast.arguments, with_annotations: bool = True) -> list[ast.AST]:
    """Defaults (and annotations) are evaluated in the enclosing scope when the def runs."""
    exprs: list[ast.AST] = list(args.defaults) + [d for d in args.kw_defaults if d is not None]
    if with_annotations:
        for a in args.posonlyargs + args.args + args.kwonlyargs + [args.vararg, args.kwarg]:
            if a is not None and a.annotation is not None:
                exprs.append(a.annotation)
    return exprs


_COMPREHENSIONS = (ast.ListComp, ast.SetComp, ast.GeneratorExp, ast.DictComp)


class _Visitor(ast.NodeVisitor):
    """``ast.NodeVisitor`` with cached dispatch: the analysis of a 10,000-cell notebook is mostly this."""

    _dispatch: dict = {}

    def __init_subclass__(cls, **kw):
        super().__init_subclass__(**kw)
        cls._dispatch = {}

    def visit(self, node):
        kind = node.__class__
        fn = self._dispatch.get(kind)
        if fn is None:
            fn = getattr(type(self), "visit_" + kind.__name__, None) or type(self).generic_visit
            self._dispatch[kind] = fn
        return fn(self, node)

    def generic_visit(self, node):
        for name in node._fields:
            if name == "ctx":
                continue
            value = getattr(node, name, None)
            if isinstance(value, list):
                for item in value:
                    if isinstance(item, ast.AST):
                        self.visit(item)
            elif isinstance(value, ast.AST):
                self.visit(value)

    def visit_Constant(self, node):
        pass


class _Scope(_Visitor):
    """Collects bindings and loads of one nested scope, without descending into inner scopes."""

    def __init__(self):
        self.bound: set[str] = set()
        self.loaded: set[str] = set()
        self.globals: set[str] = set()
        self.nonlocals: set[str] = set()
        self.walrus: set[str] = set()
        self.child_now: set[str] = set()    # free names of inner scopes that run now (comprehensions)
        self.child_late: set[str] = set()   # free names of inner functions/lambdas
        self.global_defs: set[str] = set()

    def visit_Name(self, node):
        (self.loaded if isinstance(node.ctx, ast.Load) else self.bound).add(node.id)

    def visit_NamedExpr(self, node):
        self.visit(node.value)
        self.walrus.add(node.target.id)
        self.bound.add(node.target.id)

    def visit_Global(self, node):
        self.globals.update(node.names)

    def visit_Nonlocal(self, node):
        self.nonlocals.update(node.names)

    def visit_Import(self, node):
        for alias in node.names:
            self.bound.add(alias.asname or alias.name.split(".")[0])

    def visit_ImportFrom(self, node):
        for alias in node.names:
            if alias.name != "*":
                self.bound.add(alias.asname or alias.name)

    def visit_ExceptHandler(self, node):
        if node.name:
            self.bound.add(node.name)
        self.generic_visit(node)

    def visit_MatchAs(self, node):
        if node.name:
            self.bound.add(node.name)
        self.generic_visit(node)

    def visit_MatchStar(self, node):
        if node.name:
            self.bound.add(node.name)

    def visit_MatchMapping(self, node):
        if node.rest:
            self.bound.add(node.rest)
        self.generic_visit(node)

    def _function(self, node):
        for d in getattr(node, "decorator_list", []):
            self.visit(d)
        for e in _arg_outer_exprs(node.args, with_annotations=not isinstance(node, ast.Lambda)):
            self.visit(e)
        if getattr(node, "returns", None) is not None:
            self.visit(node.returns)
        free, gdefs = function_free(node)
        self.child_late |= free
        self.global_defs |= gdefs

    def visit_FunctionDef(self, node):
        self.bound.add(node.name)
        self._function(node)

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_Lambda(self, node):
        self._function(node)

    def visit_ClassDef(self, node):
        self.bound.add(node.name)
        for e in node.decorator_list + node.bases + [k.value for k in node.keywords]:
            self.visit(e)
        now, late, gdefs = class_free(node)
        self.child_now |= now
        self.child_late |= late
        self.global_defs |= gdefs

    def _comprehension(self, node):
        self.visit(node.generators[0].iter)
        free, walrus, gdefs = comprehension_free(node)
        self.child_now |= free
        self.bound |= walrus
        self.global_defs |= gdefs

    visit_ListComp = visit_SetComp = visit_GeneratorExp = visit_DictComp = _comprehension


def function_free(node) -> tuple[set[str], set[str]]:
    """(free names, names bound at module level through ``global``) of a function or lambda."""
    s = _Scope()
    body = node.body if isinstance(node.body, list) else [node.body]
    for stmt in body:
        s.visit(stmt)
    local = (s.bound | _arg_names(node.args)) - s.globals - s.nonlocals
    free = ((s.loaded | s.child_now | s.child_late) - local) | s.nonlocals
    return free, (s.bound & s.globals) | s.global_defs


def class_free(node: ast.ClassDef) -> tuple[set[str], set[str], set[str]]:
    """(free names read while the class body runs, free names of its methods, global defs)."""
    s = _Scope()
    for stmt in node.body:
        s.visit(stmt)
    local = s.bound - s.globals - s.nonlocals
    return (s.loaded | s.child_now) - local, s.child_late, (s.bound & s.globals) | s.global_defs


def comprehension_free(node) -> tuple[set[str], set[str], set[str]]:
    """(free names, walrus targets bound in the enclosing scope, global defs) of a comprehension."""
    s = _Scope()
    for i, gen in enumerate(node.generators):
        if i:
            s.visit(gen.iter)
        s.visit(gen.target)
        for cond in gen.ifs:
            s.visit(cond)
    if isinstance(node, ast.DictComp):
        s.visit(node.key)
        s.visit(node.value)
    else:
        s.visit(node.elt)
    local = s.bound - s.walrus
    return (s.loaded | s.child_now | s.child_late) - local, s.walrus, s.global_defs


@dataclass
class CellFlow:
    events: list[tuple[str, str]] = field(default_factory=list)
    late_reads: set[str] = field(default_factory=set)
    star_import: bool = False
    syntax_error: tuple[str, int] | None = None   # (message, line)

    @property
    def defines(self) -> set[str]:
        return {n for k, n in self.events if k == "def"}

    @property
    def reads(self) -> set[str]:
        return {n for k, n in self.events if k == "read"}


class _ModuleFlow(_Visitor):
    """Walks module-level code in execution order, emitting read/def/del events."""

    def __init__(self, flow: CellFlow):
        self.flow = flow

    def read(self, name):
        self.flow.events.append(("read", name))

    def define(self, name):
        self.flow.events.append(("def", name))

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

    def visit_AugAssign(self, node):
        self.visit(node.value)
        if isinstance(node.target, ast.Name):
            self.read(node.target.id)
            self.define(node.target.id)
        else:
            self.visit(node.target)

    def visit_AnnAssign(self, node):
        if node.value is not None:
            self.visit(node.value)
            self.visit(node.target)
        elif not isinstance(node.target, ast.Name):
            self.visit(node.target)

    def visit_NamedExpr(self, node):
        self.visit(node.value)
        self.define(node.target.id)

    def visit_For(self, node):
        self.visit(node.iter)
        self.visit(node.target)
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
            self.define(alias.asname or alias.name.split(".")[0])

    def visit_ImportFrom(self, node):
        for alias in node.names:
            if alias.name == "*":
                self.flow.star_import = True
            else:
                self.define(alias.asname or alias.name)

    def _function(self, node):
        for d in getattr(node, "decorator_list", []):
            self.visit(d)
        for e in _arg_outer_exprs(node.args, with_annotations=not isinstance(node, ast.Lambda)):
            self.visit(e)
        if getattr(node, "returns", None) is not None:
            self.visit(node.returns)
        free, gdefs = function_free(node)
        self.flow.late_reads |= free
        for n in sorted(gdefs):
            self.define(n)

    def visit_FunctionDef(self, node):
        self._function(node)
        self.define(node.name)

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


def analyze_cell(source: str) -> CellFlow:
    flow = CellFlow()
    code = strip_magics(source)
    try:
        tree = ast.parse(code)
    except SyntaxError as exc:
        flow.syntax_error = (exc.msg or "invalid syntax", exc.lineno or 0)
        return flow
    except (ValueError, RecursionError, MemoryError) as exc:  # e.g. null bytes, absurd nesting
        flow.syntax_error = (str(exc), 0)
        return flow
    visitor = _ModuleFlow(flow)
    for stmt in tree.body:
        visitor.visit(stmt)
    return flow


@dataclass
class StepFlow:
    external_reads: list[str]     # read before the step bound them, in first-read order
    late_reads: set[str]          # free names of functions defined here that the step never binds
    defines: set[str]             # names bound when the step ends
    first_read_cell: dict         # name -> cell index of the first external read


def step_flow(cells: list[tuple[int, CellFlow]]) -> StepFlow:
    bound: set[str] = set()
    ever: set[str] = set()
    ext: list[str] = []
    where: dict[str, int] = {}
    late: set[str] = set()
    for index, flow in cells:
        for kind, name in flow.events:
            if kind == "read":
                if name not in bound and name not in where:
                    ext.append(name)
                    where[name] = index
            elif kind == "def":
                bound.add(name)
                ever.add(name)
            else:
                bound.discard(name)
        late |= flow.late_reads
        for name in flow.late_reads:
            where.setdefault(name, index)
    late_ext = {n for n in late if n not in ever and n not in ext}
    return StepFlow(external_reads=ext, late_reads=late_ext, defines=bound, first_read_cell=where)


def metric_names(source: str) -> list[str]:
    """Names a Kale ``pipeline-metrics`` cell prints (``print(accuracy)``) or shows bare."""
    flow = analyze_cell(source)
    names = []
    for kind, name in flow.events:
        if kind == "read" and name not in BUILTINS and name not in names:
            names.append(name)
    return names
