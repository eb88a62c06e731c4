"""Parameter values for a run: parsed from ``-p name=value`` and ``-f params.yaml``, checked
against the pipeline's declared parameters, converted to the declared types.

Values reach the kernel through papermill's injected cell, which writes ``name = repr-ish(value)``.
So only declared names (identifiers by construction) and plain values (None, bool, int, float,
str, and lists / dicts of them with string keys) are ever passed: nothing can become code.
Tuples travel as lists and the step's plumbing cell turns them back into tuples.
"""
from __future__ import annotations

import ast
import json

from notebook_ops.errors import ParameterError
from notebook_ops.model.pipeline import Pipeline

_TRUE = {"true", "1", "yes", "y", "on"}
_FALSE = {"false", "0", "no", "n", "off"}


def parse_pairs(pairs) -> dict[str, str]:
    """``["a=1", "b=x y"]`` -> ``{"a": "1", "b": "x y"}`` (values stay strings)."""
    out: dict[str, str] = {}
    for pair in pairs or ():
        if "=" not in pair:
            raise ParameterError(f"-p {pair!r}: expected NAME=VALUE")
        name, value = pair.split("=", 1)
        out[name.strip()] = value
    return out


def read_params_file(path) -> dict:
    """A YAML (or JSON) mapping of parameter values."""
    import yaml

    try:
        with open(path, encoding="utf-8") as f:
            data = yaml.safe_load(f)
    except OSError as exc:
        raise ParameterError(f"cannot read parameters file: {exc.strerror}", path=path) from None
    except yaml.YAMLError as exc:
        raise ParameterError(f"not valid YAML: {exc}", path=path) from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ParameterError("the parameters file must hold a mapping of name: value", path=path)
    return data


def _check_plain(name: str, value, depth: int = 0):
    if depth > 20:
        raise ParameterError(f"parameter {name!r}: value nested too deeply")
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return value
    if isinstance(value, (list, tuple)):
        return [_check_plain(name, v, depth + 1) for v in value]
    if isinstance(value, dict):
        if not all(isinstance(k, str) for k in value):
            raise ParameterError(f"parameter {name!r}: dict keys must be strings")
        return {k: _check_plain(name, v, depth + 1) for k, v in value.items()}
    raise ParameterError(f"parameter {name!r}: {type(value).__name__} values are not supported",
                         hint="use numbers, strings, booleans, None, lists and dicts")


def _from_string(name: str, declared: str, text: str):
    bad = ParameterError(f"parameter {name!r}: {text!r} is not a valid {declared}")
    t = text.strip()
    if declared == "str":
        return text
    if declared == "int":
        try:
            return int(t)
        except ValueError:
            raise bad from None
    if declared == "float":
        try:
            v = float(t)
        except ValueError:
            raise bad from None
        return v
    if declared == "bool":
        if t.lower() in _TRUE:
            return True
        if t.lower() in _FALSE:
            return False
        raise bad
    if declared in ("list", "tuple", "dict"):
        try:
            v = json.loads(t)
        except ValueError:
            try:
                v = ast.literal_eval(t)   # literals only: never code
            except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
                raise bad from None
        return _convert(name, declared, v)
    # NoneType default (type unknown): a literal if it reads as one, else the string
    try:
        return ast.literal_eval(t)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return text


def _convert(name: str, declared: str, value):
    bad = ParameterError(f"parameter {name!r} must be {declared}, "
                         f"got {type(value).__name__} {value!r:.60}")
    if isinstance(value, str) and declared != "str":
        return _from_string(name, declared, value)
    if declared == "int":
        if isinstance(value, bool) or not isinstance(value, int):
            if isinstance(value, float) and value.is_integer():
                return int(value)
            raise bad
        return value
    if declared == "float":
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise bad
        return float(value)
    if declared == "bool":
        if not isinstance(value, bool):
            raise bad
        return value
    if declared == "str":
        if not isinstance(value, str):
            raise bad
        return value
    if declared in ("list", "tuple"):
        if not isinstance(value, (list, tuple)):
            raise bad
        return list(value)
    if declared == "dict":
        if not isinstance(value, dict):
            raise bad
        return value
    return value


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
            values[name] = _convert(name, declared[name].type, value)
    for name, value in values.items():
        values[name] = _check_plain(name, value)
    return values
