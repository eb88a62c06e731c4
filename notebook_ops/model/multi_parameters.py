"""The parameters of a pipeline across notebooks: one typed set, the entry notebook's first;
a name with two types is an error, with two defaults a warning (``multi``)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from notebook_ops.model.pipeline import Parameter

if TYPE_CHECKING:
    from notebook_ops.model.multi import Composer


def merge_parameters(composer: Composer, order) -> list[Parameter]:
    """One typed set: the entry's first; a name with two types is an error."""
    seen: dict[str, tuple[Parameter, Path]] = {}
    out = []
    for path in order:
        for x in composer.built[path].parameters:
            if x.name not in seen:
                seen[x.name] = (x, path)
                out.append(x)
            elif seen[x.name][0].type != x.type:
                first, where = seen[x.name]
                composer.problem(
                    "parameter-type-conflict",
                    f"parameter '{x.name}' is {first.type} in {composer.file(where)} "
                    f"and {x.type} in {composer.file(path)}",
                    cell=x.cell,
                    hint="declare it with one type in every notebook",
                )
            elif seen[x.name][0].default != x.default:
                first, where = seen[x.name]
                composer.problem(
                    "parameter-default-differs",
                    f"{composer.at(path)}parameter '{x.name}' defaults to "
                    f"{x.source or repr(x.default)} here but "
                    f"{first.source or repr(first.default)} in {composer.file(where)}, "
                    "which is used",
                    cell=x.cell,
                    severity="warning",
                    hint="give it one default (or drop it here and use the other)",
                )
    return out
