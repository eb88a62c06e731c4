"""Parameters from the parameters cell: name, type, default and help, the papermill way.

Every statement must be ``name = <literal>`` or ``name: type = <literal>``; the comment after the
value is the help text. Anything else is a problem, never evaluated.
"""
from __future__ import annotations

import ast

from notebook_ops.model.pipeline import Parameter, Problem

TYPES = {"int": int, "float": float, "str": str, "bool": bool, "list": list, "dict": dict,
         "tuple": tuple}


def _type_name(value) -> str:
    return type(value).__name__


def _help_after(lines: list[str], node: ast.stmt) -> str:
    line = lines[node.end_lineno - 1] if node.end_lineno and node.end_lineno <= len(lines) else ""
    rest = line[node.end_col_offset:].strip()
    return rest[1:].strip() if rest.startswith("#") else ""


def parse_parameters(source: str, cell: int) -> tuple[list[Parameter], list[Problem]]:
    params: list[Parameter] = []
    problems: list[Problem] = []
    try:
        tree = ast.parse(source)
    except SyntaxError as exc:
        problems.append(Problem("error", "syntax-error", f"syntax error in the parameters cell: {exc.msg} "
                                f"(line {exc.lineno})", cell=cell))
        return params, problems
    lines = source.splitlines()
    seen: set[str] = set()
    for node in tree.body:
        annotation = None
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            target, value = node.targets[0], node.value
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.value is not None:
            target, value, annotation = node.target, node.value, node.annotation
        else:
            what = ast.get_source_segment(source, node) or type(node).__name__
            problems.append(Problem("error", "non-literal-parameter",
                                    f"the parameters cell may only assign literals; line {node.lineno} "
                                    f"is `{what.splitlines()[0][:60]}`", cell=cell,
                                    hint="move other code to a setup cell or a step"))
            continue
        name = target.id
        literal = ast.get_source_segment(source, value) or ""
        try:
            default = ast.literal_eval(value)
        except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
            problems.append(Problem("error", "non-literal-parameter",
                                    f"parameter '{name}' = `{literal[:60]}` is not a literal",
                                    cell=cell, hint="use a number, string, bool, None, list or dict; "
                                    "compute derived values in a step"))
            continue
        if name.startswith("_nbo_"):
            problems.append(Problem("error", "bad-parameter-name",
                                    f"parameter name '{name}' is reserved for notebook-ops", cell=cell))
            continue
        typ = _type_name(default)
        if annotation is not None:
            ann = ast.get_source_segment(source, annotation) or ""
            if ann in TYPES:
                if ann == "float" and typ == "int":
                    default = float(default)
                elif not (typ == ann or (ann == "float" and typ == "float")):
                    problems.append(Problem("error", "parameter-type-mismatch",
                                            f"parameter '{name}' is annotated {ann} but its default is {typ}",
                                            cell=cell))
                    continue
                typ = ann
        if name in seen:
            problems.append(Problem("warning", "duplicate-parameter",
                                    f"parameter '{name}' is assigned twice; the last value wins", cell=cell))
            params = [p for p in params if p.name != name]
        seen.add(name)
        params.append(Parameter(name=name, type=typ, default=default, help=_help_after(lines, node),
                                cell=cell, source=literal))
    return params, problems


def convert_value(param: Parameter, text: str):
    """Convert a command-line string to ``param``'s declared type; raises ValueError with a reason."""
    typ = param.type
    if typ == "str":
        return text
    if typ == "bool":
        low = text.strip().lower()
        if low in ("true", "1", "yes", "on"):
            return True
        if low in ("false", "0", "no", "off"):
            return False
        raise ValueError(f"expected true or false, got {text!r}")
    if typ == "int":
        try:
            return int(text)
        except ValueError:
            raise ValueError(f"expected a whole number, got {text!r}") from None
    if typ == "float":
        try:
            return float(text)
        except ValueError:
            raise ValueError(f"expected a number, got {text!r}") from None
    try:
        value = ast.literal_eval(text)
    except (ValueError, SyntaxError):
        if typ == "NoneType":
            return text
        raise ValueError(f"expected a {typ} literal, got {text!r}") from None
    if typ != "NoneType" and _type_name(value) != typ:
        raise ValueError(f"expected a {typ}, got {_type_name(value)}")
    return value
