"""The one way a contract turns into JSON and back: plain dataclasses, converted by their hints.

Stdlib only (no pydantic at run time: ``notebook-ops --help`` stays fast and the kernels import
nothing new). ``from_dict`` reads what we wrote ourselves (lenient: unknown keys are dropped,
missing ones take their defaults); ``parse`` reads what a client sent (strict: a missing field,
a wrong type or a value outside a ``Literal`` is one ``ContractError`` line naming the field;
null means the default). JSON Schemas are generated from the same classes
(``notebook_ops.model.contracts.generate``).
"""

from __future__ import annotations

import dataclasses
import types
from collections.abc import Mapping
from datetime import datetime
from typing import Any, ClassVar, Literal, TypeVar, Union, get_args, get_origin, get_type_hints

from notebook_ops.errors import ParameterError

T = TypeVar("T", bound="Contract")


class ContractError(ParameterError):
    """A body or document that does not match its contract (bad input: 400 / exit 2)."""


_HINTS: dict[type, dict[str, Any]] = {}
_SCALARS = (str, int, float, bool, type(None))


def _hints(cls: type) -> dict[str, Any]:
    """The resolved type hints of a contract class (cached: read once per class)."""
    if cls not in _HINTS:
        _HINTS[cls] = get_type_hints(cls)
    return _HINTS[cls]


_SPECS: dict[type, tuple[tuple[str, Any, bool], ...]] = {}


def _spec(cls: type) -> tuple[tuple[str, Any, bool], ...]:
    """(name, type hint, has a default) per field of a contract class, read once per class."""
    if cls not in _SPECS:
        hints = _hints(cls)
        _SPECS[cls] = tuple(
            (
                f.name,
                hints[f.name],
                not (f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING),
            )
            for f in dataclasses.fields(cls)
            if f.init
        )
    return _SPECS[cls]


def _union_args(tp) -> tuple | None:
    if get_origin(tp) in (Union, types.UnionType):
        return get_args(tp)
    return None


_TIMES: dict[Any, bool] = {}


def _is_time(tp) -> bool:
    """``tp`` is ``datetime`` or ``datetime | None`` (read once per hint)."""
    if tp not in _TIMES:
        _TIMES[tp] = tp is datetime or datetime in (_union_args(tp) or ())
    return _TIMES[tp]


def iso_utc(value: datetime) -> str:
    """A time as the contracts write it: ISO 8601 to the second, UTC as ``Z``."""
    return value.isoformat(timespec="seconds").replace("+00:00", "Z")


def _read_time(value, strict: bool, where: str):
    if isinstance(value, str):
        try:
            return datetime.fromisoformat(value)
        except ValueError:
            if strict:
                raise ContractError(f"'{where}' must be an ISO 8601 time, got {value!r}") from None
    elif strict and not isinstance(value, datetime):
        raise ContractError(f"'{where}' must be an ISO 8601 time, got {value!r}")
    return value


def _read(tp, value, strict: bool, where: str):
    """``value`` (JSON) as ``tp``; nested contracts become instances, ISO times datetimes."""
    if tp is Any:
        return value
    if isinstance(value, str) and _is_time(tp):
        return _read_time(value, strict, where)
    if not strict and isinstance(value, _SCALARS):  # lenient: as written
        return value
    args = _union_args(tp)
    if args is not None:
        if value is None:
            if type(None) in args:
                return None
            raise ContractError(f"'{where}' must not be null")
        real = [a for a in args if a is not type(None)]
        if len(real) == 1:
            return _read(real[0], value, strict, where)
        for a in real:  # the first that fits
            try:
                return _read(a, value, True, where)
            except ContractError:
                continue
        raise ContractError(f"'{where}' has the wrong type")
    origin = get_origin(tp)
    if origin is Literal:
        if strict and value not in get_args(tp):
            raise ContractError(
                f"'{where}' must be one of {', '.join(map(str, get_args(tp)))}, got {value!r}"
            )
        return value
    if isinstance(tp, type) and issubclass(tp, Contract):
        if not isinstance(value, Mapping):
            if strict:
                raise ContractError(f"'{where}' must be an object")
            return value
        return tp._build(value, strict, where)
    if origin in (dict, Mapping) or tp is dict:
        if not isinstance(value, Mapping):
            if strict:
                raise ContractError(f"'{where}' must be an object {{name: value}}")
            return value
        vt = get_args(tp)[1] if get_args(tp) else Any
        return {k: _read(vt, v, strict, f"{where}.{k}") for k, v in value.items()}
    if origin in (list, tuple) or tp in (list, tuple):
        if not isinstance(value, (list, tuple)):
            if strict:
                raise ContractError(f"'{where}' must be a list")
            return value
        vt = get_args(tp)[0] if get_args(tp) else Any
        return [_read(vt, v, strict, f"{where}[{i}]") for i, v in enumerate(value)]
    if tp is datetime:
        return _read_time(value, strict, where)
    if strict and tp in (int, float, str, bool):
        ok = (
            isinstance(value, tp)
            and not (tp is int and isinstance(value, bool))
            or tp is float
            and isinstance(value, int)
            and not isinstance(value, bool)
        )
        if not ok:
            names = {int: "an integer", float: "a number", str: "a string", bool: "true or false"}
            raise ContractError(f"'{where}' must be {names[tp]}, got {value!r}")
    return value


def _plain(value):
    if isinstance(value, _SCALARS):  # most values: checked first, cheaply
        return value
    if isinstance(value, Contract):
        return value.to_dict()
    if isinstance(value, datetime):
        return iso_utc(value)
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


_NAMES: dict[type, tuple[str, ...]] = {}


def _names(cls: type) -> tuple[str, ...]:
    if cls not in _NAMES:
        _NAMES[cls] = tuple(f.name for f in dataclasses.fields(cls))
    return _NAMES[cls]


class Contract:
    """Mixin for the dataclasses that are wire formats (run.json, REST bodies, views)."""

    @classmethod
    def _build(cls: type[T], data: Mapping, strict: bool, where: str = "") -> T:
        kwargs = {}
        for name, hint, has_default in _spec(cls):
            if strict and data.get(name, 0) is None and has_default:
                continue  # a client's null: the default
            if name in data:
                path = f"{where}.{name}".lstrip(".") if strict else ""  # for errors only
                kwargs[name] = _read(hint, data[name], strict, path)
            elif not has_default:
                if strict:
                    raise ContractError(f"'{where}.{name}'".replace("'.", "'") + " is required")
                kwargs[name] = None  # lenient: a damaged record still reads
        obj = cls(**kwargs)
        if strict:
            obj.check()
        return obj

    @classmethod
    def from_dict(cls: type[T], data: Mapping) -> T:
        """From JSON we wrote (lenient)."""
        return cls._build(data, strict=False)

    @classmethod
    def parse(cls: type[T], data) -> T:
        """From JSON a client sent (strict): ``ContractError`` naming the field on any mismatch."""
        if not isinstance(data, Mapping):
            raise ContractError(f"the body must be a JSON object ({cls.__name__})")
        return cls._build(data, strict=True)

    def check(self) -> None:
        """Rules beyond the types (ranges, combinations); raise ``ContractError``."""

    # fields left out of the JSON while None (the schema does not require them either)
    OMITTED_WHEN_NONE: ClassVar[tuple[str, ...]] = ()

    def to_dict(self) -> dict:
        out = {}
        for name in _names(type(self)):
            value = getattr(self, name)
            if value is None and name in self.OMITTED_WHEN_NONE:
                continue
            out[name] = _plain(value)
        return out


__all__ = ["Contract", "ContractError", "iso_utc"]
