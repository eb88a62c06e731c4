"""The one ``{{ }}`` template language, for parameter values (schedules and triggers).

A placeholder is ``{{ name }}`` or a dotted path ``{{ message.deep.list.1 }}`` (dict keys, list
indexes as numbers); text around placeholders is kept. A value that is one placeholder alone
keeps the type of what it names (a number stays a number); inside text, a non-string value is
written as JSON. Nothing is evaluated: no expressions, filters or attribute access, so a value
can never become code. ``{ x }`` and other text without ``{{ }}`` are plain text.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping

PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z0-9_-]+)*)\s*\}\}")


class MissingValue(LookupError):
    """A placeholder names nothing in the context; ``path`` says which."""

    def __init__(self, path: str):
        super().__init__(path)
        self.path = path


def placeholders(value) -> list[str]:
    """The dotted paths the placeholders of ``value`` name (none for a non-string)."""
    return [m.group(1) for m in PLACEHOLDER.finditer(value)] if isinstance(value, str) else []


def unknown(values: Mapping, known: Iterable[str], *, paths: bool = False) -> list[tuple[str, str]]:
    """``(name, placeholder)`` for each placeholder of ``values`` whose name is not ``known``.

    With ``paths``, only the first part of a dotted path must be known (``message.x``)."""
    allowed = set(known)
    return [
        (name, p)
        for name, v in values.items()
        for p in placeholders(v)
        if (p.split(".")[0] if paths else p) not in allowed
    ]


def _lookup(context: Mapping, path: str):
    cur = context
    for part in path.split("."):
        if isinstance(cur, Mapping) and part in cur:
            cur = cur[part]
        elif isinstance(cur, list) and part.isdigit() and int(part) < len(cur):
            cur = cur[int(part)]
        else:
            raise MissingValue(path)
    return cur


def render(value, context: Mapping):
    """``value`` with its placeholders filled from ``context``; ``MissingValue`` for a gap."""
    if not isinstance(value, str):
        return value
    whole = PLACEHOLDER.fullmatch(value.strip())
    if whole:
        return _lookup(context, whole.group(1))

    def text(m):
        v = _lookup(context, m.group(1))
        return v if isinstance(v, str) else json.dumps(v)

    return PLACEHOLDER.sub(text, value)


def render_all(values: Mapping, context: Mapping) -> dict:
    return {name: render(v, context) for name, v in values.items()}
