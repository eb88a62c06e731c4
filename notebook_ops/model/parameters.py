"""Parameters: read from the parameters cell (name, type, default, help, the papermill way), and
values for a run (``-p name=value``, ``-f params.yaml``, REST bodies, forms, schedules) checked
against them and converted to the declared types.

Every statement of the cell must be ``name = <literal>`` or ``name: type = <literal>``; the comment
after the value is the help text. Anything else is a problem, never evaluated.

Values reach the kernel through papermill's injected cell, which writes ``name = repr-ish(value)``.
So only declared names (identifiers by construction) and plain values (None, bool, int, float,
str, and lists / dicts of them with string keys) are ever passed: nothing can become code.
Tuples travel as lists and the step's plumbing cell turns them back into tuples.

Values are bounded: finite numbers only (NaN and infinities are not JSON, and run records,
events and REST replies are strict JSON), at most ``MAX_DEPTH`` levels of nesting and
``MAX_SIZE`` characters and items in all (a YAML alias bomb expands lazily into billions of
items: it is refused after ``MAX_SIZE``, not expanded).
"""

from __future__ import annotations

import ast
import json
import math
import re

from notebook_ops.errors import ParameterError
from notebook_ops.model.pipeline import Parameter, Pipeline, Problem

MAX_DEPTH = 20
MAX_SIZE = 1_000_000  # characters of strings plus items of containers, per parameter value
MAX_INT_BITS = 13_300  # about 4,000 digits: Python prints (and JSON reads) at most 4,300

TYPES = {"int": int, "float": float, "str": str, "bool": bool, "list": list, "dict": dict, "tuple": tuple}


def _type_name(value) -> str:
    return type(value).__name__


def _help_after(lines: list[str], node: ast.stmt) -> str:
    line = lines[node.end_lineno - 1] if node.end_lineno and node.end_lineno <= len(lines) else ""
    rest = line.encode()[node.end_col_offset :].decode().strip()  # ast's offsets count UTF-8 bytes
    return rest[1:].strip() if rest.startswith("#") else ""


def _secret_comment(comment: str) -> tuple[bool, str]:
    """``secret`` or ``secret: the help`` (``-`` works too) -> (True, help); else (False, comment)."""
    word, rest = comment[:6], comment[6:]
    if word.lower() == "secret" and (not rest or rest[0] in " :-\t"):
        return True, rest.lstrip(" :-\t")
    return False, comment


def parse_parameters(source: str, cell: int) -> tuple[list[Parameter], list[Problem]]:
    params: list[Parameter] = []
    problems: list[Problem] = []
    try:
        tree = ast.parse(source)
    except SyntaxError as exc:
        problems.append(
            Problem(
                "error",
                "syntax-error",
                f"syntax error in the parameters cell: {exc.msg}"
                + (f" (line {exc.lineno})" if exc.lineno else ""),
                cell=cell,
                hint="fix the code so the cell parses",
            )
        )
        return params, problems
    lines = re.split(r"\r\n|\r|\n", source)  # Python's line ends only, as ast numbers lines
    seen: set[str] = set()
    for node in tree.body:
        annotation = None
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            target, value = node.targets[0], node.value
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.value is not None:
            target, value, annotation = node.target, node.value, node.annotation
        else:
            what = ast.get_source_segment(source, node) or type(node).__name__
            problems.append(
                Problem(
                    "error",
                    "non-literal-parameter",
                    f"the parameters cell may only assign literals; line {node.lineno} "
                    f"is `{what.splitlines()[0][:60]}`",
                    cell=cell,
                    hint="move other code to a setup cell or a step",
                )
            )
            continue
        name = target.id
        literal = ast.get_source_segment(source, value) or ""
        try:
            default = ast.literal_eval(value)
        except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
            problems.append(
                Problem(
                    "error",
                    "non-literal-parameter",
                    f"parameter '{name}' = `{literal[:60]}` is not a literal",
                    cell=cell,
                    hint="use a number, string, bool, None, list or dict; compute derived values in a step",
                )
            )
            continue
        if name.startswith("_nbo_"):
            problems.append(
                Problem(
                    "error",
                    "bad-parameter-name",
                    f"parameter name '{name}' is reserved for notebook-ops",
                    cell=cell,
                )
            )
            continue
        typ = _type_name(default)
        if annotation is not None:
            ann = ast.get_source_segment(source, annotation) or ""
            if ann in TYPES:
                if ann == "float" and typ == "int":
                    default = float(default)
                elif not (typ == ann or (ann == "float" and typ == "float")):
                    problems.append(
                        Problem(
                            "error",
                            "parameter-type-mismatch",
                            f"parameter '{name}' is annotated {ann} but its default is {typ}",
                            cell=cell,
                        )
                    )
                    continue
                typ = ann
        if name in seen:
            problems.append(
                Problem(
                    "warning",
                    "duplicate-parameter",
                    f"parameter '{name}' is assigned twice; the last value wins",
                    cell=cell,
                )
            )
            params = [p for p in params if p.name != name]
        seen.add(name)
        secret, help_ = _secret_comment(_help_after(lines, node))
        params.append(
            Parameter(
                name=name,
                type=typ,
                default=default,
                help=help_,
                cell=cell,
                source=literal,
                secret=secret,
            )
        )
    return params, problems


