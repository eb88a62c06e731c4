"""What changes an object in place, as far as the code shows it (``ast``).

The data flow between steps is by name; an object a step changes without rebinding its name
(``model.fit(X, y)``, ``df["b"] = ...``, ``history.append(acc)``) is a new version of that name,
which the step must hand on. This module holds the vocabulary (methods and functions known to
change their receiver or argument) and the helpers the cell analysis uses to find the changed
object: the root name of a target such as ``df.loc[mask, "a"]``, and which parameters a function
defined in the notebook changes.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field

# Methods that change their receiver: builtins (list, dict, set, deque), numpy arrays, pandas
# (besides ``inplace=True``), scikit-learn style estimators, Keras and PyTorch models.
MUTATING_METHODS = frozenset(
    {
        # list, dict, set, collections.deque
        "append",
        "extend",
        "insert",
        "remove",
        "pop",
        "clear",
        "sort",
        "reverse",
        "update",
        "setdefault",
        "popitem",
        "add",
        "discard",
        "difference_update",
        "intersection_update",
        "symmetric_difference_update",
        "appendleft",
        "extendleft",
        "popleft",
        "rotate",
        # numpy arrays
        "fill",
        "resize",
        "itemset",
        "partition",
        "setflags",
        # scikit-learn (and xgboost, lightgbm, imbalanced-learn: the same protocol)
        "fit",
        "partial_fit",
        "set_params",
        "fit_transform",
        "fit_predict",
        "fit_resample",
        # Keras
        "compile",
        "train_on_batch",
        "load_weights",
        "set_weights",
        "fit_generator",
        # PyTorch modules and optimisers (tensors' in-place ops end in "_", see below)
        "train",
        "eval",
        "load_state_dict",
        "zero_grad",
        "apply",
        "add_module",
        "register_buffer",
        # gensim and similar trainers
        "build_vocab",
    }
)

# Calls that change their first argument: ``random.shuffle(x)``, ``np.random.shuffle(x)``,
# ``heapq.heappush(h, v)``, ``np.fill_diagonal(a, v)``, ``setattr(obj, name, v)``.
ARGUMENT_MUTATING_METHODS = frozenset(
    {
        "shuffle",
        "heappush",
        "heappop",
        "heapify",
        "heapreplace",
        "heappushpop",
        "fill_diagonal",
        "copyto",
        "put",
        "place",
        "putmask",
    }
)
ARGUMENT_MUTATING_BUILTINS = frozenset({"setattr", "delattr"})


def is_mutating_method(name: str) -> bool:
    """``x.append(...)``, ``model.fit(...)``; PyTorch's in-place convention ``t.add_(1)``."""
    return name in MUTATING_METHODS or (name.endswith("_") and not name.startswith("_") and len(name) > 1)


def has_inplace_true(call: ast.Call) -> bool:
    """pandas' ``inplace=True``."""
    return any(
        k.arg == "inplace" and isinstance(k.value, ast.Constant) and k.value.value is True
        for k in call.keywords
    )


def root_name(node: ast.AST) -> tuple[str | None, int]:
    """(the variable at the bottom of ``a.b[c].d``, how many attribute/subscript levels above it).

    ``None`` when the chain starts at something other than a name (a call, a literal), whose
    object no later code can name.
    """
    depth = 0
    while isinstance(node, (ast.Attribute, ast.Subscript, ast.Starred)):
        if not isinstance(node, ast.Starred):
            depth += 1
        node = node.value
    return (node.id, depth) if isinstance(node, ast.Name) else (None, depth)


@dataclass
class FunctionMutations:
    """Which parameters (by position and name) and free names a notebook function changes."""

    positions: set[int] = field(default_factory=set)
    names: set[str] = field(default_factory=set)
    free: set[str] = field(default_factory=set)

    def __bool__(self) -> bool:
        return bool(self.positions or self.free)


def function_mutations(node: ast.FunctionDef | ast.AsyncFunctionDef) -> FunctionMutations:
    """What calling the function changes: parameters changed in its body (not in nested
    functions) and free module-level names changed there (``history.append(x)``)."""
    args = node.args
    positional = [a.arg for a in args.posonlyargs + args.args]
    params = set(positional) | {a.arg for a in args.kwonlyargs}
    local: set[str] = set()
    changed: set[str] = set()

    def target(t: ast.AST) -> None:
        if isinstance(t, (ast.Tuple, ast.List)):
            for e in t.elts:
                target(e)
        elif isinstance(t, (ast.Attribute, ast.Subscript)):
            name, _ = root_name(t)
            if name:
                changed.add(name)
        elif isinstance(t, ast.Starred):
            target(t.value)
        elif isinstance(t, ast.Name):
            local.add(t.id)

    todo: list[ast.AST] = list(node.body)
    globals_: set[str] = set()
    while todo:
        n = todo.pop()
        if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
            if not isinstance(n, ast.Lambda):
                local.add(n.name)
            continue
        if isinstance(n, ast.Global):
            globals_.update(n.names)
        elif isinstance(n, ast.Assign):
            for t in n.targets:
                target(t)
        elif isinstance(n, (ast.AugAssign, ast.AnnAssign)):
            if isinstance(n.target, ast.Name):
                local.add(n.target.id)
            else:
                target(n.target)
        elif isinstance(n, ast.Delete):
            for t in n.targets:
                if not isinstance(t, ast.Name):
                    target(t)
        elif isinstance(n, (ast.For, ast.AsyncFor, ast.comprehension)):
            target(n.target)
        elif isinstance(n, ast.Call):
            func = n.func
            if isinstance(func, ast.Attribute):
                if is_mutating_method(func.attr) or has_inplace_true(n):
                    name, _ = root_name(func.value)
                    if name:
                        changed.add(name)
                elif func.attr in ARGUMENT_MUTATING_METHODS and n.args:
                    name, _ = root_name(n.args[0])
                    if name:
                        changed.add(name)
            elif isinstance(func, ast.Name) and func.id in ARGUMENT_MUTATING_BUILTINS and n.args:
                name, _ = root_name(n.args[0])
                if name:
                    changed.add(name)
        todo.extend(ast.iter_child_nodes(n))
    result = FunctionMutations()
    changed_params = {p for p in params if p in changed and p not in local}  # `df = df.copy()`
    result.positions = {i for i, p in enumerate(positional) if p in changed_params}
    result.names = changed_params
    result.free = {n for n in changed if n not in params and (n not in local or n in globals_)}
    return result
