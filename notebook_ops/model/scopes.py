"""Nested scopes of a cell, by Python's rules: the free names of functions, lambdas, class bodies
and comprehensions, and the globals they bind (``global`` in a function, a walrus in a
comprehension). The cell's own flow (``analysis``) asks these when it meets a nested scope.
"""

from __future__ import annotations

import ast


def visit_outside(visitor, node) -> tuple[set[str], set[str]]:
    """Visit what a function or lambda evaluates where it is defined (decorators, defaults,
    annotations); -> its free names and the globals it defines (``function_free``)."""
    for d in getattr(node, "decorator_list", []):
        visitor.visit(d)
    for e in arg_outer_exprs(node.args, with_annotations=not isinstance(node, ast.Lambda)):
        visitor.visit(e)
    if getattr(node, "returns", None) is not None:
        visitor.visit(node.returns)
    return function_free(node)


def arg_names(args: ast.arguments) -> set[str]:
    names = {a.arg for a in args.posonlyargs + args.args + args.kwonlyargs}
    if args.vararg:
        names.add(args.vararg.arg)
    if args.kwarg:
        names.add(args.kwarg.arg)
    return names


def arg_outer_exprs(args: ast.arguments, with_annotations: bool = True) -> list[ast.AST]:
    """Defaults (and annotations) are evaluated in the enclosing scope when the def runs."""
    exprs: list[ast.AST] = [*args.defaults, *(d for d in args.kw_defaults if d is not None)]
    if with_annotations:
        for a in args.posonlyargs + args.args + args.kwonlyargs + [args.vararg, args.kwarg]:
            if a is not None and a.annotation is not None:
                exprs.append(a.annotation)
    return exprs


COMPREHENSIONS = (ast.ListComp, ast.SetComp, ast.GeneratorExp, ast.DictComp)


class CachedVisitor(ast.NodeVisitor):
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


class _Scope(CachedVisitor):
    """Collects bindings and loads of one nested scope, without descending into inner scopes."""

    def __init__(self):
        self.bound: set[str] = set()
        self.loaded: set[str] = set()
        self.globals: set[str] = set()
        self.nonlocals: set[str] = set()
        self.walrus: set[str] = set()
        self.child_now: set[str] = set()  # free names of inner scopes that run now (comprehensions)
        self.child_late: set[str] = set()  # free names of inner functions/lambdas
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
        free, gdefs = visit_outside(self, node)
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
    local = (s.bound | arg_names(node.args)) - s.globals - s.nonlocals
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