BOOLS = {
    **dict.fromkeys(("true", "1", "yes", "y", "on"), True),
    **dict.fromkeys(("false", "0", "no", "n", "off"), False),
}


def parse_pairs(pairs, option: str = "-p") -> dict[str, str]:
    """``["a=1", "b=x y"]`` -> ``{"a": "1", "b": "x y"}`` (values stay strings, may hold ``=``).

    The one NAME=VALUE parser: ``run -p``, ``run-step -p``, ``schedule add -p``, ``listen -p``."""
    out: dict[str, str] = {}
    for pair in pairs or ():
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            raise ParameterError(f"{option} {pair!r}: expected NAME=VALUE")
        out[name.strip()] = value
    return out


# what PyYAML's constructors raise for a value its tag or form cannot hold (``!!float abc``,
# ``2001-13-14``, ``!!bool maybe``, an int of more than 4,300 digits)
YAML_VALUE_ERRORS = (ValueError, KeyError, TypeError, AttributeError, ArithmeticError)


def read_params_file(path) -> dict:
    """A YAML (or JSON) mapping of parameter values."""
    import yaml  # noqa: PLC0415 - yaml costs 26 ms CPU to import, loaded on first use

    try:
        with open(path, encoding="utf-8") as f:
            data = yaml.safe_load(f)
    except OSError as exc:
        raise ParameterError(f"cannot read parameters file: {exc.strerror}", path=path) from None
    except yaml.YAMLError as exc:
        raise ParameterError(f"not valid YAML: {_one_line(exc)}", path=path) from None
    except YAML_VALUE_ERRORS as exc:
        raise ParameterError(
            f"cannot read a value: {exc}", path=path, hint="quote values meant as text"
        ) from None
    except RecursionError:
        raise ParameterError("nested too deeply to read", path=path) from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ParameterError("the parameters file must hold a mapping of name: value", path=path)
    return data


def _one_line(exc) -> str:
    """A YAML error as one line: what is wrong, and where."""
    problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    mark = getattr(exc, "problem_mark", None)
    return f"{problem} (line {mark.line + 1}, column {mark.column + 1})" if mark else problem


def check_plain(name: str, value, depth: int = 0, budget: list[int] | None = None):
    """``value`` as plain data (tuples as lists), or a ParameterError naming ``name``: an
    unsupported type, a non-finite number, too deep or too big (``budget``: what is left)."""
    budget = [MAX_SIZE] if budget is None else budget
    if depth > MAX_DEPTH:
        raise ParameterError(f"parameter {name!r}: value nested more than {MAX_DEPTH} levels deep")
    budget[0] -= len(value) + 1 if isinstance(value, (str, list, tuple, dict)) else 1
    if budget[0] < 0:
        raise ParameterError(
            f"parameter {name!r}: value larger than {MAX_SIZE:,} characters and items",
            hint="pass large data as a file or a data store URL",
        )
    if isinstance(value, int) and not isinstance(value, bool) and abs(value).bit_length() > MAX_INT_BITS:
        raise ParameterError(
            f"parameter {name!r}: a whole number of more than 4,000 digits",
            hint="pass it as a string (JSON readers refuse longer numbers)",
        )
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ParameterError(
                f"parameter {name!r}: {value!r} is not a finite number",
                hint="NaN and infinities cannot be recorded; pass a finite number (or a string)",
            )
        return value
    if isinstance(value, (list, tuple)):
        return [check_plain(name, v, depth + 1, budget) for v in value]
    if isinstance(value, dict):
        if not all(isinstance(k, str) for k in value):
            raise ParameterError(f"parameter {name!r}: dict keys must be strings")
        return {k: check_plain(name, v, depth + 1, budget) for k, v in value.items()}
    raise ParameterError(
        f"parameter {name!r}: {type(value).__name__} values are not supported",
        hint="use numbers, strings, booleans, None, lists and dicts",
    )


def _literal(text: str):
    """A JSON or Python literal (never code); ValueError if ``text`` is neither."""
    try:
        return json.loads(text)
    except RecursionError:
        raise ValueError("nested too deeply") from None
    except ValueError:
        try:
            return ast.literal_eval(text)
        except (SyntaxError, TypeError, MemoryError, RecursionError) as exc:
            raise ValueError(str(exc)) from None


def _from_string(name: str, declared: str, text: str):
    if len(text) > MAX_SIZE:
        raise ParameterError(
            f"parameter {name!r}: value longer than {MAX_SIZE:,} characters",
            hint="pass large data as a file or a data store URL",
        )
    t = text.strip()
    try:
        if declared == "int":
            return int(t)
        if declared == "float":
            return float(t)
        if declared == "bool":
            return BOOLS[t.lower()]
        if declared in ("list", "tuple", "dict"):
            return convert(name, declared, _literal(t))
    except (ValueError, KeyError):
        shown = repr(text) if len(text) <= 80 else repr(text[:60]) + f"... ({len(text):,} characters)"
        raise ParameterError(f"parameter {name!r}: {shown} is not a valid {declared}") from None
    try:  # NoneType default (type unknown): a literal if it reads as one, else the string
        return ast.literal_eval(t)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return text


_ACCEPTS: dict[str, type | tuple[type, ...]] = {
    "int": int,
    "float": (int, float),
    "bool": bool,
    "str": str,
    "list": (list, tuple),
    "tuple": (list, tuple),
    "dict": dict,
}
_AS = {"float": float, "list": list, "tuple": list}


def convert(name: str, declared: str, value):
    """``value`` as parameter ``name`` of type ``declared`` (a type name from ``TYPES`` or
    ``NoneType``); strings are parsed (``y``/``n``, JSON or Python literals for containers).
    The one converter: command line, REST bodies, widgets, schedules and messages."""
    if isinstance(value, str) and declared != "str":
        return _from_string(name, declared, value)
    if declared == "int" and isinstance(value, float) and value.is_integer():
        return int(value)
    accepts = _ACCEPTS.get(declared)
    if accepts is None:
        return value
    if not isinstance(value, accepts) or (isinstance(value, bool) and declared != "bool"):
        raise ParameterError(
            f"parameter {name!r} must be {declared}, got {type(value).__name__} {_shown(value)}"
        )
    try:
        return _AS[declared](value) if declared in _AS else value
    except OverflowError:  # an int past float's range
        raise ParameterError(f"parameter {name!r}: {_shown(value)} is too large for a float") from None


def _shown(value) -> str:
    """``value`` for a message, at most 60 characters (an int too long to print, named so)."""
    try:
        return f"{value!r:.60}"
    except ValueError:
        return "a whole number of more than 4,000 digits"


def resolve_params(pipeline: Pipeline, *sources: dict) -> dict:
    """All the pipeline's parameters: defaults, overridden by each source in turn.

    Unknown names are an error listing the known ones. Values are converted to the declared
    type (strings from the command line are parsed) and checked to be plain data.
    """
    declared = {p.name: p for p in pipeline.parameters}
    values = {name: p.default for name, p in declared.items()}
    for source in sources:
        for name, value in (source or {}).items():
            if name not in declared:
                known = ", ".join(sorted(declared)) or "(none: the notebook has no parameters cell)"
                raise ParameterError(f"unknown parameter {name!r}", hint=f"known: {known}")
            values[name] = convert(name, declared[name].type, value)
    for name, value in values.items():
        values[name] = check_plain(name, value)
    return values
